"""Check the demo city's trainees in, on their phones as trainees do (``jineng demo``).

The training demo (jineng.training.demo) holds a class yesterday and closes it; before it
closes, the demo command has this module check its first trainees in to every session, so
the finished class's completion comes from real check-ins. Then one trainee of the running
class checks in without a location, so the reviewers' workspace has a flagged check-in.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.db import transaction

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.attendance import services as attendance
from jineng.attendance import tokens
from jineng.attendance.models import Attendance
from jineng.core import audit
from jineng.core.errors import DomainError
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import TrainingClass

PHONE = "Mozilla/5.0 (Linux; Android 13; 演示手机) AppleWebKit/537.36 Mobile Safari/537.36"


@transaction.atomic(durable=True)
def _phones(enrolments: list[Any]) -> dict[int, User]:
    """The trainees' worker accounts, made for those without one (no password: nobody logs
    in as them; they are the actors of the demo's check-ins), by enrolment."""
    users = {u.person_id: u for u in User.objects.filter(person__in=[e.person for e in enrolments])}
    created = []
    for enrolment in enrolments:
        if enrolment.person_id not in users:
            user = User(username=f"demo_trainee_{enrolment.person_id}", role=Role.WORKER)
            user.person_id = enrolment.person_id
            user.set_unusable_password()
            user.save()
            users[enrolment.person_id] = user
            created.append(user.username)
    if created:
        audit.record(
            None,
            "accounts.user.generated",
            object_type="accounts.user",
            object_id="demo",
            data={"created": created, "roles": [str(Role.WORKER)]},
        )
    return {e.pk: users[e.person_id] for e in enrolments}


def attend(training_class: TrainingClass, staff: Any, venue: tuple[Decimal, Decimal]) -> None:
    """Check the first four trainees in to every session of yesterday's class.

    On their phones, as trainees do: scanning the session's code a few minutes before it
    began, near the venue (attendance.services.check_in). One phone was flat for the last
    session, so staff recorded that check-in by hand from the paper sheet, within the grace.
    """
    latitude, longitude = venue
    enrolments = list(training_class.enrolments.order_by("pk")[:4])
    phones = _phones(enrolments)
    sessions = list(training_class.sessions.order_by("starts_at"))
    for n, session in enumerate(sessions):
        for k, enrolment in enumerate(enrolments):
            if (n, k) == (len(sessions) - 1, len(enrolments) - 1):
                attendance.record_manual_check_in(
                    session.pk,
                    enrolment.pk,
                    reason="演示数据：手机没电，按纸质签到表补录",
                    actor=staff,
                    checked_in_at=session.starts_at,
                )
                continue
            scanned = session.starts_at - datetime.timedelta(minutes=10 - 2 * k)
            offset = Decimal("0.0001") * (k + 1)
            attendance.check_in(
                tokens.make_code(session.pk, scanned),
                actor=phones[enrolment.pk],
                scanned_at=scanned,
                location=attendance.Location(latitude + offset, longitude - offset, 15),
                device=attendance.Device(PHONE, f"demo-phone-{enrolment.person_id}"),
            )


def flag_a_check_in(*, stdout: Any) -> None:
    """Leave the reviewers one flagged check-in to decide (``jineng demo``, after training).

    A trainee of the demo's running class checked in to its first session today from a
    phone that gave no location: the check-in counts, flagged, until a reviewer decides it.
    Idempotent; skipped, saying why, when there is no running demo class or no trainee.
    """
    running = (
        TrainingClass.objects.filter(code__startswith="DEMO-", status=ClassStatus.RUNNING)
        .order_by("pk")
        .first()
    )
    if running is None:
        stdout.write("attendance demo: no flagged check-in (no running demo class)\n")
        return
    if Attendance.objects.filter(session__training_class=running, is_flagged=True).exists():
        stdout.write("attendance demo: flagged check-in already present\n")
        return
    session = running.sessions.order_by("starts_at").first()
    # The second trainee: the first is worker1, who may check in live in the demo.
    enrolments = list(
        running.enrolments.filter(status=EnrolmentStatus.ENROLLED).order_by("pk")[1:2]
    )
    if session is None or not enrolments:
        stdout.write("attendance demo: no flagged check-in (no session or trainee)\n")
        return
    phone = _phones(enrolments)[enrolments[0].pk]
    scanned = session.starts_at
    try:
        attendance.check_in(
            tokens.make_code(session.pk, scanned),
            actor=phone,
            scanned_at=scanned,
            location=None,
            device=attendance.Device(PHONE, f"demo-phone-{enrolments[0].person_id}"),
        )
    except DomainError as error:
        stdout.write(f"attendance demo: no flagged check-in ({error.code})\n")
        return
    stdout.write(f"attendance demo: one flagged check-in in class {running.code}\n")
