"""REST endpoints of attendance (考勤): a worker's own check-in, staff's manual check-in, lists."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from ninja import Field, Query, Router, Schema

from jineng.api.auth import actor
from jineng.api.errors import responses
from jineng.api.idempotency import IdempotencyKeyHeader, Outcome, idempotent
from jineng.api.schemas import Page, PageParams, dump, paginate
from jineng.attendance import services
from jineng.attendance.choices import AttendanceFlag, AttendanceMethod
from jineng.attendance.models import Attendance, AttendanceQuerySet

router = Router(tags=["attendance"])
DEVICE_COOKIE = "jineng_device"


class AttendanceOut(Schema):
    """One check-in: when, how, and what a reviewer should look at (no raw coordinates)."""

    id: int
    session_id: int
    enrolment_id: int
    person_id: int
    class_code: str
    checked_in_at: datetime.datetime
    method: AttendanceMethod
    is_manual: bool = Field(description="Recorded by staff (补签) rather than scanned.")
    is_counted: bool = Field(
        description="Counts toward hours: false for a manual check-in recorded outside the "
        "session's manual window, and for any check-in to a session held before the trainee's "
        "place took its seat (or dated before it), and for a flagged one a reviewer rejected."
    )
    flags: list[AttendanceFlag]
    review: str = Field(
        description="A reviewer's decision on a flagged check-in: accepted, rejected, or empty "
        "while none has been taken."
    )
    review_reason: str = Field(description="The reviewer's reason; empty while undecided.")
    distance_m: int | None = Field(None, description="Metres from the venue, when both known.")
    accuracy_m: int | None
    reason: str = Field(description="Why staff recorded it by hand; empty for scanned ones.")
    recorded_by: str | None

    @staticmethod
    def resolve_person_id(obj: Attendance) -> int:
        return obj.enrolment.person_id

    @staticmethod
    def resolve_class_code(obj: Attendance) -> str:
        return obj.enrolment.training_class.code

    @staticmethod
    def resolve_recorded_by(obj: Attendance) -> str | None:
        return obj.recorded_by.username if obj.recorded_by else None


class AttendanceCheckInIn(Schema):
    """A scanned session code and, if the device gave it, its location."""

    code: str = Field(max_length=200, description="The code in the session screen's QR URL.")
    latitude: float | None = Field(None, ge=-90, le=90)
    longitude: float | None = Field(None, ge=-180, le=180)
    accuracy: float | None = Field(None, ge=0, le=1_000_000, description="Metres.")


class AttendanceManualIn(Schema):
    """Staff's record of a trainee's presence; the reason is required."""

    session_id: int = Field(ge=1, le=2**63 - 1)
    enrolment_id: int = Field(ge=1, le=2**63 - 1)
    reason: str = Field(min_length=1, max_length=300)


class AttendanceFilters(Schema):
    """Filters of the check-in list."""

    class_id: int | None = Field(None, ge=1, le=2**63 - 1)
    session_id: int | None = Field(None, ge=1, le=2**63 - 1)
    is_flagged: bool | None = None


def attendance_for(user: Any) -> AttendanceQuerySet:
    """Check-ins in the user's scope, newest first, ready to serialise."""
    return (
        Attendance.objects.visible_to(user)
        .select_related("enrolment__training_class", "recorded_by", "session")
        .order_by("-checked_in_at", "-pk")
    )


@router.post(
    "/attendance/check-ins",
    response={201: AttendanceOut, **responses(400, 401, 403, 409, 422)},
    summary="Check in to a session with its code",
    url_name="attendance_check_in",
)
def check_in(
    request: HttpRequest,
    payload: AttendanceCheckInIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> HttpResponse:
    """Check the calling worker in, as themselves, to the session a scanned code names.

    Codes are valid for their 30-second step and the next one. Check-ins outside the session's
    window, far from the venue or without a location are accepted and flagged.
    """
    user = actor(request)

    def create() -> Outcome:
        location = services.Location.parse(payload.latitude, payload.longitude, payload.accuracy)
        device = services.Device(
            user_agent=request.headers.get("User-Agent", "")[:300],
            device_id=request.COOKIES.get(DEVICE_COOKIE, "")[:64],
        )
        attendance = services.check_in(payload.code, actor=user, location=location, device=device)
        return Outcome(
            status=201, body=dump(AttendanceOut, attendance_for(user).get(pk=attendance.pk))
        )

    return idempotent(request, user, idempotency_key, create)


@router.post(
    "/attendance/manual-check-ins",
    response={201: AttendanceOut, **responses(400, 401, 403, 404, 409, 422)},
    summary="Record a manual check-in",
    url_name="attendance_manual_check_in",
)
def manual_check_in(
    request: HttpRequest,
    payload: AttendanceManualIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> HttpResponse:
    """Record a trainee's presence on the class's staff's word, with the reason (marked manual).

    Accepted from the session's on-time window until ``JINENG_MANUAL_CHECKIN_GRACE_HOURS``
    (48) hours after it ends; before the session or after that, 409 ``manual_check_in_closed``.
    """
    user = actor(request)

    def create() -> Outcome:
        attendance = services.record_manual_check_in(
            payload.session_id, payload.enrolment_id, reason=payload.reason, actor=user
        )
        return Outcome(
            status=201, body=dump(AttendanceOut, attendance_for(user).get(pk=attendance.pk))
        )

    return idempotent(request, user, idempotency_key, create)


@router.get(
    "/attendance/check-ins",
    response={200: Page[AttendanceOut], **responses(400, 401)},
    summary="List check-ins",
    url_name="attendance_check_in_list",
)
def list_check_ins(
    request: HttpRequest, filters: Query[AttendanceFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """List check-ins in scope, newest first: a class's for its staff and the bureau, a
    worker's own for the worker."""
    rows = attendance_for(actor(request))
    if filters.class_id:
        rows = rows.filter(enrolment__training_class_id=filters.class_id)
    if filters.session_id:
        rows = rows.filter(session_id=filters.session_id)
    if filters.is_flagged is not None:
        rows = rows.filter(is_flagged=filters.is_flagged)
    return paginate(rows, page)
