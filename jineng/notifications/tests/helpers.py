"""Build notification test data: rows, and accounts with a confirmed phone."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from jineng.core import pii
from jineng.notifications.choices import NotificationKind
from jineng.notifications.models import Notification

PHONE = "13912345678"


def confirm_phone(user: Any, phone: str = PHONE) -> Any:
    """Give an account a phone confirmed by a one-time code."""
    user.phone_encrypted = pii.encrypt(phone)
    user.phone_confirmed_at = timezone.now()
    user.save(update_fields=["phone_encrypted", "phone_confirmed_at"])
    return user


def note(user: Any, code: str = "C1", *, read: bool = False) -> Notification:
    """One class-approved notification for a user."""
    return Notification.objects.create(
        recipient=user,
        kind=NotificationKind.CLASS_APPROVED,
        params={"code": code},
        target="/training/",
        read_at=timezone.now() if read else None,
    )


def inbox_of(user: Any) -> list[tuple[str, dict[str, Any]]]:
    """The kinds and parameters of a user's notifications, oldest first."""
    return [(n.kind, n.params) for n in Notification.objects.filter(recipient=user).order_by("pk")]
