"""Parse spreadsheet cells: text, whole numbers, yuan amounts and dates, with clear reasons."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from jineng.core.errors import ValidationFailed
from jineng.core.money import parse_yuan
from jineng.core.tabular import cell_text

DATE_PATTERNS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
    re.compile(r"^(\d{4})\.(\d{1,2})\.(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
)


class CellError(ValueError):
    """A cell's value cannot be read; the message says why."""


def text(value: Any) -> str:
    """Return a cell as text: spreadsheet numbers lose a trailing .0, dates become ISO."""
    if isinstance(value, datetime.datetime):
        return value.date().isoformat()
    return cell_text(value).replace("\u3000", " ").strip()


def whole_number(value: Any) -> int | None:
    """Return a whole number from a cell ('' → None), refusing fractions and words."""
    raw = text(value).replace(",", "")
    if not raw:
        return None
    if not re.fullmatch(r"-?\d+", raw):
        raise CellError(_("{value} is not a whole number.").format(value=raw))
    return int(raw)


def yuan_to_fen(value: Any) -> int | None:
    """Return an amount in yuan as integer fen ('' → None), by the one rule of parse_yuan.

    Refuses what a typed amount refuses (negative, more than two decimals, 1e5, 12,50, too
    large), as a CellError so the importer and the entry form keep their row/field shape.
    """
    try:
        return parse_yuan(text(value), field="subsidy_yuan")
    except ValidationFailed as exc:
        raise CellError(str(exc.detail)) from None


def fen_to_yuan(fen: int | None) -> int | Decimal | None:
    """Return fen as yuan for a spreadsheet cell: a whole number when it is one."""
    if fen is None:
        return None
    if fen % 100 == 0:
        return fen // 100
    return Decimal(fen) / 100


def date(value: Any) -> datetime.date | None:
    """Return a date from a date cell or from 2026-01-31, 2026/1/31, 2026年1月31日 ('' → None)."""
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    raw = text(value)
    if not raw:
        return None
    for pattern in DATE_PATTERNS:
        match = pattern.match(raw)
        if match:
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise CellError(_("{value} is not a date such as 2026-01-31.").format(value=raw))
