"""Two scans of one trainee at once: exactly one check-in is written (PostgreSQL, threads)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, connection

from jineng.attendance import locks, services, tokens
from jineng.attendance.errors import AlreadyCheckedIn, AlreadyReviewed
from jineng.attendance.models import Attendance
from jineng.core.models import AuditEvent

from .conftest import START

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]
PARTIES = 4


def _scan_in_parallel(worker: Any, code: str, lock: Callable[[int], Any]) -> list[str]:
    """Let PARTIES threads scan the same code, meeting at a barrier before the lock."""
    barrier = threading.Barrier(PARTIES, timeout=10)
    outcomes: list[str] = []

    def meet_then_lock(enrolment_id: int) -> Any:
        barrier.wait()
        return lock(enrolment_id)

    def attempt() -> None:
        try:
            services.check_in(code, actor=worker)
            outcomes.append("checked in")
        except AlreadyCheckedIn:
            outcomes.append("already")
        except IntegrityError:
            outcomes.append("integrity error")
        finally:
            connection.close()

    with mock.patch.object(locks, "enrolment_for_update", meet_then_lock):
        threads = [threading.Thread(target=attempt) for _ in range(PARTIES)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    return sorted(outcomes)


def test_parallel_scans_write_one_check_in(worker, enrolment, sessions, at_start):
    code = tokens.make_code(sessions[0].pk, START)
    outcomes = _scan_in_parallel(worker, code, locks.enrolment_for_update)
    assert outcomes == ["already"] * (PARTIES - 1) + ["checked in"]
    assert Attendance.objects.count() == 1
    assert AuditEvent.objects.filter(action="attendance.attendance.created").count() == 1


def test_control_without_the_lock_only_the_constraint_stops_duplicates(
    worker, enrolment, sessions, at_start
):
    code = tokens.make_code(sessions[0].pk, START)
    outcomes = _scan_in_parallel(worker, code, lambda enrolment_id: None)
    # Every thread passed the "already checked in?" test; the unique constraint refused the rest.
    assert outcomes == ["checked in"] + ["integrity error"] * (PARTIES - 1)
    assert Attendance.objects.count() == 1


def test_parallel_reviews_of_one_check_in_decide_it_once(
    worker, reviewer, bureau_admin, enrolment, sessions, at_start
):
    code = tokens.make_code(sessions[0].pk, START)
    flagged = services.check_in(code, actor=worker)
    assert flagged.is_flagged
    barrier = threading.Barrier(2, timeout=10)
    outcomes: list[str] = []
    real_lock = locks.check_in_for_review

    def meet_then_lock(attendance_id: int, class_id: int) -> Any:
        barrier.wait()
        return real_lock(attendance_id, class_id)

    def decide(actor: Any, decision: str) -> None:
        try:
            services.review_check_in(flagged.pk, decision=decision, reason="核查", actor=actor)
            outcomes.append(decision)
        except AlreadyReviewed:
            outcomes.append("already")
        finally:
            connection.close()

    with mock.patch.object(locks, "check_in_for_review", meet_then_lock):
        threads = [
            threading.Thread(target=decide, args=(reviewer, "rejected")),
            threading.Thread(target=decide, args=(bureau_admin, "accepted")),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert len(outcomes) == 2
    assert outcomes.count("already") == 1
    (decided,) = [o for o in outcomes if o != "already"]
    assert Attendance.objects.get(pk=flagged.pk).review == decided
    assert AuditEvent.objects.filter(action=f"attendance.attendance.{decided}").count() == 1
    assert (
        AuditEvent.objects.filter(
            action__in=["attendance.attendance.accepted", "attendance.attendance.rejected"]
        ).count()
        == 1
    )
