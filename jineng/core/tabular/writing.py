"""Write cells of an export so that a spreadsheet program shows them and runs none of them.

A cell a user typed may start like a formula (=HYPERLINK(…), +, -, @, a tab): a spreadsheet
opening the export would run it (CSV or formula injection, OWASP). In csv the only defence
is a leading apostrophe, which spreadsheet programs hide; in xlsx the cell is written as a
string cell, so it shows exactly what was typed and is never a formula.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from openpyxl.worksheet._write_only import WriteOnlyWorksheet

# Cells starting with these are formulas (or become them) in spreadsheet programs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Value = TypeVar("Value")


def csv_safe(value: Value) -> Value | str:
    """Return a csv cell that no spreadsheet program reads as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def csv_row(values: Iterable[object]) -> list[object]:
    """A row of csv cells: None as empty, text that looks like a formula escaped."""
    return ["" if value is None else csv_safe(value) for value in values]


def xlsx_row(sheet: WriteOnlyWorksheet, values: Iterable[object]) -> list[object]:
    """A row for a write-only openpyxl sheet: every text cell stored as a string, not a formula."""
    from openpyxl.cell import WriteOnlyCell

    row: list[object] = []
    for value in values:
        if isinstance(value, str) and value.startswith(FORMULA_STARTS):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"
            row.append(cell)
        else:
            row.append(value)
    return row
