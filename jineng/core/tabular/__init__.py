"""Bulk files: one reader of csv and workbooks within limits, one column mapper, safe cells."""

from jineng.core.tabular.columns import Choices, Column, ColumnMap, HeaderMap, normalize_header
from jineng.core.tabular.errors import MAX_REPORTED_ERRORS, ErrorLog
from jineng.core.tabular.limits import Limits, too_large, upload_too_large
from jineng.core.tabular.reader import (
    NumberText,
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
    "MAX_REPORTED_ERRORS",
    "Choices",
    "Column",
    "ColumnMap",
    "ErrorLog",
    "HeaderMap",
    "Limits",
    "NumberText",
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
    "too_large",
    "upload_too_large",
    "xlsx_row",
]
