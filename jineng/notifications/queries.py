"""Reads of notifications for the inbox page, the API and the badge."""

from __future__ import annotations

from typing import Any

from jineng.notifications.models import Notification, NotificationQuerySet


def inbox(user: Any) -> NotificationQuerySet:
    """The user's own notifications, unread first, then newest first."""
    if not getattr(user, "is_authenticated", False):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=user).for_inbox()


def unread_count(user: Any) -> int:
    """How many of the user's notifications are unread (the badge in the menu)."""
    if not getattr(user, "is_authenticated", False):
        return 0
    return Notification.objects.filter(recipient=user).unread().count()
