"""The statistics equal the rows they count: dashboard, workbook, PDF and `jineng report`.

The small city (conftest.py) has hand-counted figures; every place that shows them must show
exactly these, with suppression off (min cell 1) and, separately, on.
"""

from __future__ import annotations

import io
import json
import re
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse

from jineng.stats import queries, reports
from jineng.stats.queries import Filters
from jineng.stats.tests.conftest import SHANCHENG, XINHUA, D
from jineng.stats.tests.pdftext import pdf_strings
from jineng.training.models import Enrolment
from jineng.training.tests.helpers import citizen_id, person

pytestmark = pytest.mark.django_db
# The dashboard's queries, and one for the menu's unread notifications.
NUM_QUERIES = 41
PERIOD = {"first_month": "2026-10", "last_month": "2026-11"}
OCT_NOV = Filters(D(2026, 10, 1), D(2026, 11, 1))
# (enrolled, completed, not completed, dropped out), hand-counted from the table in conftest.
TOTALS = {"enrolled": 10, "completed": 4, "not_completed": 1, "withdrawn": 3, "classes": 3}
BY_MONTH = {"2026-10": (7, 2, 1, 2), "2026-11": (3, 2, 0, 1)}
BY_TOWN = {"新华街道": (4, 2, 1, 1), "山城镇": (6, 2, 0, 2)}
BY_OCCUPATION = {"6-31-01-03 电工": (7, 2, 1, 2), "6-18-02-04 焊工": (3, 2, 0, 1)}
BY_GROUP = {"失业人员": (2, 2, 0, 0), "农民工": (1, 0, 0, 0)}


def _values(table: Any) -> dict[str, tuple[Any, ...]]:
    return {row.label: tuple(row.cells[m].shown for m in table.measures) for row in table.rows}


@pytest.fixture
def exact(settings: Any) -> None:
    settings.JINENG_STATS_MIN_CELL = 1


def test_statistics_equal_the_rows(small_city: Any, bureau_admin: Any, exact: None) -> None:
    stats = queries.get_statistics(OCT_NOV, user=bureau_admin, min_cell=1)
    assert {k: c.shown for k, c in stats.totals.items()} == TOTALS
    assert _values(stats.table("month")) == BY_MONTH
    assert _values(stats.table("town")) == BY_TOWN
    assert _values(stats.table("occupation")) == BY_OCCUPATION
    assert _values(stats.table("target_group")) == BY_GROUP
    assert _values(stats.table("institution")) == _institutions(small_city)
    types = {
        row.key: tuple(c.shown for c in row.cells.values())
        for row in stats.table("training_type").rows
    }
    assert types == {"employment": (7, 2, 1, 2), "upskilling": (3, 2, 0, 1)}


def _institutions(small_city: Any) -> dict[str, tuple[int, ...]]:
    a = small_city.classes["A"].programme.organization.name
    b = small_city.classes["B"].programme.organization.name
    return {a: (2, 7, 2), b: (1, 3, 2)}


def test_filters_narrow_every_count(small_city: Any, bureau_admin: Any) -> None:
    town = queries.get_statistics(
        Filters(D(2026, 10, 1), D(2026, 11, 1), town=SHANCHENG), user=bureau_admin, min_cell=1
    )
    assert {k: c.value for k, c in town.totals.items()} == {
        "enrolled": 6,
        "completed": 2,
        "not_completed": 0,
        "withdrawn": 2,
        "classes": 2,
    }
    assert _values(town.table("town")) == {"山城镇": (6, 2, 0, 2)}
    kind = queries.get_statistics(
        Filters(D(2026, 10, 1), D(2026, 11, 1), training_type="upskilling"),
        user=bureau_admin,
        min_cell=1,
    )
    assert kind.totals["enrolled"].value == 3
    occupation = queries.get_statistics(
        Filters(D(2026, 10, 1), D(2026, 11, 1), occupation="6-31"), user=bureau_admin, min_cell=1
    )
    assert occupation.totals["enrolled"].value == 7
    november = queries.get_statistics(
        Filters(D(2026, 11, 1), D(2026, 11, 1), town=XINHUA), user=bureau_admin, min_cell=1
    )
    assert {k: c.value for k, c in november.totals.items()} == dict.fromkeys(TOTALS, 0)


def test_small_counts_are_suppressed_with_a_second_cell(small_city: Any, bureau_admin: Any) -> None:
    stats = queries.get_statistics(OCT_NOV, user=bureau_admin, min_cell=5)
    assert {k: c.shown for k, c in stats.totals.items()} == {
        "enrolled": 10,
        "completed": "<5",
        "not_completed": "<5",
        "withdrawn": "<5",
        "classes": 3,
    }
    # 新华街道's 4 enrolments are hidden, and 山城镇's 6 with them: 10 - 6 would give 4 away.
    assert _values(stats.table("town")) == {
        "新华街道": ("<5", "<5", "<5", "<5"),
        "山城镇": ("<5", "<5", 0, "<5"),
    }
    assert [c.shown for c in stats.table("town").totals.values()] == [10, "<5", "<5", "<5"]
    # Counts of classes are never hidden.
    institution = stats.table("institution")
    classes = {row.label: row.cells["classes"].shown for row in institution.rows}
    assert classes == {k: v[0] for k, v in _institutions(small_city).items()}


def _chart_json(html: str) -> dict[str, Any]:
    found = re.search(
        r'<script id="statistics-data" type="application/json">(.*?)</script>', html, re.S
    )
    assert found, "the page carries its chart data as JSON"
    return json.loads(found.group(1))


def test_dashboard_shows_the_counts_in_tables_and_chart_data(
    small_city: Any, bureau_admin: Any, exact: None
) -> None:
    client = Client()
    client.force_login(bureau_admin)
    response = client.get(reverse("statistics:dashboard"), PERIOD)
    assert response.status_code == 200
    html = response.content.decode()
    for measure, value in TOTALS.items():
        assert f'<dd data-measure="{measure}">{value}</dd>' in html
    charts = {c["id"]: c for c in _chart_json(html)["charts"]}
    month = charts["month"]
    assert month["categories"] == ["2026-10", "2026-11"]
    assert [s["data"] for s in month["series"]] == [[7, 3], [2, 2], [1, 0], [2, 1]]
    town = charts["town"]
    assert (
        dict(
            zip(
                town["categories"],
                zip(*(s["data"] for s in town["series"]), strict=True),
                strict=True,
            )
        )
        == BY_TOWN
    )
    assert "<script>" not in html  # no inline script (CSP)
    assert 'id="table-town"' in html
    assert '<th scope="row">新华街道</th>' in html
    assert "学员" not in html  # nobody is named


def test_dashboard_charts_leave_suppressed_counts_out(small_city: Any, bureau_admin: Any) -> None:
    client = Client()
    client.force_login(bureau_admin)
    html = client.get(reverse("statistics:dashboard"), PERIOD).content.decode()
    town = {c["id"]: c for c in _chart_json(html)["charts"]}["town"]
    assert town["series"][0]["data"] == [None, None]
    assert town["series"][0]["shown"] == ["<5", "<5"]
    assert '<dd data-measure="completed">&lt;5</dd>' in html


def _sheets(content: bytes) -> dict[str, list[tuple[Any, ...]]]:
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(content), read_only=True)
    return {ws.title: [tuple(r) for r in ws.iter_rows(values_only=True)] for ws in book.worksheets}


def test_workbook_has_the_same_numbers(
    small_city: Any, bureau_admin: Any, exact: None, english: Any
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(bureau_admin)
    response = client.get(reverse("statistics:export"), PERIOD)
    assert response.status_code == 200
    assert response["Content-Type"] == reports.XLSX_TYPE
    assert 'filename="statistics-2026-10_2026-11.xlsx"' in response["Content-Disposition"]
    sheets = _sheets(response.content)
    summary = sheets["Summary"]
    assert ("Enrolments", 10) in summary
    assert ("Classes", 3) in summary
    assert ("Period", "2026-10 – 2026-11") in summary
    town = sheets["Township"]
    assert town[1] == (
        "Township",
        "Enrolments",
        "Completed (people trained)",
        "Did not complete",
        "Dropped out",
    )
    assert town[2:] == [("新华街道", 4, 2, 1, 1), ("山城镇", 6, 2, 0, 2), ("Total", 10, 4, 1, 3)]
    assert sheets["Month"][2:] == [
        ("2026-10", 7, 2, 1, 2),
        ("2026-11", 3, 2, 0, 1),
        ("Total", 10, 4, 1, 3),
    ]
    institutions = {r[0]: r[1:] for r in sheets["Institution"][2:]}
    assert institutions == {**_institutions(small_city), "Total": (3, 10, 4)}


def test_workbook_writes_a_formula_like_name_as_text(
    small_city: Any, bureau_admin: Any, exact: None
) -> None:
    org = small_city.classes["A"].programme.organization
    org.name = '=HYPERLINK("http://x")'
    org.save()
    stats = queries.get_statistics(OCT_NOV, user=bureau_admin, min_cell=1)
    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(reports.write_workbook(stats, "t")))
    sheet = book.worksheets[-1]
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == org.name)
    assert cell.data_type == "s"


def _after(text: list[str], start: str, n: int) -> list[str]:
    at = text.index(start) + 1
    return text[at : at + n]


def test_monthly_report_pdf_and_xlsx(
    small_city: Any, bureau_admin: Any, exact: None, english: Any
) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(bureau_admin)
    pdf = client.get(reverse("statistics:monthly_report", args=["pdf"]), {"month": "2026-11"})
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert pdf.content.rstrip().endswith(b"%%EOF")
    assert 'filename="monthly-report-2026-11.pdf"' in pdf["Content-Disposition"]
    # The PDF is printed from these sections: November's figures, hand-counted.
    stats = reports.monthly(D(2026, 11, 1), user=bureau_admin)
    printed = {s.sheet: s.rows for s in reports.sections(stats)}
    assert printed["Totals"] == [
        ["Enrolments", 3],
        ["Completed (people trained)", 2],
        ["Did not complete", 0],
        ["Dropped out", 1],
        ["Classes", 1],
    ]
    assert printed["Township"] == [["山城镇", 3, 2, 0, 1], ["Total", 3, 2, 0, 1]]
    text = pdf_strings(pdf.content)
    assert text[0] == "Skills training statistics, monthly report 2026-11"
    assert _after(text, "Totals", 11) == [
        "Measure",
        "Count",
        "Enrolments",
        "3",
        "Completed (people trained)",
        "2",
        "Did not complete",
        "0",
        "Dropped out",
        "1",
        "Classes",
    ]
    township = text.index("By township (where held)")
    assert _after(text[township:], "山城镇", 9) == ["3", "2", "0", "1", "Total", "3", "2", "0", "1"]
    assert "学员甲" not in text
    xlsx = client.get(reverse("statistics:monthly_report", args=["xlsx"]), {"month": "2026-11"})
    assert _sheets(xlsx.content)["Township"][2:] == [("山城镇", 3, 2, 0, 1), ("Total", 3, 2, 0, 1)]


def test_monthly_report_refuses_a_month_that_is_not_one(bureau_admin: Any) -> None:
    client = Client()
    client.force_login(bureau_admin)
    url = reverse("statistics:monthly_report", args=["pdf"])
    assert client.get(url, {"month": "November"}).status_code == 404
    assert (
        client.get(
            reverse("statistics:monthly_report", args=["doc"]), {"month": "2026-11"}
        ).status_code
        == 404
    )


def test_dashboard_says_what_is_wrong_with_a_period(bureau_admin: Any, english: Any) -> None:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(bureau_admin)
    response = client.get(
        reverse("statistics:dashboard"), {"first_month": "2026-11", "last_month": "2026-10"}
    )
    assert response.status_code == 200
    assert "The period ends before it starts" in response.content.decode()
    assert response.context["stats"] is None


def test_report_command_writes_both_files(small_city: Any, tmp_path: Any, exact: None) -> None:
    out = io.StringIO()
    call_command("report", month="2026-11", output=str(tmp_path), language="en", stdout=out)
    pdf = tmp_path / "monthly-report-2026-11.pdf"
    assert pdf.read_bytes().startswith(b"%PDF-")
    sheets = _sheets((tmp_path / "monthly-report-2026-11.xlsx").read_bytes())
    assert sheets["Township"][2:] == [("山城镇", 3, 2, 0, 1), ("Total", 3, 2, 0, 1)]
    assert (
        "2026-11: enrolments 3, completed 2, did not complete 0, dropped out 1, classes started 1"
        in out.getvalue()
    )


def test_report_command_refuses_a_bad_month(tmp_path: Any) -> None:
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--month must look like 2026-11"):
        call_command("report", month="2026/11", output=str(tmp_path))


def test_dashboard_queries_do_not_grow_with_the_rows(
    small_city: Any, bureau_admin: Any, django_assert_num_queries: Any
) -> None:
    client = Client()
    client.force_login(bureau_admin)
    url = reverse("statistics:dashboard")
    client.get(url, PERIOD)
    # The session, the user, the filter choices, then per breakdown a count per measure and
    # its labels, and the totals: a fixed number, whatever the rows.
    with django_assert_num_queries(NUM_QUERIES):
        client.get(url, PERIOD)
    more = small_city.classes["C"]
    for n in range(20, 26):
        Enrolment.objects.create(
            training_class=more, person=person(bureau_admin, citizen_id(n), name="学员子")
        )
    with django_assert_num_queries(NUM_QUERIES):
        client.get(url, PERIOD)


def test_completions_equal_what_the_class_pages_count(
    small_city: Any, bureau_admin: Any, exact: None
) -> None:
    from jineng.training.models import TrainingClass
    from jineng.training.queries import with_counts

    stats = queries.get_statistics(OCT_NOV, user=bureau_admin, min_cell=1)
    ended = with_counts(
        TrainingClass.objects.filter(ends_on__range=(D(2026, 10, 1), D(2026, 11, 30)))
    )
    assert stats.totals["completed"].value == sum(c.completed_count for c in ended)


@pytest.mark.parametrize("viewer", ["reviewer", "auditor"])
def test_every_bureau_role_counts_the_same(
    small_city: Any, bureau_admin: Any, viewer: str, request: pytest.FixtureRequest
) -> None:
    def figures(user: Any) -> list[Any]:
        stats = queries.get_statistics(OCT_NOV, user=user, min_cell=1)
        return [{k: c.value for k, c in stats.totals.items()}] + [_values(t) for t in stats.tables]

    assert figures(request.getfixturevalue(viewer)) == figures(bureau_admin)
    assert figures(None) == figures(bureau_admin)
