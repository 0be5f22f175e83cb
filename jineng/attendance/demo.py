"""Check the demo city's trainees in, on their phones as trainees do (``jineng demo``).

The training demo (jineng.training.demo) holds a class yesterday and closes it; before it
closes, the demo command has this module check its first trainees in to every session, so
the finished class's completion comes from real check-ins.
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
from jineng.core import audit
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
