"""Site-wide template helpers: what the role map (accounts.roles) lets the user do, display
filters, and the scrollable table region every page uses."""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.context import Context
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import SafeString

from jineng.accounts.roles import has_capability

register = template.Library()


@register.filter
def can(user: Any, capability: str) -> bool:
    """Tell whether the user's role grants a capability: ``{% if user|can:"view_audit" %}``."""
    return has_capability(user, capability)


@register.filter
def minutes(delta: datetime.timedelta) -> int:
    """Round a duration up to whole minutes."""
    return max(1, math.ceil(delta.total_seconds() / 60))


@register.filter
def from_now(delta: datetime.timedelta) -> datetime.datetime:
    """Return the moment a duration from now, for "try again after 14:30"."""
    return timezone.localtime() + delta


@register.filter
def local_name(obj: Any) -> str:
    """Return an object's English name (``name_en``) in English pages, else its name."""
    name_en = getattr(obj, "name_en", "")
    if translation.get_language() == "en" and name_en:
        return str(name_en)
    return str(getattr(obj, "name", obj))


@register.filter
def as_json(value: Any) -> str:
    """Show a JSON value compactly and readably (Chinese kept as is)."""
    if not value:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


class ScrollableNode(template.Node):
    """A wrapper that scrolls a wide table sideways and that a keyboard can reach."""

    def __init__(self, label: FilterExpression, nodelist: NodeList) -> None:
        self.label = label
        self.nodelist = nodelist

    def render(self, context: Context) -> SafeString:
        label = str(self.label.resolve(context) or "").strip()
        if not label:
            raise template.TemplateSyntaxError("{% scrollable %} needs a non-empty label.")
        return format_html(
            '<div class="overflow-auto" tabindex="0" role="region" aria-label="{}">{}</div>',
            label,
            self.nodelist.render(context),
        )


@register.tag
def scrollable(parser: Parser, token: Token) -> ScrollableNode:
    """Wrap a wide table in a named region that scrolls: ``{% scrollable _("Classes") %}``.

    A table wider than the page scrolls sideways inside it; the region takes keyboard
    focus (so arrow keys scroll it without a pointer, axe ``scrollable-region-focusable``)
    and its label tells a screen reader what it holds. End it with ``{% endscrollable %}``.
    """
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError(f"{bits[0]} takes exactly one argument: its label.")
    nodelist = parser.parse(("endscrollable",))
    parser.delete_first_token()
    return ScrollableNode(parser.compile_filter(bits[1]), nodelist)
