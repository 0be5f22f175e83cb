"""Amounts of money: stored as integer fen, entered and shown in yuan (元) with two decimals."""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from django.utils.translation import gettext as _

from jineng.core.errors import ValidationFailed

# A space between two digits separates thousands just like a comma ("1 200"); any other
# space is noise ("1200 元").
_DIGIT_SPACE = re.compile(r"(?<=\d)\s+(?=\d)")
_SPACE = re.compile(r"\s")
# Commas are thousands separators only: 1,200 and 12,345,678.50, never 12,50 or 1,2, which
# people write for 12.50 and 1.2 and which must not become 1250 or 12 yuan.
_GROUPED = re.compile(r"[+-]?\d{1,3}(,\d{3})+(\.\d*)?")
# The largest amount a fen column holds: PostgreSQL ``integer`` (PositiveIntegerField),
# i.e. 21,474,836.47 yuan. Larger amounts are refused with a message instead of a 500.
MAX_FEN = 2_147_483_647
# The unit people write around an amount: 1,200.50元, ¥1200, 1200 元.
_PREFIXES = ("¥", "￥", "RMB", "CNY")
_SUFFIXES = ("人民币元", "元", "RMB", "CNY")


def parse_yuan(value: str, *, field: str = "amount", max_fen: int = MAX_FEN) -> int | None:
    """Return an amount typed in yuan as integer fen ('' → None).

    Accepts 1200, 1,200.50, 1200.5元 and ¥1200; refuses negative amounts, more than two
    decimal places, commas that do not separate thousands (12,50), amounts above ``max_fen``
    and anything that is not a number (1e5, NaN), each with a reason.
    """
    raw = unicodedata.normalize("NFKC", value or "").strip()
    text = _SPACE.sub("", _DIGIT_SPACE.sub(",", raw)).upper()
    for prefix in _PREFIXES:
        text = text.removeprefix(prefix)
    for suffix in _SUFFIXES:
        text = text.removesuffix(suffix)
    if "," in text:
        if not _GROUPED.fullmatch(text):
            raise ValidationFailed(
                _(
                    "“{value}” is not an amount in yuan: a comma or space may only separate "
                    "thousands, as in 1,250; for twelve yuan fifty write 12.50."
                ).format(value=raw),
                field=field,
            )
        text = text.replace(",", "")
    if not text:
        if raw:
            raise ValidationFailed(
                _("Write the amount in yuan, e.g. 1200 or 1200.50."), field=field
            )
        return None
    if not re.fullmatch(r"[+-]?(\d+(\.\d*)?|\.\d+)", text):
        raise ValidationFailed(
            _("“{value}” is not an amount in yuan: write it like 1200 or 1200.50.").format(
                value=raw
            ),
            field=field,
        )
    try:
        amount = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
        raise ValidationFailed(
            _("Write the amount in yuan, e.g. 1200 or 1200.50."), field=field
        ) from None
    if amount < 0:
        raise ValidationFailed(
            _("An amount cannot be negative ({value}).").format(value=raw), field=field
        )
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValidationFailed(
            _("An amount in yuan has at most two decimal places (fen); {value} has more.").format(
                value=raw
            ),
            field=field,
        )
    if fen > max_fen:
        raise ValidationFailed(
            _("The amount is at most {maximum} yuan; {value} is more.").format(
                maximum=format_yuan(max_fen), value=raw
            ),
            field=field,
        )
    return int(fen)


def format_yuan(fen: int | None, *, grouping: bool = True) -> str:
    """Show fen as yuan with two decimals: 120050 → 1,200.50 (or 1200.50); None → ''."""
    if fen is None:
        return ""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    text = f"{whole:,}" if grouping else str(whole)
    return f"{sign}{text}.{cents:02d}"
