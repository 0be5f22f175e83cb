"""Template filters of the catalog pages: yuan amounts and entry details."""

from __future__ import annotations

from typing import Any

from django import template

from jineng.catalogs import display
from jineng.core.money import format_yuan

register = template.Library()


@register.filter
def yuan(fen: int | None) -> str:
    """Show an amount in fen as yuan with two decimals, as every page shows money:
    ``{{ entry.subsidy_fen|yuan }}`` (150000 → 1,500.00)."""
    return "—" if fen is None else format_yuan(fen)


@register.filter
def details(attributes: dict[str, Any]) -> list[tuple[str, str]]:
    """List an entry's kind-specific details as (label, value) pairs."""
    return display.attribute_text(attributes)


@register.filter
def group_subsidies(entry: Any, names: dict[str, str]) -> list[tuple[str, str]]:
    """List an entry's subsidies by target group as (group name, yuan) pairs:
    ``{{ entry|group_subsidies:group_names }}``."""
    return [(names.get(code, code), yuan(fen)) for code, fen in entry.group_amounts.items()]


@register.simple_tag(takes_context=True)
def entry_name(context: template.Context, key: str) -> str:
    """Name a subsidised-training entry by its key, looked up once per key and page:
    ``{% entry_name programme.catalog_entry_key %}``."""
    from jineng.catalogs.forms import entry_label_of

    names: dict[str, str] | None = context.render_context.get("catalogs_entry_names")
    if names is None:
        names = {}
        context.render_context["catalogs_entry_names"] = names
    if key not in names:
        names[key] = entry_label_of(key)
    return names[key]
