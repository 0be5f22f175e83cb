"""Two parallel enrolments of one person into two overlapping classes, on PostgreSQL.

Each enrolment locks its own class, so the class locks do not queue them; the person's row
lock (class, then person, then the audit chain, ADR 0006) does. Without it both see no
other place, and the person ends up holding two seats at the same hour: the control shows it.
"""

from __future__ import annotations

import datetime
import threading
from typing import Any
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from jineng.core.errors import DomainError
from jineng.training import services
from jineng.training.choices import ClassStatus
from jineng.training.models import Enrolment
from jineng.training.services import enrolment as enrolment_services

from .helpers import draft_class, programme, session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# How long the first enrolment waits, holding its locks, for the second to catch up.
PAUSE = 3.0


@pytest.fixture
def two_overlapping(staff_a, accredited) -> tuple[int, int]:
    day = timezone.localdate() + datetime.timedelta(days=7)
    ids = []
    # Two programmes: the class lock also locks the programme row, which would queue two
    # classes of one programme behind each other and hide the race.
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
