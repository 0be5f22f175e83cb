"""The assessment workflow through its services: plan, candidates, draw, scores, close, change."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.utils import translation

from jineng.assessment import services
from jineng.assessment.choices import ScoreChangeStatus, SessionStatus
from jineng.assessment.errors import (
    AlreadyCandidate,
    EvaluatorNotAccredited,
    NotEligible,
    NotExaminer,
    PlanIncomplete,
    ScoreOutOfRange,
    ScoresLocked,
    ScoresMissing,
    SecondApproverRequired,
    SessionFull,
)
from jineng.assessment.models import Result, Score
from jineng.assessment.tests import helpers
from jineng.core.errors import InvalidTransition, NotFound, PermissionDenied
from jineng.core.models import AuditEvent

pytestmark = pytest.mark.django_db


def _score_all(session: Any, users: list[Any], values: dict[int, dict[str, Any]]) -> None:
    for key in ("theory", "practical"):
        services.enter_scores(users[0], session.pk, key, {pk: v[key] for pk, v in values.items()})


def _closed(world: helpers.World) -> Any:
    session = helpers.filed_and_drawn(world)
    users = helpers.drawn_users(session)
    a, b, c = world.candidates
    _score_all(
        session,
        users,
        {
            a.pk: {"theory": "85", "practical": "90"},
            b.pk: {"theory": "59.5", "practical": "90"},
            c.pk: {"theory": "60", "practical": "60"},
        },
    )
    return services.close_session(world.evaluator, session.pk)


def test_session_refused_outside_the_accreditation(
    evaluator: Any, electrician: Any, levels: Any, accredited: Any, rules: None
) -> None:
    with translation.override("en"), pytest.raises(EvaluatorNotAccredited) as refused:
        services.create_session(evaluator, helpers.session_input(electrician, levels["level2"]))
    assert "no accreditation" in str(refused.value.detail)
    late = helpers.TODAY + datetime.timedelta(days=400)
    with translation.override("en"), pytest.raises(EvaluatorNotAccredited) as refused:
        services.create_session(
            evaluator,
            helpers.session_input(electrician, levels["level4"], starts_on=late, ends_on=late),
        )
    assert late.isoformat() in str(refused.value.detail)
    with pytest.raises(EvaluatorNotAccredited):  # the route matters too
        services.create_session(
            evaluator, helpers.session_input(electrician, levels["level4"], route="qualification")
        )


def test_candidate_twice_and_eligibility(world: helpers.World, bureau_admin: Any) -> None:
    with translation.override("en"), pytest.raises(AlreadyCandidate) as refused:
        services.add_applicant(
            world.evaluator, world.session.pk, helpers.applicant(1, bureau_admin)
        )
    assert "already a candidate" in str(refused.value.detail)
    with translation.override("en"), pytest.raises(NotEligible) as refused:
        services.add_applicant(
            world.evaluator, world.session.pk, helpers.applicant(9, bureau_admin, years=2)
        )
    assert "6年" in str(refused.value.detail)
    assert world.candidates[0].eligibility_reason.startswith("累计从事本职业或相关职业工作6年")


def test_capacity(world: helpers.World, bureau_admin: Any) -> None:
    world.session.capacity = 3
    world.session.save()
    with pytest.raises(SessionFull):
        services.add_applicant(
            world.evaluator, world.session.pk, helpers.applicant(7, bureau_admin)
        )


def test_plan_needs_a_venue(world: helpers.World) -> None:
    world.session.venue = ""
    world.session.save()
    with translation.override("en"), pytest.raises(PlanIncomplete) as refused:
        services.file_plan(world.evaluator, world.session.pk)
    assert "venue" in str(refused.value.detail)


def test_filing_snapshots_components(world: helpers.World) -> None:
    session = services.file_plan(world.evaluator, world.session.pk)
    assert session.status == SessionStatus.FILED
    assert [(c.key, c.pass_score) for c in session.components.all()] == [
        ("theory", Decimal("60")),
        ("practical", Decimal("60")),
    ]
    with pytest.raises(InvalidTransition):
        services.file_plan(world.evaluator, world.session.pk)


def test_draw_excludes_evaluator_and_records(world: helpers.World) -> None:
    session = helpers.filed_and_drawn(world)
    assert session.status == SessionStatus.EXAMINERS_DRAWN
    assert session.draw is not None
    assert session.draw.purpose == f"assessment-session:{session.pk}"
    assert world.session.evaluator_id in session.draw.excluded_organization_ids
    assert session.examiners.count() == 2


def test_only_drawn_examiners_score(world: helpers.World, other_evaluator: Any) -> None:
    session = helpers.filed_and_drawn(world)
    drawn = {e.expert_id for e in session.examiners.all()}
    idle = next(e for e in world.experts if e.pk not in drawn)
    candidate = world.candidates[0]
    with pytest.raises(NotFound):  # a non-drawn expert does not even see the session
        services.enter_score(idle.user, session.pk, candidate.pk, "theory", "80")
    with pytest.raises(NotExaminer):  # the evaluator's own staff
        services.enter_score(world.evaluator, session.pk, candidate.pk, "theory", "80")
    with pytest.raises(NotFound):  # another evaluator's staff does not even see it
        services.enter_score(other_evaluator, session.pk, candidate.pk, "theory", "80")


def test_score_range_names_candidate_and_component(world: helpers.World) -> None:
    session = helpers.filed_and_drawn(world)
    user = helpers.drawn_users(session)[0]
    candidate = world.candidates[0]
    for bad in ("101", "-1", "abc", "60.123"):
        with translation.override("en"), pytest.raises(ScoreOutOfRange) as refused:
            services.enter_scores(
                user, session.pk, "theory", {world.candidates[1].pk: "70", candidate.pk: bad}
            )
        assert candidate.person.name in str(refused.value.detail)
        assert "理论知识考试" in str(refused.value.detail)
    assert not Score.objects.exists()  # nothing half-written


def test_close_locks_and_decides(world: helpers.World) -> None:
    session = helpers.filed_and_drawn(world)
    users = helpers.drawn_users(session)
    services.enter_scores(users[0], session.pk, "theory", {world.candidates[0].pk: "70"})
    with pytest.raises(ScoresMissing):
        services.close_session(world.evaluator, session.pk)
    session = _closed_after(world, session, users)
    results = {r.candidate_id: r.passed for r in Result.objects.all()}
    a, b, c = world.candidates
    assert results == {a.pk: True, b.pk: False, c.pk: True}
    with pytest.raises(ScoresLocked):
        services.enter_score(users[0], session.pk, a.pk, "theory", "99")
    assert AuditEvent.objects.filter(action="assessment.session.closed").count() == 1


def _closed_after(world: helpers.World, session: Any, users: list[Any]) -> Any:
    a, b, c = world.candidates
    _score_all(
        session,
        users,
        {
            a.pk: {"theory": "85", "practical": "90"},
            b.pk: {"theory": "59.5", "practical": "90"},
            c.pk: {"theory": "60", "practical": "60"},
        },
    )
    return services.close_session(world.evaluator, session.pk)


def test_score_change_needs_a_second_bureau_user(
    world: helpers.World, second_admin: Any, evaluator: Any
) -> None:
    _closed(world)
    b = world.candidates[1]
    score = Score.objects.get(candidate=b, component__key="theory")
    with pytest.raises(PermissionDenied):
        services.request_score_change(evaluator, score.pk, new_value="61", reason="复核")
    change = services.request_score_change(
        world.admin, score.pk, new_value="61", reason="复核发现漏计一题"
    )
    with pytest.raises(SecondApproverRequired):
        services.decide_score_change(world.admin, change.pk, approve=True)
    services.decide_score_change(second_admin, change.pk, approve=True)
    change.refresh_from_db()
    assert change.status == ScoreChangeStatus.APPROVED
    assert Score.objects.get(pk=score.pk).value == Decimal("61")
    assert Result.objects.get(candidate=b).passed
    with pytest.raises(InvalidTransition):
        services.decide_score_change(second_admin, change.pk, approve=False, note="x")
    actions = set(AuditEvent.objects.values_list("action", flat=True))
    assert {"assessment.score_change.requested", "assessment.score_change.approved"} <= actions


def test_supervisor_records_findings(world: helpers.World, reviewer: Any) -> None:
    services.file_plan(world.evaluator, world.session.pk)
    with pytest.raises(PermissionDenied):
        services.record_finding(reviewer, world.session.pk, text="考场秩序良好")
    services.assign_supervisor(world.admin, world.session.pk, reviewer)
    finding = services.record_finding(reviewer, world.session.pk, text="考场秩序良好")
    assert finding.supervisor == reviewer


def test_class_completion_candidates(
    world: helpers.World, bureau_admin: Any, school_a: Any
) -> None:
    from jineng.training.models import Enrolment, Programme, TrainingClass

    programme = Programme.objects.create(
        organization=school_a,
        name="电工培训",
        occupation=world.session.occupation,
        training_type="employment",
        theory_hours=40,
        practice_hours=40,
    )
    klass = TrainingClass.objects.create(
        programme=programme,
        code="C-0001",
        capacity=30,
        status="closed",
        starts_on=helpers.TODAY - datetime.timedelta(60),
        ends_on=helpers.TODAY - datetime.timedelta(10),
    )
    people = [helpers.make_person(40 + n, bureau_admin) for n in range(3)]
    for person in people:
        Enrolment.objects.create(training_class=klass, person=person, status="completed")
    services.create_session  # noqa: B018
    level5 = world.session.level.__class__.objects.get(code="level5")
    session = services.create_session(
        world.evaluator, helpers.session_input(world.session.occupation, level5, title="初级")
    )
    outcome = services.add_candidates_from_class(world.evaluator, session.pk, "C-0001")
    assert len(outcome.added) == 3
    assert all(c.enrolment_id for c in outcome.added)
    again = services.add_candidates_from_class(world.evaluator, session.pk, "C-0001")
    assert again.added == []
    assert len(again.skipped) == 3


def test_evaluator_cannot_be_its_own_examiner(world: helpers.World, evaluator_org: Any) -> None:
    from jineng.assessment.models import SessionExaminer

    session = helpers.filed_and_drawn(world)
    insider = helpers.make_expert(
        200, world.admin, session.occupation, session.level, evaluator_org
    )
    # The draw never picks them (the evaluator is excluded); even if a row said so, no score.
    SessionExaminer.objects.create(session=session, expert=insider, draw=session.draw, position=9)
    with pytest.raises(NotExaminer):
        services.enter_score(insider.user, session.pk, world.candidates[0].pk, "theory", "80")
