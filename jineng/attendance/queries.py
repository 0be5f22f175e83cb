"""Reads of attendance: accrued minutes, the class sheet and the lifelong record's entries.

Accrued hours are derived from attendance, never typed: a trainee accrues a session's full
scheduled length for each session they checked in to. **Flagged check-ins count** (they were
accepted, and a flag is a prompt to look, not a verdict); sheets and the record show the flags,
so reviewers see which hours rest on them.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import DurationField, ExpressionWrapper, F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.attendance.models import Attendance
from jineng.people.models import Person
from jineng.people.queries import RecordEntry, RecordScope
from jineng.training.choices import EnrolmentStatus
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


def _minutes_by_enrolment(rows: Iterable[dict[str, object]]) -> dict[int, int]:
    result: dict[int, int] = {}
    for row in rows:
        total = row["total"]
        minutes = int(total.total_seconds() // 60) if isinstance(total, datetime.timedelta) else 0
        result[int(str(row["enrolment_id"]))] = minutes
    return result


def attended_minutes(enrolment_ids: Iterable[int]) -> dict[int, int]:
    """Return the scheduled minutes of the sessions each enrolment attended, in one query.

    Every id asked for is in the answer (0 if it attended nothing). Flagged check-ins count.
    """
    ids = list(enrolment_ids)
    totals = dict.fromkeys(ids, 0)
    if not ids:
        return totals
    rows = (
        Attendance.objects.filter(enrolment_id__in=ids)
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
        for a in Attendance.objects.filter(enrolment_id__in=ids).select_related("recorded_by")
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
    entries = []
    for a in attendances:
        training_class = a.enrolment.training_class
        title = _("Attended session {topic} of {training_class}").format(
            topic=session_title(a.session), training_class=training_class.programme.name
        )
        if a.is_flagged:
            title = _("{title} (flagged: {flags})").format(
                title=title, flags=", ".join(a.flag_labels)
            )
        entries.append(
            RecordEntry(
                day=timezone.localdate(a.checked_in_at),
                kind="attendance.checked_in",
                title=title,
                details={
                    "class_code": training_class.code,
                    "session_starts_at": a.session.starts_at.isoformat(),
                    "minutes": a.session.minutes,
                    "method": a.method,
                    "flags": list(a.flags),
                },
            )
        )
    return entries
