"""The unread badge in the menu: ``{% unread_notifications as count %}``."""

from __future__ import annotations

from typing import Any

from django import template

from jineng.notifications import queries

register = template.Library()


@register.simple_tag(takes_context=True)
def unread_notifications(context: template.Context) -> int:
    """Count the signed-in user's unread notifications (0 for a visitor), once per page."""
    request: Any = context.get("request")
    if request is None:
        return 0
    cached = getattr(request, "_unread_notifications", None)
    if cached is None:
        cached = queries.unread_count(request.user)
        request._unread_notifications = cached
    return int(cached)
