"""Imports in people's words: only the columns a role may fill, a column it may not fill
ignored with a note (never losing good rows), Excel-mangled IDs named as such, and the
history of past imports."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from jineng.core.errors import ValidationFailed
from jineng.core.models import Job
from jineng.core.validators import parse_citizen_id
from jineng.people.importers import COMMIT_GOOD, import_people
from jineng.people.models import Person, TargetGroupMembership
from jineng.people.tests.test_import import VILLAGE, csv_file, good_lines, make_id

NOTE = (
    "The column 重点群体 was ignored: your role may not fill it (the bureau records target "
    "groups with their evidence). The other columns of every row were imported as usual."
)
FIX = (
    "Format the ID column as text (Format Cells → Text) before typing or pasting the IDs "
    "again, then import the file again."
)


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def upload(lines, name="people.csv"):
    return SimpleUploadedFile(name, "\n".join(lines).encode("utf-8"), content_type="text/csv")


# -- columns a role may not fill ---------------------------------------------------------


def test_school_upload_with_target_groups_keeps_every_row_and_shows_the_note(
    client, city, target_groups, staff_a
):
    client.force_login(staff_a)
    response = client.post(
        reverse("people:import"), {"file": upload(good_lines()), "mode": COMMIT_GOOD}
    )

    job = Job.objects.get()
    assert (job.status, job.summary["created"], job.summary["bad_rows"]) == ("succeeded", 3, 0)
    assert job.summary["notes"] == [NOTE]
    assert Person.objects.visible_to(staff_a).count() == 3
    assert not TargetGroupMembership.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert NOTE in page
    assert "Every row was imported or was already registered." in page


def test_school_upload_page_lists_only_the_columns_a_school_may_fill(
    client, city, staff_a, bureau_admin
):
    client.force_login(staff_a)
    page = client.get(reverse("people:import")).content.decode()
    assert "<td>重点群体</td>" not in page
    assert "<td>身份证号</td>" in page
    assert "a 重点群体 column in your file is ignored" in page
    client.force_login(bureau_admin)
    page = client.get(reverse("people:import")).content.decode()
    assert "<td>重点群体</td>" in page
    assert "Target groups: codes or names, separated by ; or 、." in page


# -- IDs mangled by a spreadsheet ----------------------------------------------------------

GOOD_ID = make_id("19900101", "123")
# 17 digits whose check character is X: the X a number column drops.
X_BODY = "22058119900101050"


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        (
            "2.20581E+17",
            "The citizen ID 2.20581E+17 was turned into scientific notation by Excel, which "
            "keeps only 15 digits of a number: the last digits are lost. " + FIX,
        ),
        (
            "2.20581199001011e+17",
            # Masked like every other ID message: the mantissa holds the birth date.
            "The citizen ID 2.20581*********E+17 was turned into scientific notation by Excel, "
            "which keeps only 15 digits of a number: the last digits are lost. " + FIX,
        ),
        (
            GOOD_ID + ".0",
            "The citizen ID was stored as a number with a decimal point ("
            + GOOD_ID[:6]
            + "**********"
            + GOOD_ID[16:]
            + ".0); numbers keep only 15 digits, so its last digits may be wrong. "
            + FIX,
        ),
        (
            X_BODY,
            "The citizen ID 220581**********0X has 17 digits: its last character, X, was lost, "
            "as happens when the column is a number column. Add the X. " + FIX,
        ),
        (
            "220581199001011000",
            "The citizen ID 220581**********00 has a wrong check character and its last digits "
            "are those of a rounded number: Excel keeps only 15 digits of a number and "
            "replaced the last three. " + FIX,
        ),
        (
            "220581199001011008",
            "The citizen ID 220581**********08 has a wrong check character and its last digits "
            "are those of a rounded number: Excel keeps only 15 digits of a number and "
            "replaced the last three. " + FIX,
        ),
    ],
)
def test_excel_mangled_ids_are_named_with_the_fix(
    city, target_groups, bureau_admin, typed, message
):
    with pytest.raises(ValidationFailed) as raised:
        parse_citizen_id(typed)
    assert str(raised.value.detail) == message
    lines = ["身份证号,姓名,区划代码", f"{typed},王小明,{VILLAGE}", f"{GOOD_ID},李芳,{VILLAGE}"]
    result = import_people(csv_file(lines), actor=bureau_admin, mode=COMMIT_GOOD)
    assert [(e.row, e.column, e.reason) for e in result.errors] == [(2, "身份证号", message)]
    assert result.created == 1


def test_an_xlsx_number_cell_is_named_as_rounded_by_excel(city, target_groups, bureau_admin):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["身份证号", "姓名", "区划代码"])
    sheet.append([220581199001011234, "王小明", VILLAGE])  # Excel keeps 15 digits of it
    sheet.cell(row=2, column=1).value = float(GOOD_ID[:15] + "000")
    buffer = io.BytesIO()
    book.save(buffer)
    buffer.seek(0)
    buffer.name = "people.xlsx"
    result = import_people(buffer, actor=bureau_admin, mode=COMMIT_GOOD)
    [error] = result.errors
    assert error.reason == (
        "The citizen ID column was stored as a number by Excel, which keeps only 15 digits, "
        "so this ID may be another person's. " + FIX
    )


def test_a_genuine_typo_keeps_the_check_character_message(db):
    typo = GOOD_ID[:-2] + str((int(GOOD_ID[-2]) + 1) % 10) + GOOD_ID[-1]
    with pytest.raises(ValidationFailed) as raised:
        parse_citizen_id(typo)
    assert "check character" in str(raised.value.detail)
    assert "Excel" not in str(raised.value.detail)


def test_the_excel_message_is_translated(db):
    with translation.override("zh-hans"), pytest.raises(ValidationFailed) as raised:
        parse_citizen_id("2.20581E+17")
    assert "Excel" in str(raised.value.detail)


# -- import history ------------------------------------------------------------------------


def test_history_lists_own_imports_newest_first_never_anothers(
    client, city, target_groups, staff_a, staff_b
):
    client.force_login(staff_b)
    client.post(
        reverse("people:import"), {"file": upload(good_lines(), "b.csv"), "mode": COMMIT_GOOD}
    )
    theirs = Job.objects.get(owner=staff_b)
    client.force_login(staff_a)
    client.post(
        reverse("people:import"), {"file": upload(good_lines(), "first.csv"), "mode": COMMIT_GOOD}
    )
    client.post(
        reverse("people:import"), {"file": upload(good_lines(), "second.csv"), "mode": COMMIT_GOOD}
    )

    page = client.get(reverse("people:import_history"))

    assert page.status_code == 200
    html = page.content.decode()
    assert [j.summary["file_name"] for j in page.context["page"].object_list] == [
        "second.csv",
        "first.csv",
    ]
    assert html.index("second.csv") < html.index("first.csv")
    assert "b.csv" not in html
    assert reverse("people:import_job", args=[theirs.pk]) not in html
    assert client.get(reverse("people:import_job", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("people:import_errors", args=[theirs.pk])).status_code == 404


def test_history_links_each_jobs_error_report(client, city, target_groups, bureau_admin):
    client.force_login(bureau_admin)
    lines = ["身份证号,姓名,区划代码", f"2.20581E+17,王小明,{VILLAGE}", f"{GOOD_ID},李芳,{VILLAGE}"]
    client.post(reverse("people:import"), {"file": upload(lines), "mode": COMMIT_GOOD})
    job = Job.objects.get()
    html = client.get(reverse("people:import_history")).content.decode()
    assert reverse("people:import_errors", args=[job.pk]) in html
    assert reverse("people:import_job", args=[job.pk]) in html


def test_history_needs_the_import_capability(client, city, worker, reviewer):
    for user in (worker, reviewer):
        client.force_login(user)
        assert client.get(reverse("people:import_history")).status_code == 403


def test_a_waiting_job_says_it_waits_instead_of_0_of_0(client, staff_a):
    job = Job.objects.create(kind="people.import", owner=staff_a, summary={"file_name": "w.csv"})
    client.force_login(staff_a)
    page = client.get(reverse("people:import_job", args=[job.pk])).content.decode()
    assert "Waiting to start" in page
    assert "0 / 0" not in page
    history = client.get(reverse("people:import_history")).content.decode()
    assert "Waiting to start" in history
