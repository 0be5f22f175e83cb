"""The shared reader keeps whether a cell was a number: rows stay text, but a number cell's
text is a NumberText, since a number keeps only 15 significant digits (citizen IDs)."""

from __future__ import annotations

import io
import pickle
from decimal import Decimal

import openpyxl

from jineng.core.tabular import NumberText, cell_text, open_sheet
from jineng.core.tests import spreadsheets


def _upload(content: bytes, name: str) -> io.BytesIO:
    file = io.BytesIO(content)
    file.name = name
    return file


def test_number_cells_read_as_number_text_and_text_cells_as_plain_text():
    book = openpyxl.Workbook()
    book.active.append(["身份证号", "姓名"])
    book.active.append([2.20581199001013e17, "王五"])
    book.active.append(["220581199001013231", 12.5])
    buffer = io.BytesIO()
    book.save(buffer)

    sheet = open_sheet(_upload(buffer.getvalue(), "people.xlsx"))
    rows = [cells for _number, cells in sheet.rows]

    assert rows == [["220581199001012992", "王五"], ["220581199001013231", "12.5"]]
    assert [[isinstance(c, NumberText) for c in row] for row in rows] == [
        [True, False],
        [False, True],
    ]
    assert not any(isinstance(c, NumberText) for c in sheet.header)


def test_an_ods_number_cell_is_number_text():
    number = (
        '<table:table-cell office:value-type="float" office:value="220581199001013231">'
        "<text:p>2.20581199001013E+17</text:p></table:table-cell>"
    )
    content = spreadsheets.ods(
        [spreadsheets.ods_row(["身份证号"]), f"<table:table-row>{number}</table:table-row>"]
    )

    [(_number, [cell])] = list(open_sheet(_upload(content, "people.ods")).rows)

    assert isinstance(cell, NumberText)


def test_a_csv_has_no_number_cells():
    content = "身份证号\n220581199001019000\n".encode()

    [(_number, [cell])] = list(open_sheet(_upload(content, "people.csv")).rows)

    assert cell == "220581199001019000"
    assert not isinstance(cell, NumberText)


def test_cell_text_marks_numbers_only():
    assert [type(cell_text(v)) for v in (3.0, 7, Decimal("1.5"), "7", True, None)] == [
        NumberText,
        NumberText,
        NumberText,
        str,
        str,
        str,
    ]
    assert cell_text(3.0) == "3"
    assert cell_text(0.5) == "0.5"
    # Rows cross to the import's worker processes.
    assert type(pickle.loads(pickle.dumps(cell_text(7)))) is NumberText
