"""REST endpoints of the caller's own notifications (通知).

The app sits beside ``jineng.api`` in the layers (ADR 0012), so this router uses ninja
directly; the API's authentication and error handlers apply to it once composition mounts it.
"""

from __future__ import annotations

import datetime
from typing import Annotated, Any

from django.http import HttpRequest
from ninja import Field, Path, Query, Router, Schema

from jineng.accounts.actors import Actor
from jineng.notifications import queries, services
from jineng.notifications.models import Notification

router = Router(tags=["notifications"])

MAX_ID = 2**63 - 1
NotificationId = Annotated[int, Path(ge=1, le=MAX_ID, description="The notification's id.")]


class NotificationErrorOut(Schema):
    """An error, in the API's shared shape (``code``, ``detail``, ``field``)."""

    code: str
    detail: str
    field: str | None = None


class NotificationOut(Schema):
    """One notification, its title and text in the caller's language."""

    id: int
    kind: str
    title: str
    body: str
    target: str = Field(description="The path of the object concerned (may be empty).")
    created_at: datetime.datetime
    read_at: datetime.datetime | None
    is_read: bool


class NotificationPage(Schema):
    """One page of the caller's notifications (unread first) and the counts."""

    count: int
    unread: int
    limit: int
    offset: int
    items: list[NotificationOut]


class NotificationFilters(Schema):
    """Limit/offset pagination, and unread ones only if asked."""

    limit: int = Field(default=50, ge=1, le=200, description="Items per page (1–200).")
    offset: int = Field(default=0, ge=0, le=MAX_ID, description="Items to skip.")
    unread: bool = Field(default=False, description="Only notifications not read yet.")


class ReadAllOut(Schema):
    """How many notifications were marked read."""

    marked: int


_ERRORS: dict[int, Any] = dict.fromkeys((400, 401, 403, 404), NotificationErrorOut)


def _caller(request: HttpRequest) -> Actor:
    user: Actor = request.auth  # type: ignore[attr-defined]
    return user


@router.get(
    "/notifications",
    response={200: NotificationPage, **dict.fromkeys((400, 401, 403), NotificationErrorOut)},
    summary="List my notifications",
    url_name="notification_list",
)
def list_notifications(request: HttpRequest, filters: Query[NotificationFilters]) -> dict[str, Any]:
    """The caller's own notifications, unread first, then newest first."""
    user = _caller(request)
    rows = queries.inbox(user)
    if filters.unread:
        rows = rows.unread()
    return {
        "count": rows.count(),
        "unread": queries.unread_count(user),
        "limit": filters.limit,
        "offset": filters.offset,
        "items": list(rows[filters.offset : filters.offset + filters.limit]),
    }


@router.post(
    "/notifications/read-all",
    response={200: ReadAllOut, **dict.fromkeys((401, 403), NotificationErrorOut)},
    summary="Mark all my notifications read",
    url_name="notification_read_all",
)
def read_all_notifications(request: HttpRequest) -> dict[str, int]:
    """Mark every unread notification of the caller read."""
    return {"marked": services.mark_all_read(actor=_caller(request))}


@router.post(
    "/notifications/{notification_id}/read",
    response={200: NotificationOut, **_ERRORS},
    summary="Mark a notification read",
    url_name="notification_read",
)
def read_notification(request: HttpRequest, notification_id: NotificationId) -> Notification:
    """Mark one of the caller's notifications read; another's answers 404, as a missing one."""
    return services.mark_read(notification_id, actor=_caller(request))
