"""The assessment API as an integrator drives it: plan, candidates, scores, close, issue."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from jineng.api.tests.helpers import api_client
from jineng.assessment.models import AssessmentSession, Result
from jineng.certificates.models import Certificate

from . import helpers
from .helpers import TODAY, applicant, citizen_id, drawn_users, filed_and_drawn

pytestmark = pytest.mark.django_db


def test_an_evaluator_plans_a_session_through_the_api_and_unknown_codes_are_named(
    accredited: Any, rules: None, evaluator: Any, other_evaluator: Any
) -> None:
    client = api_client(evaluator)
    body = {
        "route": "skill_level",
        "occupation_code": "6-31-01-03",
        "level_code": "level4",
        "title": "电工四级认定（接口）",
        "starts_on": str(TODAY),
        "ends_on": str(TODAY + datetime.timedelta(days=1)),
        "venue": "鉴定中心考场二",
        "capacity": 20,
    }
    unknown = client.post("/api/v1/assessment-sessions", {**body, "occupation_code": "0-00"})
    assert (unknown.status_code, unknown.json()["field"]) == (400, "occupation_code")
    no_level = client.post("/api/v1/assessment-sessions", {**body, "level_code": "level9"})
    assert (no_level.status_code, no_level.json()["field"]) == (400, "level_code")
    assert not AssessmentSession.objects.exists()
    created = client.post("/api/v1/assessment-sessions", body)
    assert created.status_code == 201, created.json()
    session = AssessmentSession.objects.get()
    assert (created.json()["id"], session.title, session.capacity) == (
        session.pk,
        "电工四级认定（接口）",
        20,
    )
    assert client.get(f"/api/v1/assessment-sessions/{session.pk}").json()["id"] == session.pk
    # Another evaluation body sees no such session.
    other = api_client(other_evaluator)
    assert other.get(f"/api/v1/assessment-sessions/{session.pk}").status_code == 404


def test_candidates_scores_close_and_certificates_through_the_api(
    world: helpers.World, bureau_admin: Any
) -> None:
    evaluator = api_client(world.evaluator)
    session = world.session
    base = f"/api/v1/assessment-sessions/{session.pk}"
    person = applicant(4, world.admin)
    added = evaluator.post(
        f"{base}/candidates",
        {"id_number": citizen_id(4), "name": person.name, "years_in_occupation": 7},
    )
    assert added.status_code == 201, added.json()
    assert [c["name"] for c in added.json()] == [person.name]
    twice = evaluator.post(
        f"{base}/candidates",
        {"id_number": citizen_id(4), "name": person.name, "years_in_occupation": 7},
    )
    assert twice.status_code == 409
    listed = evaluator.get(f"{base}/candidates").json()
    assert len(listed) == 4
    drawn = filed_and_drawn(world)
    candidates = list(drawn.candidates.order_by("pk"))
    examiner = api_client(drawn_users(drawn)[0])
    # The evaluator may not score; an examiner's out-of-range score refuses the whole set.
    assert (
        evaluator.post(
            f"{base}/scores", {"component": "theory", "scores": {candidates[0].pk: 80}}
        ).status_code
        == 403
    )
    too_high = examiner.post(
        f"{base}/scores",
        {"component": "theory", "scores": {candidates[0].pk: 80, candidates[1].pk: 101}},
    )
    assert too_high.status_code == 400
    assert not drawn.candidates.filter(scores__isnull=False).exists()
    for component in ("theory", "practical"):
        scores = {c.pk: (50 if n == 0 else 75) for n, c in enumerate(candidates)}
        saved = examiner.post(f"{base}/scores", {"component": component, "scores": scores})
        assert saved.status_code == 200, saved.json()
        assert len(saved.json()) == len(candidates)
    early = evaluator.post(f"{base}/certificates", {})
    assert early.status_code == 409
    closed = evaluator.post(f"{base}/close", {})
    assert (closed.status_code, closed.json()["status"]) == (200, "closed")
    assert Result.objects.filter(candidate__session=drawn, passed=True).count() == 3
    issued = evaluator.post(f"{base}/certificates", {})
    assert issued.status_code == 201, issued.json()
    assert len(issued.json()) == 3
    assert Certificate.objects.filter(basis__startswith="result:").count() == 3
    again = evaluator.post(f"{base}/certificates", {})
    assert again.status_code in (400, 409)
    assert Certificate.objects.count() == 3
