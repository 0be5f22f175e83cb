"""The one reader of bulk files: limits on hostile workbooks and csv, encodings, rows, cells."""

from __future__ import annotations

import datetime
import io
import json
import subprocess
import sys
import textwrap

import openpyxl
import pytest

from jineng.core.errors import ImportFailed
from jineng.core.tabular import (
    ErrorLog,
    Limits,
    cell_text,
    csv_row,
    open_sheet,
)
from jineng.core.tests import spreadsheets

MiB = 1024 * 1024


@pytest.fixture(autouse=True)
def english():
    """Run in English, so assertions on messages do not depend on the zh-Hans catalog."""
    from django.utils import translation

    with translation.override("en"):
        yield


def upload(content: bytes, name: str = "people.xlsx") -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def xlsx(rows: list[list[object]]) -> bytes:
    book = openpyxl.Workbook()
    for row in rows:
        book.active.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def test_a_workbook_that_unpacks_beyond_the_limit_is_refused_before_it_is_opened(settings):
    settings.JINENG_IMPORT_MAX_UNPACKED_BYTES = 16 * MiB
    bomb = spreadsheets.inflating_xlsx(40 * MiB)
    assert len(bomb) < 100_000

    with pytest.raises(ImportFailed) as refused:
        open_sheet(upload(bomb))

    assert str(refused.value.detail) == (
        "The workbook unpacks to more than 16.0 MB, more than any sheet of this kind needs; "
        "split it into smaller files or save it as csv."
    )


def test_a_part_packed_far_more_tightly_than_a_spreadsheet_is_refused():
    bomb = spreadsheets.inflating_xlsx(20 * MiB)  # under the size limit, a ratio near 1,000

    with pytest.raises(ImportFailed, match="packed unusually tightly") as refused:
        open_sheet(upload(bomb))

    assert "xl/worksheets/sheet1.xml" in str(refused.value.detail)
    assert "at most 200 is allowed" in str(refused.value.detail)


def test_shared_strings_a_reader_would_hold_whole_are_bounded_on_their_own(settings):
    settings.JINENG_IMPORT_MAX_RATIO = 100_000
    bomb = spreadsheets.shared_strings_xlsx(2_000_000)  # 34 MB of one-letter strings

    with pytest.raises(ImportFailed) as refused:
        open_sheet(upload(bomb))

    assert str(refused.value.detail).startswith(
        "The workbook's part xl/sharedStrings.xml unpacks to more than 32.0 MB"
    )


def test_more_shared_strings_than_a_city_sheet_has_are_refused(settings):
    settings.JINENG_IMPORT_MAX_RATIO = 100_000
    bomb = spreadsheets.shared_strings_xlsx(1_600_000)  # 27 MB, under the size bound

    with pytest.raises(ImportFailed) as refused:
        open_sheet(upload(bomb))

    assert str(refused.value.detail) == (
        "The workbook shares 1600000 different texts among its cells; at most 1500000 are "
        "read. Save the sheet as csv, or split it into smaller files."
    )


def test_an_ods_saved_by_libreoffice_with_its_empty_repeats_is_read():
    content = spreadsheets.libreoffice_ods([["身份证号", "姓名"], ["1", "张三"], ["2", "李四"]])

    sheet = open_sheet(upload(content, "people.ods"), limits=Limits.from_settings(max_rows=5))

    assert (sheet.header, sheet.estimated_rows) == (["身份证号", "姓名"], 2)
    assert list(sheet.rows) == [(2, ["1", "张三"]), (3, ["2", "李四"])]


def test_an_ods_row_repeated_millions_of_times_is_refused_before_it_is_unpacked():
    bomb = spreadsheets.repeated_ods(5_000_000, 100)
    assert len(bomb) < 2_000

    with pytest.raises(ImportFailed) as refused:
        open_sheet(upload(bomb, "people.ods"))

    assert str(refused.value.detail) == (
        "The file has more than 500000 rows; at most 500000 are imported at once."
    )


def test_an_ods_of_more_cells_than_the_limit_is_refused_though_its_rows_and_columns_fit():
    bomb = spreadsheets.repeated_ods(300_000, 100)  # 30,000,000 cells: 3.7 GB unpacked

    with pytest.raises(ImportFailed) as refused:
        open_sheet(upload(bomb, "people.ods"))

    assert str(refused.value.detail) == (
        "The sheet spans more than 4000000 cells (its rows times its columns, counting "
        "repeated rows and cells); save it as csv or xlsx, or split it into smaller files."
    )


def test_the_cells_of_an_ods_s_other_sheets_count_too():
    with pytest.raises(ImportFailed, match="more than 4000000 cells"):
        open_sheet(upload(spreadsheets.second_sheet_ods(50_000, 100), "people.ods"))

    sheet = open_sheet(upload(spreadsheets.second_sheet_ods(1_000, 100), "people.ods"))
    assert (sheet.estimated_rows, list(sheet.rows)) == (1, [(2, ["1", "张三", "2"])])


def test_an_ods_cell_repeated_beyond_the_column_limit_is_refused():
    bomb = spreadsheets.repeated_ods(1, 101)

    with pytest.raises(ImportFailed) as refused:
        open_sheet(upload(bomb, "people.ods"))

    assert str(refused.value.detail).startswith("Row 2 has cells beyond column 100;")


def test_empty_ods_rows_count_when_a_filled_row_follows_them():
    rows = [
        spreadsheets.ods_row(["身份证号"]),
        spreadsheets.empty_ods_rows(2_000),
        spreadsheets.ods_row(["1"]),
    ]

    limits = Limits.from_settings(max_rows=1000)
    with pytest.raises(ImportFailed, match="more than 1000 rows"):
        open_sheet(upload(spreadsheets.ods(rows), "people.ods"), limits=limits)


def test_a_legacy_xls_is_refused_with_what_to_save_it_as():
    with pytest.raises(ImportFailed) as refused:
        open_sheet(upload(spreadsheets.legacy_xls(), "people.xls"))

    assert str(refused.value.detail) == (
        "people.xls is an old-format Excel workbook (.xls), which is not read here; open it "
        "in your spreadsheet program and save it as .xlsx or as csv."
    )


def test_a_csv_line_of_millions_of_commas_is_refused():
    content = "身份证号,姓名\n".encode() + b"," * (3 * MiB) + b"\n"

    with pytest.raises(ImportFailed) as refused:
        open_sheet(upload(content, "people.csv"))

    assert str(refused.value.detail) == (
        "Line 2 of the csv file is longer than 1.0 MB, longer than any row of this kind; "
        "check that the file is the right one."
    )


def test_a_part_whose_declared_size_lies_is_refused(settings):
    settings.JINENG_IMPORT_MAX_RATIO = 100_000
    lying = spreadsheets.lying_xlsx(8 * MiB, declared=1000)

    with pytest.raises(ImportFailed, match="not a readable Excel workbook"):
        open_sheet(upload(lying))


def test_two_million_rows_are_refused_before_a_row_is_parsed():
    bomb = spreadsheets.many_rows_xlsx(2_000_000)

    with pytest.raises(ImportFailed) as refused:
        open_sheet(upload(bomb))

    assert str(refused.value.detail) == (
        "The file has 2000000 rows; at most 500000 are imported at once."
    )


def test_rows_are_counted_exactly_below_the_limit():
    sheet = open_sheet(upload(spreadsheets.many_rows_xlsx(1_000)))

    assert sheet.estimated_rows == 1_000
    assert sum(1 for _ in sheet.rows) == 1_000


def test_a_csv_of_more_rows_than_the_limit_is_refused(settings):
    settings.JINENG_IMPORT_MAX_ROWS = 1_000
    text = "身份证号,姓名,区划代码\n" + "1,张三,2\n" * 1_001

    with pytest.raises(ImportFailed) as refused:
        open_sheet(upload(text.encode(), "people.csv"))

    assert str(refused.value.detail) == "The file has 1001 rows; at most 1000 are imported at once."


def test_a_csv_with_line_breaks_inside_cells_is_counted_by_records(settings):
    settings.JINENG_IMPORT_MAX_ROWS = 10
    text = "身份证号,姓名\n" + '1,"张\n三"\n' * 10

    sheet = open_sheet(upload(text.encode(), "people.csv"))

    assert sum(1 for _ in sheet.rows) == 10


def test_a_value_beyond_the_column_limit_is_refused():
    sheet = open_sheet(upload(spreadsheets.wide_xlsx("XFD")))

    with pytest.raises(ImportFailed) as refused:
        list(sheet.rows)

    assert str(refused.value.detail).startswith("Row 2 has cells beyond column 100;")


def test_a_row_limit_of_one_importer_holds_while_reading():
    limits = Limits.from_settings(max_rows=3)
    sheet = open_sheet(upload(xlsx([["h"], [1], [2], [3]])), limits=limits)
    assert [n for n, _ in sheet.rows] == [2, 3, 4]

    with pytest.raises(ImportFailed, match="at most 3 are imported"):
        open_sheet(upload(xlsx([["h"], [1], [2], [3], [4]])), limits=limits)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("身份证号,姓名\n1,张三\n".encode("utf-16"), "UTF-16"),
        ("身份证号,姓名\n1,张三\n".encode("utf-16-le"), "UTF-16"),
        (b"id,name\n\x80\x80\xff\n", "neither UTF-8 nor GBK"),
    ],
)
def test_encodings_that_are_not_utf8_or_gbk_are_refused_clearly(content, message):
    with pytest.raises(ImportFailed, match=message):
        open_sheet(upload(content, "people.csv"))


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_utf8_with_or_without_bom_and_gbk_are_read(encoding):
    sheet = open_sheet(upload("身份证号,姓名\n1,张三\n".encode(encoding), "people.csv"))

    assert (sheet.header, list(sheet.rows)) == (["身份证号", "姓名"], [(2, ["1", "张三"])])


def test_workbook_rows_keep_their_numbers_and_read_as_typed_text():
    content = xlsx(
        [
            [],
            ["身份证号", "姓名", "日期", "数"],
            ["1", "张三", datetime.date(2026, 1, 31), 4.0],
            [],
            ["2", "王五", None, 2.5],
        ]
    )

    sheet = open_sheet(upload(content))

    assert (sheet.header_row, sheet.header) == (2, ["身份证号", "姓名", "日期", "数"])
    assert list(sheet.rows) == [
        (3, ["1", "张三", "2026-01-31", "4"]),
        (5, ["2", "王五", "", "2.5"]),
    ]


def test_a_file_named_as_another_kind_is_refused():
    with pytest.raises(ImportFailed, match=r"Upload an \.xlsx or \.csv file"):
        open_sheet(upload(b"%PDF-1.4", "scan.pdf"))


def test_cell_text_reads_as_the_user_typed():
    assert [cell_text(v) for v in (None, 3.0, 2.5, True, datetime.datetime(2026, 1, 2))] == [
        "",
        "3",
        "2.5",
        "1",
        "2026-01-02",
    ]


def test_csv_cells_that_start_like_formulas_get_an_apostrophe():
    row = ['=HYPERLINK("http://x","y")', "+1", "-1", "@A", "\tx", "ok", 5, None]

    assert csv_row(row) == [
        '\'=HYPERLINK("http://x","y")',
        "'+1",
        "'-1",
        "'@A",
        "'\tx",
        "ok",
        5,
        "",
    ]


def test_the_error_log_keeps_the_first_errors_by_row_and_counts_all():
    log: ErrorLog[tuple[int, str]] = ErrorLog(key=lambda e: e[0], keep=3)
    for row in range(10, 0, -1):
        log.add_row([(row, "a"), (row, "b")])

    assert (log.total, log.bad_rows, log.truncated) == (20, 10, True)
    assert log.first() == [(1, "a"), (1, "b"), (2, "a")]


MEMORY_PROBE = textwrap.dedent(
    """
    import io, json, resource, sys
    import django
    django.setup()
    from jineng.core.errors import ImportFailed
    from jineng.core.tabular import open_sheet
    from jineng.core.tests import spreadsheets
    bombs = {
        "unpacks to 300 MiB": spreadsheets.inflating_xlsx(300 * 1024 * 1024),
        "2,000,000 rows": spreadsheets.many_rows_xlsx(2_000_000),
        "ods of 50,000 repeated rows of 100 cells": spreadsheets.repeated_ods(50_000, 100),
    }
    names = {"ods of 50,000 repeated rows of 100 cells": "bomb.ods", "csv": "bomb.csv"}
    bombs["csv"] = b"id,name\\n" + b"," * (20 * 1024 * 1024) + b"\\n"
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    refused = {}
    for name, bomb in bombs.items():
        file = io.BytesIO(bomb)
        file.name = names.get(name, "bomb.xlsx")
        try:
            sheet = open_sheet(file)
            for _ in sheet.rows:
                pass
        except ImportFailed as exc:
            refused[name] = str(exc.detail)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(json.dumps({"grew_kib": after - before, "refused": refused}))
    """
)


def test_reading_spreadsheet_bombs_keeps_memory_flat():
    """Peak memory of a fresh process refusing both bombs grows by far less than they unpack to.

    The reader before this one held a 300 MiB sheet in memory to read it, and the rows of a
    2,000,000-row sheet (gigabytes); calamine built all 5,000,000 cells of the repeated ods
    row (about 600 MiB), and csv one row of 20,000,000 empty cells (160 MiB); here the growth
    is bounded by the packed files and one chunk of each part.
    """
    probe = subprocess.run(
        [sys.executable, "-c", MEMORY_PROBE], capture_output=True, text=True, check=True
    )
    outcome = json.loads(probe.stdout.strip().splitlines()[-1])

    assert set(outcome["refused"]) == {
        "unpacks to 300 MiB",
        "2,000,000 rows",
        "ods of 50,000 repeated rows of 100 cells",
        "csv",
    }
    assert outcome["grew_kib"] < 120 * 1024
