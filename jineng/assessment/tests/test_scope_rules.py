"""Who sees a session and what belongs to it: evaluator, bureau, examiner, supervisor, worker.

Also the attacks of issue 14: another evaluator's staff, a non-drawn expert, the API.
"""

from __future__ import annotations

from typing import Any

import pytest

from conftest import make_user
from jineng.api.tests.helpers import api_client
from jineng.assessment import services
from jineng.assessment.models import (
    AssessmentSession,
    Candidate,
    Result,
    Score,
    ScoreChange,
    SessionComponent,
    SessionExaminer,
    SupervisionFinding,
)
from jineng.assessment.tests import helpers

pytestmark = pytest.mark.django_db

CHILDREN = (SessionComponent, Candidate, SessionExaminer, Score, ScoreChange, Result)


@pytest.fixture
def closed(world: helpers.World, reviewer: Any) -> helpers.World:
    services.file_plan(world.evaluator, world.session.pk)
    services.assign_supervisor(world.admin, world.session.pk, reviewer)
    services.record_finding(reviewer, world.session.pk, text="秩序良好")
    services.draw_session_examiners(world.admin, world.session.pk, count=2)
    examiner = helpers.drawn_users(world.session)[0]
    for key in ("theory", "practical"):
        services.enter_scores(
            examiner, world.session.pk, key, {c.pk: "70" for c in world.candidates}
        )
    services.close_session(world.evaluator, world.session.pk)
    score = Score.objects.first()
    assert score is not None
    services.request_score_change(world.admin, score.pk, new_value="71", reason="复核")
    return world


def _sees(user: Any, model: Any, action: str = "view") -> int:
    return model.objects.visible_to(user, action).count()


def test_each_role_sees_its_part(
    closed: helpers.World, reviewer: Any, other_evaluator: Any
) -> None:
    session = closed.session
    examiner = helpers.drawn_users(session)[0]
    idle = next(e.user for e in closed.experts if e.user not in helpers.drawn_users(session))
    worker = make_user("candidate_w", "worker", person=closed.candidates[0].person)
    for user in (closed.evaluator, closed.admin):
        assert _sees(user, AssessmentSession) == 1
        assert _sees(user, AssessmentSession, "change") == 1
        assert _sees(user, SupervisionFinding) == 1
        for model in CHILDREN:
            assert _sees(user, model) == model.objects.count(), model
    for user in (examiner, reviewer):  # view only
        assert _sees(user, AssessmentSession) == 1
        assert _sees(user, AssessmentSession, "change") == 0
        assert _sees(user, Candidate, "change") == 0
    for user in (other_evaluator, idle):
        assert _sees(user, AssessmentSession) == 0
        for model in CHILDREN:
            assert _sees(user, model) == 0, model
    # The candidate sees their own candidacy, scores and result, nothing else.
    assert _sees(worker, AssessmentSession) == 0
    assert _sees(worker, Candidate) == 1
    assert _sees(worker, Result) == 1
    assert _sees(worker, Score) == 2
    assert _sees(worker, ScoreChange) == 0


def test_api_out_of_scope_is_404(closed: helpers.World, other_evaluator: Any) -> None:
    session = closed.session
    own = api_client(closed.evaluator)
    assert own.get(f"/api/v1/assessment-sessions/{session.pk}").status_code == 200
    assert own.get("/api/v1/assessment-sessions").json()["count"] == 1
    other = api_client(other_evaluator)
    for path in ("", "/candidates"):
        assert other.get(f"/api/v1/assessment-sessions/{session.pk}{path}").status_code == 404
    assert other.post(f"/api/v1/assessment-sessions/{session.pk}/close").status_code == 404
    assert other.get("/api/v1/assessment-sessions").json()["count"] == 0
    # Scores are locked after closing, through the API too.
    examiner = api_client(helpers.drawn_users(session)[0])
    locked = examiner.post(
        f"/api/v1/assessment-sessions/{session.pk}/scores",
        {"component": "theory", "scores": {str(closed.candidates[0].pk): "99"}},
    )
    assert locked.status_code == 409
    assert locked.json()["code"] == "scores_locked"
