"""IDs a spreadsheet kept as numbers: a number keeps 15 significant digits, so an 18-digit ID
in a number cell is already another number, and about one in eleven of those passes the
check character (another person's valid ID). An import refuses every number cell in the ID
column, and in a csv an ID ending in 000 (what Excel writes for one); a real ID of that shape
is still registered one by one (the rule: core.validators.imported_id_damage)."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import translation

from jineng.core.models import Job
from jineng.core.validators import parse_citizen_id
from jineng.people.importers import ALL_OR_NOTHING, COMMIT_GOOD, import_people
from jineng.people.models import Person
from jineng.people.services import PersonInput, register_person
from jineng.people.tests.test_import import VILLAGE, csv_file, make_id

FIX = (
    "Format the ID column as text (Format Cells → Text) before typing or pasting the IDs "
    "again, then import the file again."
)
NUMBER_CELL = (
    "The citizen ID column was stored as a number by Excel, which keeps only 15 digits, so "
    "this ID may be another person's. " + FIX
)
# The real ID typed into a number cell: Excel stores 2.20581199001013E+17, read back as
# 220581199001012992, whose check character happens to be right.
REAL = "220581199001013231"
ROUNDED = "220581199001012992"
# A real, valid ID of the shape Excel leaves (order code 900, a woman; check character 0).
ENDS_IN_000 = "220581198512319000"


@pytest.fixture(autouse=True)
def _english(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    with translation.override("en"):
        yield


def rounded_message(number: str) -> str:
    return (
        f"The citizen ID {number[:6]}**********{number[-2:]} ends in 000, as Excel writes an ID "
        "stored as a number (it keeps only 15 digits of a number), so it may be another "
        "person's. " + FIX + " If the ID card really ends in 000, leave the row out and "
        "register the person on their own."
    )


def xlsx(rows: list[list[object]]) -> io.BytesIO:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["身份证号", "姓名", "区划代码"])
    for row in rows:
        sheet.append(row)
    handle = io.BytesIO()
    book.save(handle)
    handle.seek(0)
    handle.name = "people.xlsx"
    return handle


def test_the_rounded_ids_pass_the_check_character():
    # Why the check character cannot catch them: both are valid IDs of someone else.
    assert str(int(float(f"{int(REAL):.15g}"))) == ROUNDED
    assert parse_citizen_id(ROUNDED).number == ROUNDED
    assert parse_citizen_id("220581199001019000").number == "220581199001019000"
    assert parse_citizen_id(ENDS_IN_000).number == ENDS_IN_000


def test_an_id_in_a_number_cell_is_refused_never_registered_as_another(
    city, target_groups, bureau_admin
):
    good = make_id("19900101", "123")
    upload = xlsx(
        [
            [float(f"{int(REAL):.15g}"), "王五", VILLAGE],
            [int(good), "赵六", VILLAGE],  # even an exact number: the cell's type decides
            [make_id("19900101", "125"), "李芳", VILLAGE],
        ]
    )

    result = import_people(upload, actor=bureau_admin, mode=COMMIT_GOOD)

    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (2, "身份证号", NUMBER_CELL),
        (3, "身份证号", NUMBER_CELL),
    ]
    assert result.bad_rows == 2
    assert list(Person.objects.values_list("name", flat=True)) == ["李芳"]
    assert not Person.objects.filter(name__in=["王五", "赵六"]).exists()


def test_a_number_cell_row_still_reports_its_other_cells(city, target_groups, bureau_admin):
    upload = xlsx([[float(f"{int(REAL):.15g}"), "王五", "999999999999"]])

    result = import_people(upload, actor=bureau_admin, mode=ALL_OR_NOTHING)

    columns = [e.column for e in result.errors]
    assert columns[0] == "身份证号"
    assert result.errors[0].reason == NUMBER_CELL
    assert columns.count("身份证号") == 1
    assert "区划代码" in columns
    assert not Person.objects.exists()


def test_the_same_id_typed_as_text_in_a_workbook_is_imported(city, target_groups, bureau_admin):
    result = import_people(xlsx([[REAL, "王五", VILLAGE]]), actor=bureau_admin, mode=COMMIT_GOOD)

    assert result.errors == []
    assert Person.objects.get().name == "王五"


@pytest.mark.parametrize("number", ["220581199001019000", ENDS_IN_000])
def test_a_csv_id_ending_in_000_is_refused(city, target_groups, bureau_admin, number):
    lines = ["身份证号,姓名,区划代码", f"{number},王六,{VILLAGE}", f"{REAL},李芳,{VILLAGE}"]

    result = import_people(csv_file(lines), actor=bureau_admin, mode=COMMIT_GOOD)

    assert [(e.row, e.column, e.reason) for e in result.errors] == [
        (2, "身份证号", rounded_message(number))
    ]
    assert list(Person.objects.values_list("name", flat=True)) == ["李芳"]


@pytest.mark.parametrize(
    "number",
    [
        # Real IDs near the rule, which it must not refuse: order codes x00 whose check
        # character is not 0 (…1009, …2001), 000 inside the number, the ID behind ROUNDED
        # and ROUNDED itself: Excel writes …000, and only a number cell says more.
        make_id("19900101", "100"),
        make_id("19900101", "200"),
        make_id("19900101", "990"),
        make_id("20000101", "000"),
        make_id("20000229", "017"),
        REAL,
        ROUNDED,
    ],
)
def test_real_ids_not_shaped_like_a_rounded_number_are_imported(
    city, target_groups, bureau_admin, number
):
    lines = ["身份证号,姓名,区划代码", f"{number},王六,{VILLAGE}"]

    result = import_people(csv_file(lines), actor=bureau_admin, mode=COMMIT_GOOD)

    assert result.errors == []
    assert Person.objects.get().name == "王六"


def test_a_real_id_ending_in_000_is_registered_one_by_one(city, bureau_admin):
    person = register_person(
        PersonInput(id_number=ENDS_IN_000, name="王六", region_code=VILLAGE), actor=bureau_admin
    )

    assert person.id_number == ENDS_IN_000


def test_a_scientific_notation_id_is_masked_in_the_result_the_job_and_the_error_csv(
    client, city, target_groups, bureau_admin
):
    typed = "2.20581199001011E+17"
    message = (
        "The citizen ID 2.20581*********E+17 was turned into scientific notation by Excel, "
        "which keeps only 15 digits of a number: the last digits are lost. " + FIX
    )
    lines = ["身份证号,姓名,区划代码", f"{typed},王七,{VILLAGE}"]
    result = import_people(csv_file(lines), actor=bureau_admin, mode=COMMIT_GOOD)
    assert [e.reason for e in result.errors] == [message]

    client.force_login(bureau_admin)
    upload = SimpleUploadedFile("people.csv", "\n".join(lines).encode(), content_type="text/csv")
    client.post(reverse("people:import"), {"file": upload, "mode": COMMIT_GOOD})
    job = Job.objects.get()
    page = client.get(reverse("people:import_job", args=[job.pk])).content.decode()
    report = client.get(reverse("people:import_errors", args=[job.pk]))
    rows = list(csv.reader(io.StringIO(b"".join(report).decode("utf-8-sig"))))
    for text in (repr(job.summary), page, repr(rows)):
        assert "199001011" not in text.replace(".", "")
    assert message in repr(rows)
    assert "2.20581*********E+17" in page
