"""Writes of attendance: a trainee's own QR check-in and staff's manual check-in with a reason.

Every check-in is accepted if the trainee is enrolled; what looks wrong (outside the session's
window, far from the venue, no location) is flagged for reviewers, never dropped. A reviewer
then accepts or rejects a flagged check-in with a reason (``review_check_in``); a rejected one
stays in the record and stops counting toward hours. Every check-in and every decision writes
its audit event in the same transaction.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import transaction
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.attendance import access, locks, policy, tokens
from jineng.attendance.choices import AttendanceFlag, AttendanceMethod, ReviewDecision
from jineng.attendance.errors import (
    AlreadyCheckedIn,
    AlreadyReviewed,
    InvalidCode,
    ManualCheckInClosed,
    NotEnrolled,
    NotYetEnrolled,
)
from jineng.attendance.geo import haversine_m
from jineng.attendance.models import Attendance
from jineng.core import audit
from jineng.core.errors import (
    InvalidTransition,
    PermissionDenied,
    ValidationFailed,
)
from jineng.core.scope import CHANGE
from jineng.notifications.choices import NotificationKind
from jineng.notifications.services import accounts_of_people, notify
from jineng.training.choices import FINISHED_STATUSES, ClassStatus, EnrolmentStatus
from jineng.training.models import ClassSession, Enrolment


@dataclass(frozen=True)
class Location:
    """Where the browser says the phone is (WGS-84), and how sure it is in metres."""

    latitude: Decimal
    longitude: Decimal
    accuracy_m: int | None = None

    @classmethod
    def parse(cls, latitude: Any, longitude: Any, accuracy: Any = None) -> Location | None:
        """Read a location from form or API values; None when none was given."""
        if latitude in (None, "") and longitude in (None, ""):
            return None
        try:
            lat = Decimal(str(latitude)).quantize(Decimal("0.000001"))
            lng = Decimal(str(longitude)).quantize(Decimal("0.000001"))
            acc = None if accuracy in (None, "") else round(float(accuracy))
            in_range = -90 <= lat <= 90 and -180 <= lng <= 180 and (acc is None or acc >= 0)
        except (InvalidOperation, ValueError, TypeError, OverflowError):
            raise ValidationFailed(
                _("The location is not a pair of numbers."), field="latitude"
            ) from None
        if not in_range:
            raise ValidationFailed(_("The location is out of range."), field="latitude")
        return cls(latitude=lat, longitude=lng, accuracy_m=acc)


@dataclass(frozen=True)
class Device:
    """The browser that checked in: its user agent and the device cookie the site set."""

    user_agent: str = ""
    device_id: str = ""


def _session(session_id: int) -> ClassSession:
    session = (
        ClassSession.objects.select_related("training_class__programme", "venue")
        .filter(pk=session_id)
        .first()
    )
    if session is None:
        raise InvalidCode(_("This attendance code names no session."), field="code")
    return session


def local_moment(at: datetime.datetime) -> str:
    """Write a moment of the coming days in local time, as in 签到将于 3月2日 08:00 开始."""
    # Translators: Django date-format syntax for a day and time, e.g. "n月j日 H:i" in Chinese.
    return formats.date_format(timezone.localtime(at), pgettext("date format", "M j, H:i"))


def require_code_open(session: ClassSession, at: datetime.datetime) -> None:
    """Refuse a check-in outside the session's code window, saying when it opens or closed."""
    opens_at = policy.code_opens_at(session.starts_at)
    if at < opens_at:
        raise InvalidCode(
            _("Check-in for this session has not opened yet: it opens at {time}.").format(
                time=local_moment(opens_at)
            ),
            field="code",
        )
    if at > policy.code_closes_at(session.ends_at):
        raise InvalidCode(_("Check-in for this session is closed."), field="code")


def require_manual_window(
    session: ClassSession, now: datetime.datetime, at: datetime.datetime
) -> None:
    """Refuse a manual check-in before the session begins or after its grace, saying when.

    ``now`` is when staff record it and ``at`` the check-in time they give, which must lie
    between the session's opening and now.
    """
    opens_at = policy.manual_opens_at(session.starts_at)
    if now < opens_at:
        raise ManualCheckInClosed(
            _(
                "This session has not begun: a manual check-in can be recorded from {time}, "
                "not before the trainee has attended."
            ).format(time=local_moment(opens_at)),
            field="session",
        )
    closes_at = policy.manual_closes_at(session.ends_at)
    if now > closes_at:
        raise ManualCheckInClosed(
            _(
                "This session ended more than {hours} hours ago: manual check-ins closed at {time}."
            ).format(hours=policy.manual_grace_hours(), time=local_moment(closes_at)),
            field="session",
        )
    if not opens_at <= at <= now:
        raise ValidationFailed(
            _("The check-in time must lie between {opens} and now.").format(
                opens=local_moment(opens_at)
            ),
            field="checked_in_at",
        )


def _held_before_the_place(session: ClassSession, enrolment: Enrolment) -> bool:
    """Tell whether the session ended before the trainee's place took its seat."""
    return session.ends_at < enrolment.placed_at


def _require_running(session: ClassSession) -> None:
    if session.training_class.status != ClassStatus.RUNNING:
        raise InvalidTransition(
            _("Class {code} is not running: attendance cannot be taken.").format(
                code=session.training_class.code
            )
        )


def _flags(
    session: ClassSession, at: datetime.datetime, location: Location | None, *, manual: bool
) -> tuple[list[str], int | None]:
    """Return the check-in's flags and its distance from the venue in metres, if known."""
    flags: list[str] = []
    if not policy.is_on_time(session.starts_at, session.ends_at, at):
        flags.append(AttendanceFlag.OUTSIDE_WINDOW)
    distance = None
    venue = session.venue
    if (
        location is not None
        and venue is not None
        and venue.latitude is not None
        and venue.longitude is not None
    ):
        distance = round(
            haversine_m(
                float(location.latitude),
                float(location.longitude),
                float(venue.latitude),
                float(venue.longitude),
            )
        )
        if distance > policy.max_distance_m():
            flags.append(AttendanceFlag.FAR_FROM_VENUE)
    if location is None and not manual:
        flags.append(AttendanceFlag.NO_LOCATION)
    return flags, distance


def _write(
    enrolment: Enrolment,
    session: ClassSession,
    at: datetime.datetime,
    *,
    method: str,
    actor: Actor,
    location: Location | None = None,
    device: Device | None = None,
    reason: str = "",
) -> Attendance:
    """Lock the enrolment, refuse a second check-in, write the row and its audit event."""
    locks.enrolment_for_update(enrolment.pk)
    if Attendance.objects.filter(enrolment=enrolment, session=session).exists():
        raise AlreadyCheckedIn(_("You have already checked in to this session."))
    flags, distance = _flags(session, at, location, manual=method == AttendanceMethod.MANUAL)
    device = device or Device()
    # One phone checking in several trainees is how check-ins get forged by proxy.
    if device.device_id and (
        Attendance.objects.filter(session=session, device_id=device.device_id[:64])
        .exclude(enrolment=enrolment)
        .exists()
    ):
        flags.append(AttendanceFlag.SHARED_DEVICE)
    attendance = Attendance.objects.create(
        enrolment=enrolment,
        session=session,
        checked_in_at=at,
        method=method,
        user_agent=device.user_agent[:300],
        device_id=device.device_id[:64],
        latitude=location.latitude if location else None,
        longitude=location.longitude if location else None,
        accuracy_m=location.accuracy_m if location else None,
        distance_m=distance,
        flags=[str(flag) for flag in flags],
        is_flagged=bool(flags),
        reason=reason,
        recorded_by=actor if method == AttendanceMethod.MANUAL else None,
    )
    audit.record(
        actor,
        "attendance.attendance.created",
        attendance,
        person_id=enrolment.person_id,
        data={
            "session": session.pk,
            "enrolment": enrolment.pk,
            "method": method,
            "checked_in_at": at.isoformat(),
            "flags": attendance.flags,
            "distance_m": distance,
            "reason": reason,
            "device_id": attendance.device_id,
        },
    )
    return attendance


@transaction.atomic(durable=True)
def check_in(
    code: str,
    *,
    actor: Actor,
    scanned_at: datetime.datetime | None = None,
    location: Location | None = None,
    device: Device | None = None,
) -> Attendance:
    """Check the scanning worker in to the session a QR code names (扫码签到), as themselves.

    ``scanned_at`` is when the code was read: the page that asks for the location carries it,
    signed, so the seconds spent answering the browser's prompt do not expire the code.
    """
    at = scanned_at or timezone.now()
    session = _session(tokens.read_code(code, at))
    require_code_open(session, at)
    _require_running(session)
    enrolment = (
        Enrolment.objects.filter(
            training_class_id=session.training_class_id,
            person_id=actor.person_id,
            status=EnrolmentStatus.ENROLLED,
        ).first()
        if actor.person_id is not None
        else None
    )
    if enrolment is None:
        raise NotEnrolled(
            _("You are not enrolled in class {code}, so you cannot check in to it.").format(
                code=session.training_class.code
            )
        )
    if _held_before_the_place(session, enrolment) or at < enrolment.placed_at:
        raise NotYetEnrolled(
            _(
                "You had no place in class {code} when this session was held, so you cannot "
                "check in to it."
            ).format(code=session.training_class.code),
            field="code",
        )
    return _write(
        enrolment,
        session,
        at,
        method=AttendanceMethod.QR,
        actor=actor,
        location=location,
        device=device,
    )


@transaction.atomic(durable=True)
def record_manual_check_in(
    session_id: int,
    enrolment_id: int,
    *,
    reason: str,
    actor: Actor,
    checked_in_at: datetime.datetime | None = None,
) -> Attendance:
    """Record a trainee's presence on staff's word (补签), marked manual, with a required reason.

    Only from the session's on-time window until ``JINENG_MANUAL_CHECKIN_GRACE_HOURS`` after
    it ends (``policy.manual_opens_at`` / ``manual_closes_at``): never ahead of the session,
    never for a session that ended before the trainee's place took its seat, and never dated
    before the place.
    """
    session = access.get_session_for_user(actor, session_id, action=Capability.RECORD_ATTENDANCE)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(
            _("Give the reason for a manual check-in, e.g. the trainee's phone was broken."),
            field="reason",
        )
    now = timezone.now()
    at = checked_in_at or now
    require_manual_window(session, now, at)
    _require_running(session)
    enrolment = Enrolment.objects.filter(
        pk=enrolment_id,
        training_class_id=session.training_class_id,
        status=EnrolmentStatus.ENROLLED,
    ).first()
    if enrolment is None:
        raise NotEnrolled(
            _("No enrolled trainee {enrolment} in class {code}.").format(
                enrolment=enrolment_id, code=session.training_class.code
            ),
            field="enrolment",
        )
    # A trainee who joined a running class late was not there for the sessions before.
    if _held_before_the_place(session, enrolment):
        raise NotYetEnrolled(
            _(
                "Trainee {name} had no place in class {code} when this session was held: the "
                "place was taken on {time}, after the session ended."
            ).format(
                name=enrolment.person.name,
                code=session.training_class.code,
                time=local_moment(enrolment.placed_at),
            ),
            field="session",
        )
    if at < enrolment.placed_at:
        raise ValidationFailed(
            _(
                "The check-in time cannot be earlier than the trainee's place in the class, "
                "taken on {time}."
            ).format(time=local_moment(enrolment.placed_at)),
            field="checked_in_at",
        )
    return _write(
        enrolment, session, at, method=AttendanceMethod.MANUAL, actor=actor, reason=reason[:300]
    )


# The audit action of each decision, written out so the audit labels' scan finds every code.
REVIEW_ACTIONS = {
    ReviewDecision.ACCEPTED: "attendance.attendance.accepted",
    ReviewDecision.REJECTED: "attendance.attendance.rejected",
}


@transaction.atomic(durable=True)
def review_check_in(attendance_id: int, *, decision: str, reason: str, actor: Actor) -> Attendance:
    """Accept or reject a flagged check-in (核查), with the reviewer's reason.

    A rejected check-in keeps its row and flags but no longer counts toward hours
    (``Attendance.objects.counted()``), so the completion decided at 结业 leaves it out. A
    decision is final, taken only on a flagged check-in and only while its class has not
    finished: once the class is closed its trainees' completion has been decided on the
    hours as they stood. No one decides a check-in of their own place (an account linked to
    the trainee's person): PermissionDenied.
    """
    found = access.get_check_in_for_review(actor, attendance_id, action=CHANGE)
    if actor.person_id is not None and actor.person_id == found.enrolment.person_id:
        raise PermissionDenied(
            _("You may not review a check-in of your own training: another reviewer decides it.")
        )
    if decision not in ReviewDecision.values:
        raise ValidationFailed(
            _("Choose whether to accept or reject the check-in."), field="decision"
        )
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed(_("Give the reason for the decision."), field="reason")
    attendance = locks.check_in_for_review(found.pk, found.enrolment.training_class_id)
    if not attendance.is_flagged:
        raise InvalidTransition(_("Only a flagged check-in is reviewed."))
    if attendance.review:
        raise AlreadyReviewed(_("This check-in has already been reviewed."))
    training_class = attendance.enrolment.training_class
    if training_class.status in FINISHED_STATUSES:
        raise InvalidTransition(
            _(
                "Class {code} has finished and its completion is decided: its check-ins can no "
                "longer be reviewed."
            ).format(code=training_class.code)
        )
    attendance.review = decision
    attendance.review_reason = reason[:300]
    attendance.reviewed_by = actor
    attendance.reviewed_at = timezone.now()
    attendance.save(update_fields=["review", "review_reason", "reviewed_by", "reviewed_at"])
    audit.record(
        actor,
        REVIEW_ACTIONS[ReviewDecision(decision)],
        attendance,
        person_id=attendance.enrolment.person_id,
        data={
            "session": attendance.session_id,
            "enrolment": attendance.enrolment_id,
            "flags": list(attendance.flags),
            "decision": decision,
            "reason": attendance.review_reason,
        },
    )
    if decision == ReviewDecision.REJECTED:
        # The trainee learns that the hours are gone while the class still runs.
        notify(
            accounts_of_people([attendance.enrolment.person_id]),
            NotificationKind.CHECK_IN_REJECTED,
            params={"code": training_class.code, "name": training_class.programme.name},
            target=reverse("attendance:mine"),
        )
    return attendance
