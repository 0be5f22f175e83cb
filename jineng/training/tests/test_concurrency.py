"""Capacity under parallel enrolment, on PostgreSQL with real threads.

500 attempts from 50 threads into a 50-seat class leave exactly 50 enrolled and the rest
waitlisted; the control test, with the class lock patched out, shows the class oversold.
Fifty threads queue on one class lock, so on a loaded machine some waits run past the lock
timeout: those attempts answer busy and are retried, as a client does after Retry-After.
"""

from __future__ import annotations

import threading
from collections import Counter
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from jineng.core import audit
from jineng.core.errors import Busy
from jineng.core.models import AuditEvent
from jineng.people.choices import AffiliationKind
from jineng.people.models import Affiliation
from jineng.training import services
from jineng.training.choices import EnrolmentStatus
from jineng.training.models import Enrolment, TrainingClass

from .helpers import START, approved_class, bulk_people, programme, room, session

THREADS, ATTEMPTS, SEATS = 50, 500, 50


def _enrol_retrying(class_id: int, person_id: int, actor: Any) -> str:
    """Enrol as a client does: a busy answer (the lock wait ran out) is retried."""
    for _ in range(20):
        try:
            return services.enrol(class_id, person_id, actor=actor).status
        except services.ClassFull:
            return "full"
        except Busy:
            continue
    return "busy"


def _enrol_in_parallel(class_id: int, person_ids: list[int], actor: Any) -> Counter[str]:
    """Let THREADS threads share the attempts; count the outcomes."""
    outcomes: Counter[str] = Counter()
    guard = threading.Lock()

    def work(share: list[int]) -> None:
        try:
            for pk in share:
                status = _enrol_retrying(class_id, pk, actor)
                with guard:
                    outcomes[status] += 1
        finally:
            connection.close()

    shares = [person_ids[i::THREADS] for i in range(THREADS)]
    threads = [threading.Thread(target=work, args=(share,)) for share in shares]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


@pytest.fixture
def seats(staff_a, bureau_admin, accredited) -> tuple[int, list[int]]:
    prog = programme(staff_a, subsidised=False)
    c = approved_class(
        staff_a, bureau_admin, prog, capacity=SEATS, sessions=[session(START, 8, 12)]
    )
    people = bulk_people(ATTEMPTS)
    # The school imported these people, so they are in its scope and staff enrol them by id.
    Affiliation.objects.bulk_create(
        Affiliation(
            person_id=pk,
            organization_id=staff_a.organization_id,
            kind=AffiliationKind.TRAINEE,
            started_on=timezone.localdate(),
        )
        for pk in people
    )
    return c.pk, people


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_enrolment_never_oversells(seats, staff_a):
    class_id, people = seats
    outcomes = _enrol_in_parallel(class_id, people, staff_a)
    assert outcomes == {
        EnrolmentStatus.ENROLLED: SEATS,
        EnrolmentStatus.WAITLISTED: ATTEMPTS - SEATS,
    }
    rows = Enrolment.objects.filter(training_class_id=class_id)
    assert rows.filter(status=EnrolmentStatus.ENROLLED).count() == SEATS
    positions = sorted(
        rows.filter(status=EnrolmentStatus.WAITLISTED).values_list("waitlist_position", flat=True)
    )
    assert positions == list(range(1, ATTEMPTS - SEATS + 1))
    assert AuditEvent.objects.filter(action="training.enrolment.created").count() == ATTEMPTS
    assert audit.verify() is None


def _unlocked(class_id: int) -> TrainingClass:
    return TrainingClass.objects.select_related("programme").get(pk=class_id)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_the_class_is_oversold(seats, staff_a):
    """Control: with class_for_update patched to a plain read, parallel enrolments oversell."""
    class_id, people = seats
    with mock.patch("jineng.training.locks.class_for_update", _unlocked):
        _enrol_in_parallel(class_id, people, staff_a)
    enrolled = Enrolment.objects.filter(
        training_class_id=class_id, status=EnrolmentStatus.ENROLLED
    ).count()
    assert enrolled > SEATS


def _book_in_parallel(
    prog_id: int, teacher_id: int, staff: Any, venue_ids: tuple[int, int]
) -> list[str]:
    """Two schedulers book the same teacher for the same morning at once, in two rooms."""
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        try:
            services.create_class(
                prog_id,
                services.ClassInput(
                    code=f"PAR-{n}",
                    capacity=10,
                    starts_on=START,
                    ends_on=START,
                    sessions=[
                        services.SessionInput(
                            starts_at=session(START, 8, 12).starts_at,
                            ends_at=session(START, 8, 12).ends_at,
                            teacher_id=teacher_id,
                            venue_id=venue_ids[n],
                        )
                    ],
                ),
                actor=staff,
            )
            outcomes.append("booked")
        except services.DoubleBooked:
            outcomes.append("clash")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _gated(lock: Any, *, before: bool) -> Any:
    barrier = threading.Barrier(2, timeout=10)

    def gated(venue_ids: list[int], teacher_ids: list[int]) -> None:
        if before:
            barrier.wait()
            lock(venue_ids, teacher_ids)
        else:
            barrier.wait()

    return gated


@pytest.fixture
def teacher_and_programme(staff_a, occupations, levels) -> tuple[int, int, tuple[int, int]]:
    prog = programme(staff_a, subsidised=False)
    rooms = (room(staff_a, "一号教室").pk, room(staff_a, "二号教室").pk)
    return prog.pk, services.create_teacher("王老师", actor=staff_a).pk, rooms


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_bookings_of_one_teacher_leave_one(teacher_and_programme, staff_a):
    from jineng.training import locks

    prog_id, teacher_id, rooms = teacher_and_programme
    gated = _gated(locks.venues_and_teachers_for_update, before=True)
    with mock.patch("jineng.training.locks.venues_and_teachers_for_update", gated):
        outcomes = _book_in_parallel(prog_id, teacher_id, staff_a, rooms)
    assert sorted(outcomes) == ["booked", "clash"]
    assert TrainingClass.objects.count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_the_teacher_is_double_booked(teacher_and_programme, staff_a):
    prog_id, teacher_id, rooms = teacher_and_programme
    gated = _gated(lambda *args: None, before=False)
    with mock.patch("jineng.training.locks.venues_and_teachers_for_update", gated):
        outcomes = _book_in_parallel(prog_id, teacher_id, staff_a, rooms)
    assert outcomes == ["booked", "booked"]
    assert TrainingClass.objects.count() == 2
