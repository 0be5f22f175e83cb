"""A tie survives a withdrawal racing an enrolment in another class, on PostgreSQL.

The worker withdraws from class A before it starts while staff enrol them in class B of the
same institution. Without the person lock the withdrawal does not see B's uncommitted place
and ends the tie: the school can no longer see its own trainee. The control shows that.
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
from jineng.people.models import Affiliation
from jineng.training import services
from jineng.training.models import Enrolment
from jineng.training.services import enrolment as enrolment_services

from .helpers import approved_class, person, programme, session

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]

# How long the paused enrolment waits for the withdrawal before it goes on regardless.
PAUSE = 3.0


@pytest.fixture
def two_classes(accredited, staff_a, bureau_admin, occupations, levels) -> tuple[int, int, Any]:
    start = timezone.localdate() + datetime.timedelta(days=30)
    # Two programmes: the class lock also locks the programme row, which would queue two
    # classes of one programme behind each other and hide the race.
    first, second = (
        approved_class(
            staff_a,
            bureau_admin,
            programme(staff_a, subsidised=False),
            start=start,
            sessions=[session(start, hour, hour + 1)],
        )
        for hour in (8, 14)
    )
    outsider = person(bureau_admin, ID_B, name="王五")
    services.enrol_by_id_card(first.pk, ID_B, "王五", actor=staff_a)
    return first.pk, second.pk, outsider


def _race(two_classes: tuple[int, int, Any], staff: Any) -> None:
    """Pause the enrolment in B after its tie check; withdraw from A meanwhile."""
    first_id, second_id, outsider = two_classes
    checked, withdrawn = threading.Event(), threading.Event()
    real_affiliate = enrolment_services._affiliate

    def affiliate_then_wait(*args: Any, **kwargs: Any) -> None:
        real_affiliate(*args, **kwargs)
        if threading.current_thread().name == "enrol":
            checked.set()
            withdrawn.wait(PAUSE)

    def enrol() -> None:
        try:
            services.enrol(second_id, outsider.pk, actor=staff)
        finally:
            connection.close()

    def withdraw() -> None:
        try:
            checked.wait(PAUSE)
            # This test is about lock order, not timeouts: the withdrawal may wait out the
            # paused enrolment, which holds the person lock for up to PAUSE.
            with connection.cursor() as cursor:
                cursor.execute("SET lock_timeout = '30s'")
            place = Enrolment.objects.get(training_class_id=first_id)
            services.withdraw(place.pk, actor=staff)
        finally:
            withdrawn.set()
            connection.close()

    with mock.patch.object(enrolment_services, "_affiliate", affiliate_then_wait):
        threads = [threading.Thread(target=enrol, name="enrol"), threading.Thread(target=withdraw)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)


def test_a_withdrawal_racing_an_enrolment_keeps_the_tie(two_classes, staff_a):
    _race(two_classes, staff_a)
    outsider = two_classes[2]
    assert Enrolment.objects.get(training_class_id=two_classes[1]).status == "enrolled"
    assert Affiliation.objects.current().filter(person=outsider).exists()


def test_control_without_the_person_lock_the_tie_ends_while_enrolled(two_classes, staff_a):
    with (
        mock.patch.object(enrolment_services, "person_for_update", return_value=None),
        mock.patch("jineng.people.locks.person_for_update", return_value=None),
    ):
        _race(two_classes, staff_a)
    outsider = two_classes[2]
    assert Enrolment.objects.get(training_class_id=two_classes[1]).status == "enrolled"
    assert not Affiliation.objects.current().filter(person=outsider).exists()
