"""Two parallel enrolments of one person into two overlapping classes, on PostgreSQL.

Each enrolment locks its own class, so the class locks do not queue them; the person's row
lock (class, then person, then the audit chain, ADR 0006) does. Without it both see no
other place, and the person ends up holding two seats at the same hour: the control shows it.
The same holds for two classes of one programme, whose class locks no longer take the
programme's row: enrolments into them run side by side, and only the person's lock queues
one person's two.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from conftest import ID_B
from jineng.core.errors import Busy, DomainError
from jineng.core.tests.holders import Holder
from jineng.training import locks, services
from jineng.training.choices import ClassStatus
from jineng.training.models import Enrolment, TrainingClass
from jineng.training.services import enrolment as enrolment_services

from .helpers import draft_class, enrol, person, programme, session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# How long the first enrolment waits, holding its locks, for the second to catch up.
PAUSE = 3.0


@pytest.fixture
def two_overlapping(staff_a, accredited) -> tuple[int, int]:
    day = timezone.localdate() + datetime.timedelta(days=7)
    ids = []
    # Two programmes: the one-place-per-programme rule would refuse the second place anyway.
    for theory in (2, 3):
        c = draft_class(
            staff_a,
            programme(staff_a, subsidised=False, theory=theory, practice=2),
            start=day,
            days=0,
            sessions=[session(day, 8, 12)],
        )
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
        ids.append(c.pk)
    return ids[0], ids[1]


def _race(classes: tuple[int, int], worker: Any, person: Any) -> list[str]:
    """Enrol the person into both classes at once; the first pauses before it commits."""
    placed, second_done = threading.Event(), threading.Event()
    outcomes: list[str] = []
    real_affiliate = enrolment_services._affiliate

    def affiliate_then_wait(*args: Any, **kwargs: Any) -> None:
        real_affiliate(*args, **kwargs)
        if threading.current_thread().name == "first":
            placed.set()
            second_done.wait(PAUSE)

    def first() -> None:
        try:
            services.enrol(classes[0], person.pk, actor=worker)
            outcomes.append("first enrolled")
        except DomainError as error:
            outcomes.append(f"first refused: {error.code}")
        finally:
            connection.close()

    def second() -> None:
        try:
            placed.wait(PAUSE)
            # This test is about lock order, not timeouts: the second enrolment may wait out
            # the paused first one, which holds the person lock for up to PAUSE.
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '30s'")
            services.enrol(classes[1], person.pk, actor=worker)
            outcomes.append("second enrolled")
        except DomainError as error:
            outcomes.append(f"second refused: {error.code}")
        finally:
            second_done.set()
            connection.close()

    with mock.patch.object(enrolment_services, "_affiliate", affiliate_then_wait):
        threads = [threading.Thread(target=first, name="first"), threading.Thread(target=second)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
    return sorted(outcomes)


def test_parallel_overlapping_enrolments_leave_one_place(two_overlapping, worker, person):
    outcomes = _race(two_overlapping, worker, person)
    assert outcomes == ["first enrolled", "second refused: overlapping_enrolment"]
    assert list(Enrolment.objects.values_list("training_class", flat=True)) == [two_overlapping[0]]


def test_control_without_the_person_lock_both_places_are_taken(two_overlapping, worker, person):
    with (
        mock.patch.object(enrolment_services, "person_for_update", return_value=None),
        mock.patch("jineng.people.locks.person_for_update", return_value=None),
    ):
        outcomes = _race(two_overlapping, worker, person)
    assert outcomes == ["first enrolled", "second enrolled"]
    assert Enrolment.objects.filter(person=person, status="enrolled").count() == 2


@pytest.fixture
def one_programme(staff_a, accredited) -> tuple[int, int]:
    """Two open classes of one programme, on different days."""
    prog = programme(staff_a, subsidised=False, theory=2, practice=2)
    ids = []
    for days in (7, 14):
        day = timezone.localdate() + datetime.timedelta(days=days)
        c = draft_class(staff_a, prog, start=day, days=0, sessions=[session(day, 8, 12)])
        services.transition(c.pk, ClassStatus.APPROVED, actor=staff_a)
        ids.append(c.pk)
    return ids[0], ids[1]


def _hold_class(class_id: int) -> Holder:
    """A transaction holding a class's lock, as a long enrolment into it would."""
    return Holder(lambda: locks.class_for_update(class_id))


def test_two_classes_of_one_programme_take_enrolments_side_by_side(
    one_programme, staff_a, bureau_admin
):
    first, second = one_programme
    someone = person(bureau_admin, ID_B, name="王五")
    with _hold_class(first):
        placed = enrol(second, someone, actor=staff_a)
    assert placed.status == "enrolled"
    assert list(Enrolment.objects.values_list("training_class", flat=True)) == [second]


def test_control_with_the_programme_locked_the_other_class_waits(
    one_programme, staff_a, bureau_admin
):
    """The class lock as it was: taking the programme's row queues the programme's classes."""
    first, second = one_programme
    someone = person(bureau_admin, ID_B, name="王五")

    def with_programme(class_id: int) -> TrainingClass:
        return (
            TrainingClass.objects.select_for_update(of=("self", "programme"))
            .select_related("programme__organization")
            .get(pk=class_id)
        )

    with (
        mock.patch.object(locks, "class_for_update", with_programme),
        _hold_class(first),
        pytest.raises(Busy),
    ):
        enrol(second, someone, actor=staff_a)
    assert not Enrolment.objects.exists()


def test_one_person_still_gets_one_place_of_the_programme(one_programme, worker, person):
    outcomes = _race(one_programme, worker, person)
    assert outcomes == ["first enrolled", "second refused: same_programme_enrolled"]
    assert list(Enrolment.objects.values_list("training_class", flat=True)) == [one_programme[0]]


def test_control_without_the_person_lock_one_person_takes_both(one_programme, worker, person):
    with (
        mock.patch.object(enrolment_services, "person_for_update", return_value=None),
        mock.patch("jineng.people.locks.person_for_update", return_value=None),
    ):
        outcomes = _race(one_programme, worker, person)
    assert outcomes == ["first enrolled", "second enrolled"]
    assert Enrolment.objects.filter(person=person, status="enrolled").count() == 2
