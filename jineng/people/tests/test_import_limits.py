"""Hostile and very bad people files: refused at the upload, bounded errors, one full pass."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from jineng.core.models import Job
from jineng.core.tabular import MAX_REPORTED_ERRORS
from jineng.core.tests import spreadsheets
from jineng.people.exporters import export_people
from jineng.people.importers import COMMIT_GOOD, import_people
from jineng.people.models import Person
from jineng.people.queries import search_people
from jineng.people.tests.test_import import VILLAGE, csv_file, good_lines, make_id, staff_lines

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MISMATCH = "This citizen ID is already registered under another name: check the name and the ID."


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def bad_id_lines(count: int) -> list[str]:
    """A header and ``count`` rows whose citizen ID has a wrong check character."""
    lines = ["身份证号,姓名,区划代码"]
    for number in range(count):
        good = make_id("19900101", f"{number % 1000:03d}")
        bad = good[:-1] + ("0" if good[-1] != "0" else "1")
        lines.append(f"{bad},某某,{VILLAGE}")
    return lines


@pytest.mark.parametrize(
    ("bomb", "message"),
    [
        (lambda: spreadsheets.many_rows_xlsx(2_000_000), "at most 500000 are imported at once"),
        (lambda: spreadsheets.inflating_xlsx(20 * 1024 * 1024), "packed unusually tightly"),
    ],
    ids=["two-million-rows", "inflating"],
)
def test_a_spreadsheet_bomb_is_refused_on_the_upload_form_and_no_job_is_queued(
    client, city, target_groups, staff_a, bomb, message
):
    client.force_login(staff_a)
    file = SimpleUploadedFile("people.xlsx", bomb(), content_type=XLSX)

    response = client.post(reverse("people:import"), {"file": file, "mode": "commit_good"})

    assert response.status_code == 200
    assert message in response.context["form"].errors["file"][0]
    assert not Job.objects.exists()


def test_a_file_of_many_bad_rows_keeps_the_first_errors_and_counts_all(
    client, city, target_groups, bureau_admin
):
    client.force_login(bureau_admin)
    lines = bad_id_lines(MAX_REPORTED_ERRORS + 500)
    file = SimpleUploadedFile("people.csv", "\n".join(lines).encode(), content_type="text/csv")

    client.post(reverse("people:import"), {"file": file, "mode": "commit_good"})

    job = Job.objects.get()
    summary = job.summary
    assert (summary["error_count"], summary["bad_rows"], summary["errors_shown"]) == (
        1_500,
        1_500,
        1_000,
    )
    assert len(summary["errors"]) == MAX_REPORTED_ERRORS
    assert [e[0] for e in summary["errors"][:2]] == [2, 3]
    assert summary["errors"][-1][0] == MAX_REPORTED_ERRORS + 1
    page = client.get(reverse("people:import_job", args=[job.pk]), {"page": 10})
    assert "… and 500 more errors, not listed" in page.content.decode()
    download = client.get(reverse("people:import_errors", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(download.content.decode("utf-8-sig"))))
    assert len(rows) == 1 + MAX_REPORTED_ERRORS + 1
    assert rows[-1][2].startswith("… and 500 more errors, not listed")


def test_all_or_nothing_reports_name_mismatches_with_the_other_bad_rows(
    city, target_groups, bureau_admin
):
    """A 100,000-row file reported 1 bad row, then 31 more: every kind comes in one pass."""
    import_people(csv_file(good_lines()), actor=bureau_admin)
    lines = good_lines()
    lines[2] = lines[2].replace("李芳", "李芬")  # registered under 李芳
    lines.append(f"{make_id('19700101', '111')},丙,,999999999,,,,")  # an unknown region

    refused = import_people(csv_file(lines), actor=bureau_admin)

    assert [(e.row, e.column) for e in refused.errors] == [(3, "姓名"), (5, "区划代码")]
    assert refused.errors[0].reason == MISMATCH
    assert (refused.committed, refused.bad_rows, refused.error_count) == (False, 2, 2)
    assert Person.objects.count() == 3


def test_commit_good_still_writes_the_rows_that_are_not_mismatched(
    city, target_groups, bureau_admin
):
    import_people(csv_file(good_lines()[:2]), actor=bureau_admin)
    lines = good_lines()
    lines[1] = lines[1].replace("王小明", "王大明")

    partly = import_people(csv_file(lines), actor=bureau_admin, mode=COMMIT_GOOD)

    assert [(e.row, e.reason) for e in partly.errors] == [(2, MISMATCH)]
    assert (partly.committed, partly.created) == (True, 2)


def test_xlsx_export_writes_a_formula_like_name_as_a_string_without_an_apostrophe(
    city, target_groups, bureau_admin
):
    lines = good_lines()[:2]
    lines[1] = lines[1].replace("王小明", "=HYPERLINK(x)")
    import_people(csv_file(lines), actor=bureau_admin)
    out = io.BytesIO()

    export_people(search_people(bureau_admin, {}), out, fmt="xlsx", actor=bureau_admin)

    sheet = openpyxl.load_workbook(io.BytesIO(out.getvalue())).active
    name = sheet.cell(row=2, column=2)
    assert (name.value, name.data_type) == ("=HYPERLINK(x)", "s")


def test_a_bad_file_beyond_the_daily_allowance_still_lists_its_bad_rows_and_probes_nothing(
    settings, city, target_groups, staff_a, bureau_admin
):
    import_people(csv_file(good_lines()), actor=bureau_admin)
    settings.JINENG_REGISTRATIONS_PER_DAY = 2
    lines = staff_lines()
    lines[1] = lines[1].replace("王小明", "王大明")  # registered under 王小明: not reported
    lines.append(f"{make_id('19700101', '111')},丙,,999999999,,,,")

    refused = import_people(csv_file(lines), actor=staff_a)

    assert [(e.row, e.column) for e in refused.errors] == [(5, "区划代码")]
    assert (refused.committed, refused.error_count) == (False, 1)


def test_an_upload_declared_larger_than_the_limit_is_refused_before_it_is_stored(
    client, settings, city, target_groups, staff_a
):
    settings.JINENG_MAX_UPLOAD_BYTES = 1000
    client.force_login(staff_a)
    big = SimpleUploadedFile("people.csv", b"x" * (2 * 1024 * 1024), content_type="text/csv")

    response = client.post(reverse("people:import"), {"file": big, "mode": "commit_good"})

    assert response.status_code == 302
    page = client.get(response["Location"])
    assert [str(m) for m in page.context["messages"]] == [
        "The file is larger than the limit of 0.0 MB; split it into smaller files."
    ]
    assert not Job.objects.exists()
