"""Check the demo city's trainees in, on their phones as trainees do (``jineng demo``).

The training demo (jineng.training.demo) holds a class yesterday and closes it; before it
closes, the demo command has this module check its first trainees in to every session, so
the finished class's completion comes from real check-ins. Then one trainee of the running
class checks in without a location, so the reviewers' workspace has a flagged check-in.

Last, two subsidised classes held weeks ago (``build_finished_classes``) give the subsidies
demo its claims: one attended as trainees attend, one in which a single phone checked every
trainee in, the fraud the rules must catch (R17 one device, many trainees).
"""

from __future__ import annotations

import datetime
import random
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.attendance import services as attendance
from jineng.attendance import tokens
from jineng.attendance.models import Attendance
from jineng.core import audit
from jineng.core.errors import DomainError
from jineng.people.models import Person
from jineng.regions.models import Region
from jineng.training import demo
from jineng.training import services as training
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment, Teacher, TrainingClass, Venue

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
            _on_the_phone(
                session,
                phones[enrolment.pk],
                scanned,
                venue,
                k,
                f"demo-phone-{enrolment.person_id}",
            )


def _on_the_phone(
    session: Any,
    phone: User,
    scanned: datetime.datetime,
    venue: tuple[Decimal, Decimal],
    k: int,
    device_id: str,
) -> None:
    """Check the ``k``-th trainee in as their phone does: a few metres apart at the venue."""
    latitude, longitude = venue
    offset = Decimal("0.0001") * (k + 1)
    attendance.check_in(
        tokens.make_code(session.pk, scanned),
        actor=phone,
        scanned_at=scanned,
        location=attendance.Location(latitude + offset, longitude - offset, 15),
        device=attendance.Device(PHONE, device_id),
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


# The demo's finished subsidised classes, held weeks ago for the subsidies demo to claim: the
# first as trainees attend (one misses two sessions and does not complete), the second with
# every check-in of a session made on one phone, the fraud the rules must catch (R17).
CLEAN_CLASS, PLANTED_CLASS = "DONE-A", "DONE-B"
# Each class's code, how many days ago it began, and whether one phone checked everyone in.
PLAN = ((CLEAN_CLASS, 75, False), (PLANTED_CLASS, 42, True))
SHARED_PHONE = "demo-phone-shared"


def _scans(session: Any, trainees: int, rng: random.Random) -> list[datetime.datetime]:
    """When each trainee read the session's code: spread over the half hour before it."""
    return [
        session.starts_at - datetime.timedelta(seconds=rng.randint(90, 1700))
        for _ in range(trainees)
    ]


def _attend_weeks_ago(
    training_class: TrainingClass, venue: tuple[Decimal, Decimal], *, shared: bool
) -> None:
    """Check the class's trainees in to its sessions on their phones, as they did then."""
    rng = random.Random(training_class.code)
    enrolments = list(training_class.enrolments.order_by("pk"))
    phones = _phones(enrolments)
    sessions = list(training_class.sessions.order_by("starts_at"))
    absent = {(len(enrolments) - 1, n) for n in (3, 4)} if not shared else set()
    for n, session in enumerate(sessions):
        for k, (enrolment, scanned) in enumerate(
            zip(enrolments, _scans(session, len(enrolments), rng), strict=True)
        ):
            if (k, n) in absent:
                continue
            device = SHARED_PHONE if shared else f"demo-phone-{enrolment.person_id}"
            _on_the_phone(session, phones[enrolment.pk], scanned, venue, k, device)


def build_finished_classes(*, stdout: Any) -> None:
    """Hold, attend and close the demo's two subsidised classes of weeks ago (idempotent).

    Their programme trains for an entry of the subsidised catalog in force then which the
    demo institution is accredited for; they are held in its venue with a location, by the
    teacher of its other classes, for synthetic workers who hold no other demo place.
    """
    codes = [demo.PREFIX + code for code, _days, _shared in PLAN]
    if TrainingClass.objects.filter(code__in=codes).exists():
        stdout.write("attendance demo: finished subsidised classes already present\n")
        return
    staff = User.objects.filter(username="school1", role=Role.INSTITUTION_STAFF).first()
    admin = User.objects.filter(username="admin", role=Role.BUREAU_ADMIN).first()
    organization = staff.organization if staff is not None else None
    today = timezone.localdate()
    first_day = today - datetime.timedelta(days=PLAN[0][1])
    entry = demo.entry_for(organization, first_day) if organization is not None else None
    if (
        admin is None
        or staff is None
        or organization is None
        or entry is None
        or entry.occupation is None
    ):
        stdout.write("attendance demo: no finished subsidised classes (no catalog entry then)\n")
        return
    venue = Venue.objects.filter(organization=organization, latitude__isnull=False).first()
    teacher = Teacher.objects.filter(organization=organization).order_by("pk").first()
    if venue is None or teacher is None or venue.latitude is None or venue.longitude is None:
        stdout.write("attendance demo: no finished subsidised classes (no venue with a location)\n")
        return
    hours = max(entry.min_hours or 0, 60)
    programme = training.create_programme(
        training.ProgrammeInput(
            name=f"{entry.occupation.name}就业技能培训（往期）",
            occupation_code=entry.occupation.code,
            skill_level_code=entry.skill_level.code if entry.skill_level else "",
            training_type=entry.training_type or "employment",
            theory_hours=hours // 3,
            practice_hours=hours - hours // 3,
            catalog_entry_key=entry.key,
        ),
        actor=staff,
    )
    town = Region.objects.filter(
        pk__in=TrainingClass.objects.filter(code__startswith=demo.PREFIX).values("region")
    ).first()
    taken = Enrolment.objects.filter(training_class__code__startswith=demo.PREFIX)
    people = list(
        Person.objects.filter(is_synthetic=True, region__code__startswith="220581")
        .exclude(pk__in=taken.values("person_id"))
        .exclude(pk__in=User.objects.filter(person__isnull=False).values("person_id"))
        .order_by("pk")[:11]
    )
    for (code, days_ago, shared), trainees in zip(PLAN, (people[:6], people[6:]), strict=True):
        start = today - datetime.timedelta(days=days_ago)
        sessions = demo.timetable(start, programme.required_hours, venue, teacher)
        try:
            held = demo.held_class(staff, programme, code, sessions, town, approver=admin)
        except DomainError as refused:
            stdout.write(f"attendance demo: class {code} not held: {refused.detail}\n")
            return
        training.transition(held.pk, ClassStatus.RUNNING, actor=staff)
        demo.enrol_some(held, trainees, staff, history=True)
        _attend_weeks_ago(held, (venue.latitude, venue.longitude), shared=shared)
        closed = training.close_class(held.pk, actor=staff, note="结业考核已完成")
        done = closed.enrolments.filter(status=EnrolmentStatus.COMPLETED).count()
        stdout.write(f"attendance demo: class {closed.code} held from {start}, {done} completed\n")
