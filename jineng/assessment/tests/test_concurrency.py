"""Races on one session (PostgreSQL, real threads), each with a control without the lock.

- parallel applicants for the last place: exactly one gets it;
- an examiner's correction while the evaluator closes: the results match the locked scores;
- two bureau users approving one score change: it is decided once.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from conftest import make_user
from jineng.assessment import services
from jineng.assessment.errors import ScoresLocked, SessionFull
from jineng.assessment.models import AssessmentSession, Result, Score, ScoreChange
from jineng.assessment.tests import helpers
from jineng.core.errors import InvalidTransition
from jineng.core.models import AuditEvent

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def _run(jobs: list[Callable[[], str]]) -> list[str]:
    outcomes: list[str] = []

    def attempt(job: Callable[[], str]) -> None:
        try:
            outcomes.append(job())
        except (SessionFull, ScoresLocked, InvalidTransition) as error:
            outcomes.append(error.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _unlocked_session(pk: int) -> AssessmentSession:
    return AssessmentSession.objects.select_related("evaluator", "occupation", "level").get(pk=pk)


def _unlocked_change(pk: int) -> ScoreChange:
    return ScoreChange.objects.select_related("score__candidate__session", "score__component").get(
        pk=pk
    )


def _after_barrier(read: Callable[[int], Any], parties: int) -> Callable[[int], Any]:
    barrier = threading.Barrier(parties, timeout=10)

    def gated(pk: int) -> Any:
        row = read(pk)
        barrier.wait()
        return row

    return gated


def _applicants(world: helpers.World, admin: Any, count: int) -> list[Callable[[], str]]:
    inputs = [helpers.applicant(30 + n, admin) for n in range(count)]

    def job(data: services.ApplicantInput) -> Callable[[], str]:
        return lambda: services.add_applicant(world.evaluator, world.session.pk, data) and "added"

    return [job(data) for data in inputs]


def _last_place(world: helpers.World) -> None:
    world.session.capacity = len(world.candidates) + 1
    world.session.save()


def test_parallel_applicants_for_the_last_place(world: helpers.World, bureau_admin: Any) -> None:
    _last_place(world)
    from jineng.assessment import locks

    gated = _after_barrier(locks.session_for_update, 1)  # each thread alone under the lock
    with mock.patch("jineng.assessment.locks.session_for_update", gated):
        outcomes = _run(_applicants(world, bureau_admin, 4))
    assert outcomes.count("added") == 1
    assert outcomes.count("session_full") == 3
    assert world.session.candidates.count() == world.session.capacity


def test_control_without_the_lock_overfills(world: helpers.World, bureau_admin: Any) -> None:
    _last_place(world)
    gated = _after_barrier(_unlocked_session, 4)
    with mock.patch("jineng.assessment.locks.session_for_update", gated):
        outcomes = _run(_applicants(world, bureau_admin, 4))
    assert outcomes.count("added") > 1
    assert world.session.candidates.count() > world.session.capacity


def _scored(world: helpers.World) -> tuple[AssessmentSession, Any]:
    session = helpers.filed_and_drawn(world)
    examiner = helpers.drawn_users(session)[0]
    for key in ("theory", "practical"):
        services.enter_scores(examiner, session.pk, key, {c.pk: "80" for c in world.candidates})
    return session, examiner


def _correction_meets_closing(
    world: helpers.World, read: Callable[[int], AssessmentSession]
) -> list[str]:
    """The examiner reads the session first and writes after the evaluator's close began."""
    session, examiner = _scored(world)
    read_by_examiner = threading.Event()
    closed = threading.Event()
    calls = {"n": 0}
    lock = threading.Lock()

    def gated(pk: int) -> AssessmentSession:
        with lock:
            calls["n"] += 1
            first = calls["n"] == 1
        if first:  # the examiner's correction
            row = read(pk)
            read_by_examiner.set()
            closed.wait(timeout=0.5)
            return row
        read_by_examiner.wait(timeout=5)
        return read(pk)

    candidate = world.candidates[0]

    def correct() -> str:
        services.enter_score(examiner, session.pk, candidate.pk, "theory", "40")
        return "corrected"

    def close() -> str:
        read_by_examiner.wait(timeout=5)
        try:
            services.close_session(world.evaluator, session.pk)
        finally:
            closed.set()
        return "closed"

    with mock.patch("jineng.assessment.locks.session_for_update", gated):
        return _run([correct, close])


def test_correction_and_closing_agree(world: helpers.World) -> None:
    from jineng.assessment import locks

    outcomes = _correction_meets_closing(world, locks.session_for_update)
    assert sorted(outcomes) == ["closed", "corrected"]
    candidate = world.candidates[0]
    score = Score.objects.get(candidate=candidate, component__key="theory")
    assert score.value == 40
    assert Result.objects.get(candidate=candidate).passed is False  # decided on the locked score


def test_control_without_the_lock_results_disagree_with_scores(world: helpers.World) -> None:
    outcomes = _correction_meets_closing(world, _unlocked_session)
    assert sorted(outcomes) == ["closed", "corrected"]
    candidate = world.candidates[0]
    assert Score.objects.get(candidate=candidate, component__key="theory").value == 40
    # The score changed after the results were decided: a pass on a failing score.
    assert Result.objects.get(candidate=candidate).passed is True


def _requested_change(world: helpers.World) -> ScoreChange:
    session, _examiner = _scored(world)
    services.close_session(world.evaluator, session.pk)
    score = Score.objects.get(candidate=world.candidates[0], component__key="theory")
    return services.request_score_change(world.admin, score.pk, new_value="90", reason="复核")


def _approvals(change: ScoreChange) -> list[Callable[[], str]]:
    approvers = [make_user(f"approver_{n}", "bureau_admin") for n in range(2)]

    def job(user: Any) -> Callable[[], str]:
        return lambda: services.decide_score_change(user, change.pk, approve=True) and "approved"

    return [job(user) for user in approvers]


def test_two_approvals_decide_once(world: helpers.World) -> None:
    from jineng.assessment import locks

    change = _requested_change(world)
    gated = _after_barrier(locks.score_change_for_update, 1)
    with mock.patch("jineng.assessment.locks.score_change_for_update", gated):
        outcomes = _run(_approvals(change))
    assert sorted(outcomes) == ["approved", "invalid_transition"]
    assert AuditEvent.objects.filter(action="assessment.score_change.approved").count() == 1


def test_control_without_the_locks_approves_twice(world: helpers.World) -> None:
    change = _requested_change(world)
    with (
        mock.patch("jineng.assessment.locks.session_for_update", _unlocked_session),
        mock.patch(
            "jineng.assessment.locks.score_change_for_update", _after_barrier(_unlocked_change, 2)
        ),
    ):
        outcomes = _run(_approvals(change))
    assert outcomes == ["approved", "approved"]
    assert AuditEvent.objects.filter(action="assessment.score_change.approved").count() == 2
