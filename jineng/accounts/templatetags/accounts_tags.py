"""Template helpers that ask the role map (accounts.roles) what the current user may do."""

from __future__ import annotations

import datetime
import json
import math
from typing import Any

from django import template
from django.utils import timezone, translation

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
    if translation.get_language() == "en" and getattr(obj, "name_en", ""):
        return obj.name_en
    return str(getattr(obj, "name", obj))


@register.filter
def as_json(value: Any) -> str:
    """Show a JSON value compactly and readably (Chinese kept as is)."""
    if not value:
        return ""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
