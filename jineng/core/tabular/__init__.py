"""Bulk files: one reader of csv and workbooks within limits, one column mapper, safe cells."""

from jineng.core.tabular.columns import Choices, Column, ColumnMap, HeaderMap, normalize_header
from jineng.core.tabular.limits import ImportFailed, Limits
from jineng.core.tabular.reader import (
    Sheet,
    Source,
    cell_text,
    file_digest,
    is_blank,
    open_sheet,
    read_bytes,
)
from jineng.core.tabular.writing import FORMULA_STARTS, csv_row, csv_safe, xlsx_row

__all__ = [
    "FORMULA_STARTS",
    "Choices",
    "Column",
    "ColumnMap",
    "HeaderMap",
    "ImportFailed",
    "Limits",
    "Sheet",
    "Source",
    "cell_text",
    "csv_row",
    "csv_safe",
    "file_digest",
    "is_blank",
    "normalize_header",
    "open_sheet",
    "read_bytes",
    "xlsx_row",
]
