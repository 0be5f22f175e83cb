"""Reviewers deciding one application at once: exactly one decision wins (PostgreSQL)."""

from __future__ import annotations

import datetime
import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from conftest import make_user
from jineng.accreditations import locks, services
from jineng.accreditations.models import Accreditation, AccreditationApplication
from jineng.core import audit
from jineng.core.errors import InvalidTransition
from jineng.core.models import AuditEvent

from .helpers import apply, approval

START, UNTIL = datetime.date(2025, 1, 1), datetime.date(2027, 12, 31)
DECISIONS = ("approved", "rejected")


def _decide(n: int, application_id: int, admin: Any) -> str:
    if n % 2 == 0:
        services.approve_application(
            application_id, approval(START, UNTIL, licence_number=f"PAR-{n}"), actor=admin
        )
        return "approved"
    services.reject_application(application_id, reasons="场地不足", actor=admin)
    return "rejected"


def _decide_in_parallel(application_id: int, admins: list[Any]) -> list[str]:
    """Let the admins approve or reject (alternately), each in its own thread."""
    outcomes: list[str] = []

    def attempt(n: int, admin: Any) -> None:
        try:
            outcomes.append(_decide(n, application_id, admin))
        except InvalidTransition:
            outcomes.append("already decided")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n, a)) for n, a in enumerate(admins)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _all_at_once(
    read: Callable[[int], AccreditationApplication], parties: int, *, before: bool
) -> Callable[[int], AccreditationApplication]:
    """Make the reviewers meet at a barrier just before (or just after) reading the row."""
    barrier = threading.Barrier(parties, timeout=10)

    def gated(pk: int) -> AccreditationApplication:
        if before:
            barrier.wait()
            return read(pk)
        application = read(pk)
        barrier.wait()
        return application

    return gated


def _read_unlocked(pk: int) -> AccreditationApplication:
    return AccreditationApplication.objects.select_related(
        "organization", "occupation", "max_level"
    ).get(pk=pk)


@pytest.fixture
def pending(staff_a, occupations, levels) -> int:
    return apply(staff_a, occupations["electrician"], levels["level3"]).pk


def _admins(count: int) -> list[Any]:
    return [make_user(f"par_admin_{n}", "bureau_admin") for n in range(count)]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_decisions_leave_exactly_one(pending):
    admins = _admins(4)
    gated = _all_at_once(locks.application_for_update, len(admins), before=True)
    with mock.patch("jineng.accreditations.locks.application_for_update", gated):
        outcomes = _decide_in_parallel(pending, admins)
    winners = [o for o in outcomes if o in DECISIONS]
    assert len(winners) == 1
    assert outcomes.count("already decided") == len(admins) - 1
    application = AccreditationApplication.objects.get(pk=pending)
    assert application.status == winners[0]
    assert Accreditation.objects.count() == (1 if winners[0] == "approved" else 0)
    decisions = AuditEvent.objects.filter(
        action__in=["accreditations.application.approved", "accreditations.application.rejected"]
    )
    assert [e.action.rsplit(".", 1)[1] for e in decisions] == winners
    assert audit.verify() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_both_decisions_go_through(pending):
    """Control: without the row lock an approval and a rejection both commit."""
    admins = _admins(2)
    gated = _all_at_once(_read_unlocked, len(admins), before=False)
    with mock.patch("jineng.accreditations.locks.application_for_update", gated):
        outcomes = _decide_in_parallel(pending, admins)
    assert sorted(outcomes) == ["approved", "rejected"]
    # The application ends in whichever state was written last, with a licence either way.
    assert Accreditation.objects.filter(application_id=pending).count() == 1
    assert AuditEvent.objects.filter(action="accreditations.application.approved").count() == 1
    assert AuditEvent.objects.filter(action="accreditations.application.rejected").count() == 1
