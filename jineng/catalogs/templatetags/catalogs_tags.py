"""Template filters of the catalog pages: yuan amounts and entry details."""

from __future__ import annotations

from typing import Any

from django import template

from jineng.catalogs import display

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Show an amount in fen as yuan: ``{{ entry.subsidy_fen|yuan }}``."""
    return display.yuan(fen)


@register.filter
def details(attributes: dict[str, Any]) -> list[tuple[str, str]]:
    """List an entry's kind-specific details as (label, value) pairs."""
    return display.attribute_text(attributes)


@register.filter
def group_subsidies(entry: Any, names: dict[str, str]) -> list[tuple[str, str]]:
    """List an entry's subsidies by target group as (group name, yuan) pairs:
    ``{{ entry|group_subsidies:group_names }}``."""
    return [
        (names.get(code, code), display.yuan(fen))
        for code, fen in sorted((entry.group_subsidy_fen or {}).items())
    ]
