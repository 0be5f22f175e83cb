"""Issuing through certificates: passed candidates only, after closing, once; the record."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from jineng.assessment import queries, services
from jineng.assessment.choices import SessionStatus
from jineng.assessment.errors import AlreadyIssued, NotPassed
from jineng.assessment.models import Result
from jineng.assessment.tests import helpers
from jineng.core.errors import InvalidTransition
from jineng.people.queries import EVERYTHING, RecordScope

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _pooled_key(monkeypatch: Any) -> None:
    from jineng.certificates import keys

    key = keys.RSAKey.generate_key(2048, private=True)
    monkeypatch.setattr(keys, "generate_private_key", lambda: key)


def _closed(world: helpers.World) -> Any:
    session = helpers.filed_and_drawn(world)
    examiner = helpers.drawn_users(session)[0]
    a, b, c = world.candidates
    services.enter_scores(examiner, session.pk, "theory", {a.pk: 80, b.pk: 40, c.pk: 75})
    services.enter_scores(examiner, session.pk, "practical", {a.pk: 70, b.pk: 90, c.pk: 66})
    return session


def test_issue_only_after_closing_for_the_passed_once(world: helpers.World) -> None:
    from jineng.certificates.models import Certificate

    session = _closed(world)
    with pytest.raises(InvalidTransition):
        services.issue_session_certificates(world.evaluator, session.pk)
    services.close_session(world.evaluator, session.pk)
    failed = Result.objects.get(candidate=world.candidates[1])
    with translation.override("en"), pytest.raises(NotPassed) as refused:
        services.issue_session_certificates(world.evaluator, session.pk, result_ids=[failed.pk])
    assert world.candidates[1].person.name in str(refused.value.detail)
    issued = services.issue_session_certificates(world.evaluator, session.pk)
    assert len(issued) == 2
    assert {c.basis for c in Certificate.objects.all()} == {
        f"result:{r.pk}" for r in Result.objects.filter(passed=True)
    }
    session.refresh_from_db()
    assert session.status == SessionStatus.CERTIFIED
    with pytest.raises(AlreadyIssued):
        services.issue_session_certificates(world.evaluator, session.pk)
    passed = Result.objects.get(candidate=world.candidates[0])
    from jineng.certificates.errors import AlreadyIssued as BasisUsed

    with pytest.raises(BasisUsed):
        services.issue_session_certificates(world.evaluator, session.pk, result_ids=[passed.pk])


def test_results_in_the_record(world: helpers.World, other_org: Any) -> None:
    session = _closed(world)
    services.close_session(world.evaluator, session.pk)
    person = world.candidates[1].person
    [entry] = queries.record_entries(person, EVERYTHING)
    assert entry.kind == "assessment.failed"
    other = RecordScope(organization_ids=frozenset({other_org.pk}))
    assert queries.record_entries(person, other) == []


def test_workspace_queries(world: helpers.World, second_admin: Any) -> None:
    assert list(queries.sessions_awaiting_filing(world.evaluator)) == [world.session]
    services.file_plan(world.evaluator, world.session.pk)
    assert list(queries.plans_to_receive(world.admin)) == [world.session]
    services.draw_session_examiners(world.admin, world.session.pk, count=2)
    examiner = helpers.drawn_users(world.session)[0]
    assert list(queries.scores_to_enter(examiner)) == [world.session]
    assert list(queries.scores_to_enter(world.evaluator)) == []
