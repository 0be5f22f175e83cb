"""Reads of attendance: accrued minutes, the class sheet and the lifelong record's entries.

Accrued hours are derived from attendance, never typed: a trainee accrues a session's full
scheduled length for each session they checked in to. **Flagged check-ins count** (they were
accepted, and a flag is a prompt to look, not a verdict) until a reviewer rejects one; sheets
and the record show the flags, so reviewers see which hours rest on them. A rejected one is
shown, marked "not counted", and adds nothing. **Manual check-ins** count when staff recorded
them inside the manual window (``policy``); one recorded ahead of its session or after the
grace is shown, marked "not counted", and adds nothing. Nor does any check-in to a session
held before the trainee had a place (``models.before_the_place``).

A class's **manual share** (manual check-ins ÷ all check-ins) is shown to the bureau beside
the city median of that share over the classes with check-ins (FRAUD_RULES R18).
"""

from __future__ import annotations

import datetime
import statistics
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import (
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    FloatField,
    Q,
    QuerySet,
    Sum,
)
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.attendance.choices import AttendanceMethod, ReviewDecision
from jineng.attendance.models import Attendance, AttendanceQuerySet
from jineng.people.models import Person
from jineng.people.queries import RecordEntry, RecordScope
from jineng.training.choices import FINISHED_STATUSES, EnrolmentStatus
from jineng.training.models import ClassSession, Enrolment, TrainingClass

SESSION_LENGTH = ExpressionWrapper(
    F("session__ends_at") - F("session__starts_at"), output_field=DurationField()
)
# Enrolments shown on a class's sheet: those who hold or held a seat.
SHEET_STATUSES = (
    EnrolmentStatus.ENROLLED,
    EnrolmentStatus.COMPLETED,
    EnrolmentStatus.NOT_COMPLETED,
)


def _minutes_by_enrolment(rows: Iterable[Mapping[str, object]]) -> dict[int, int]:
    result: dict[int, int] = {}
    for row in rows:
        total = row["total"]
        minutes = int(total.total_seconds() // 60) if isinstance(total, datetime.timedelta) else 0
        result[int(str(row["enrolment_id"]))] = minutes
    return result


def attended_minutes(enrolment_ids: Iterable[int]) -> dict[int, int]:
    """Return the scheduled minutes of the sessions each enrolment attended, in one query.

    Every id asked for is in the answer (0 if it attended nothing). Flagged check-ins count;
    manual ones recorded outside the manual window, and any to a session held before the
    trainee had a place, do not (``Attendance.objects.counted()``).
    """
    ids = list(enrolment_ids)
    totals = dict.fromkeys(ids, 0)
    if not ids:
        return totals
    rows = (
        Attendance.objects.filter(enrolment_id__in=ids)
        .counted()
        .values("enrolment_id")
        .annotate(total=Sum(SESSION_LENGTH))
        .order_by()
    )
    totals.update(_minutes_by_enrolment(rows))
    return totals


def flagged_minutes(enrolment_ids: Iterable[int]) -> dict[int, int]:
    """Return the part of each enrolment's attended minutes that rests on flagged check-ins."""
    ids = list(enrolment_ids)
    totals = dict.fromkeys(ids, 0)
    if not ids:
        return totals
    rows = (
        Attendance.objects.filter(enrolment_id__in=ids, is_flagged=True)
        .counted()
        .values("enrolment_id")
        .annotate(total=Sum(SESSION_LENGTH))
        .order_by()
    )
    totals.update(_minutes_by_enrolment(rows))
    return totals


@dataclass(frozen=True)
class SheetRow:
    """One trainee's line on the attendance sheet: a cell per session, None where absent."""

    enrolment: Enrolment
    cells: list[Attendance | None]
    minutes: int
    flagged_minutes: int

    @property
    def hours(self) -> str:
        return f"{self.minutes / 60:.1f}"

    @property
    def flagged_hours(self) -> str:
        return f"{self.flagged_minutes / 60:.1f}"


@dataclass(frozen=True)
class Sheet:
    """A class's attendance sheet (考勤表): sessions across, trainees down."""

    training_class: TrainingClass
    sessions: list[ClassSession]
    rows: list[SheetRow] = field(default_factory=list)


def get_sheet(training_class: TrainingClass) -> Sheet:
    """Build a class's sheet in three queries: sessions, enrolments and check-ins."""
    sessions = list(training_class.sessions.select_related("venue").order_by("starts_at", "pk"))
    enrolments = list(
        training_class.enrolments.filter(status__in=SHEET_STATUSES)
        .select_related("person")
        .order_by("pk")
    )
    ids = [e.pk for e in enrolments]
    attended = {
        (a.enrolment_id, a.session_id): a
        for a in Attendance.objects.filter(enrolment_id__in=ids).select_related(
            "enrolment", "recorded_by", "session"
        )
    }
    minutes = attended_minutes(ids)
    flagged = flagged_minutes(ids)
    rows = [
        SheetRow(
            enrolment=e,
            cells=[attended.get((e.pk, s.pk)) for s in sessions],
            minutes=minutes[e.pk],
            flagged_minutes=flagged[e.pk],
        )
        for e in enrolments
    ]
    return Sheet(training_class=training_class, sessions=sessions, rows=rows)


def get_own_check_in(session: ClassSession, person_id: int | None) -> Attendance | None:
    """Return a person's check-in to a session, or None if they have not checked in."""
    if person_id is None:
        return None
    return Attendance.objects.filter(session=session, enrolment__person_id=person_id).first()


def session_title(session: ClassSession) -> str:
    """Name a session by its topic, or by its start when it has none."""
    return session.topic or timezone.localtime(session.starts_at).strftime("%Y-%m-%d %H:%M")


def record_entries(person: Person, scope: RecordScope) -> list[RecordEntry]:
    """Return one lifelong-record entry per session the person attended; flags shown.

    An organisation's scope keeps only the sessions of its own classes.
    """
    attendances = (
        scope.by_organization(
            Attendance.objects.filter(enrolment__person=person),
            "enrolment__training_class__programme__organization_id",
        )
        .select_related("session", "enrolment__training_class__programme")
        .order_by("checked_in_at")
    )
    return [_record_entry(a) for a in attendances]


def _record_entry(a: Attendance) -> RecordEntry:
    """Say one check-in in the record: the session, and whether it was manual or flagged."""
    training_class = a.enrolment.training_class
    title = _("Attended session {topic} of {training_class}").format(
        topic=session_title(a.session), training_class=training_class.programme.name
    )
    if a.is_manual:
        title = _("{title} (recorded by staff: {reason})").format(title=title, reason=a.reason)
    if not a.is_counted:
        title = _("{title} (not counted: {reason})").format(
            title=title, reason=a.not_counted_reason
        )
    if a.is_flagged:
        title = _("{title} (flagged: {flags})").format(title=title, flags=", ".join(a.flag_labels))
    return RecordEntry(
        day=timezone.localdate(a.checked_in_at),
        kind="attendance.checked_in",
        title=title,
        details={
            "class_code": training_class.code,
            "session_starts_at": a.session.starts_at.isoformat(),
            "minutes": a.session.minutes if a.is_counted else 0,
            "method": a.method,
            "is_manual": a.is_manual,
            "is_counted": a.is_counted,
            "flags": list(a.flags),
        },
    )


@dataclass(frozen=True)
class ManualShare:
    """A class's check-ins and how many of them staff recorded by hand (补签占比)."""

    manual: int
    total: int

    @property
    def percent(self) -> Decimal | None:
        """The manual share in per cent, to one decimal; None for a class without check-ins."""
        if not self.total:
            return None
        return _percent(Decimal(self.manual) / Decimal(self.total))


def _percent(ratio: Decimal) -> Decimal:
    return (ratio * 100).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def _shares(rows: Iterable[Mapping[str, object]]) -> dict[int, ManualShare]:
    return {
        int(str(r["session__training_class_id"])): ManualShare(
            manual=int(str(r["manual"])), total=int(str(r["total"]))
        )
        for r in rows
    }


def _share_rows(check_ins: AttendanceQuerySet) -> Iterable[Mapping[str, object]]:
    """One row per class with check-ins: the class id, all check-ins and the manual ones."""
    return (
        check_ins.values("session__training_class_id")
        .annotate(total=Count("pk"), manual=Count("pk", filter=Q(method=AttendanceMethod.MANUAL)))
        .order_by()
    )


def manual_share(training_class: TrainingClass) -> ManualShare:
    """Return a class's manual share, in one query (0 of 0 for a class without check-ins)."""
    rows = _shares(_share_rows(Attendance.objects.filter(session__training_class=training_class)))
    return rows.get(training_class.pk, ManualShare(manual=0, total=0))


def city_manual_median() -> Decimal | None:
    """Return the median manual share in per cent over every class with check-ins.

    The database aggregates per class; the median is taken over those per-class rows (one
    small row per class), so the work is bounded by the number of classes, not check-ins.
    """
    ratios = [
        Decimal(share.manual) / Decimal(share.total)
        for share in _shares(_share_rows(Attendance.objects.all())).values()
    ]
    if not ratios:
        return None
    return _percent(statistics.median(ratios))


def manual_share_overview(classes: QuerySet[TrainingClass]) -> QuerySet[TrainingClass]:
    """Annotate the classes with check-ins with ``check_ins``, ``manual_check_ins`` and
    ``manual_ratio``, highest share first; the caller gives classes in the viewer's scope."""
    return (
        classes.annotate(
            check_ins=Count("sessions__attendances"),
            manual_check_ins=Count(
                "sessions__attendances",
                filter=Q(sessions__attendances__method=AttendanceMethod.MANUAL),
            ),
        )
        .filter(check_ins__gt=0)
        .annotate(
            manual_ratio=ExpressionWrapper(
                F("manual_check_ins") * 1.0 / F("check_ins"), output_field=FloatField()
            )
        )
        .select_related("programme__organization")
        .order_by("-manual_ratio", "code")
    )


# The states a reviewer filters the flagged check-ins by: waiting, or decided either way.
REVIEW_STATES = ("waiting", ReviewDecision.ACCEPTED, ReviewDecision.REJECTED)


def review_queue(check_ins: AttendanceQuerySet, state: str = "waiting") -> AttendanceQuerySet:
    """Return the flagged check-ins in a review state, newest first; the caller gives those in
    the viewer's scope (``access.check_ins_to_review``).

    Waiting ones are those of classes that have not finished: a finished class's completion
    is decided, and its check-ins are no longer reviewed.
    """
    flagged = check_ins.filter(is_flagged=True)
    if state == "waiting":
        flagged = flagged.awaiting_review().exclude(
            enrolment__training_class__status__in=FINISHED_STATUSES
        )
    else:
        flagged = flagged.filter(review=state)
    return flagged.select_related(
        "enrolment__person",
        "enrolment__training_class__programme__organization",
        "session",
        "reviewed_by",
    ).order_by("-checked_in_at", "-pk")
