"""Template filters for money: ``{% load money_tags %}{{ programme.fee_fen|in_yuan }}``."""

from __future__ import annotations

from django import template

from jineng.core.money import format_yuan

register = template.Library()


@register.filter
def in_yuan(fen: int | str | None) -> str:
    """Show fen as yuan with two decimals and thousands separators: 120050 → 1,200.50 元."""
    if fen is None or fen == "":
        return "—"
    return f"{format_yuan(int(fen))} 元"
