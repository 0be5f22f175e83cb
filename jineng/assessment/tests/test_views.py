"""The assessment pages: each role sees its part; out of scope answers 404."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jineng.assessment.models import Score
from jineng.assessment.tests import helpers

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_evaluator_pages(world: helpers.World, electrician: Any, levels: Any) -> None:
    client = _client(world.evaluator)
    assert client.get(reverse("assessment:list")).status_code == 200
    page = client.get(reverse("assessment:session", args=[world.session.pk]))
    assert page.status_code == 200
    assert world.candidates[0].person.name in page.content.decode()
    assert client.get(reverse("assessment:create")).status_code == 200
    refused = client.post(
        reverse("assessment:create"),
        {
            "route": "skill_level",
            "occupation": electrician.code,
            "level": levels["level1"].pk,
            "title": "一级认定",
            "starts_on": helpers.TODAY.isoformat(),
            "ends_on": helpers.TODAY.isoformat(),
            "venue": "考场",
            "capacity": 10,
        },
    )
    assert refused.status_code == 400
    filed = client.post(reverse("assessment:file", args=[world.session.pk]))
    assert filed.status_code == 302


def test_other_evaluator_sees_nothing(world: helpers.World, other_evaluator: Any) -> None:
    client = _client(other_evaluator)
    assert client.get(reverse("assessment:session", args=[world.session.pk])).status_code == 404
    assert client.post(reverse("assessment:file", args=[world.session.pk])).status_code == 404
    listed = client.get(reverse("assessment:list")).content.decode()
    assert world.session.title not in listed


def test_bureau_draws_and_examiner_scores(world: helpers.World) -> None:
    from jineng.assessment import services

    services.file_plan(world.evaluator, world.session.pk)
    bureau = _client(world.admin)
    assert bureau.get(reverse("assessment:plans")).status_code == 200
    drawn = bureau.post(reverse("assessment:draw", args=[world.session.pk]), {"count": 2})
    assert drawn.status_code == 302
    world.session.refresh_from_db()
    page = bureau.get(reverse("assessment:session", args=[world.session.pk])).content.decode()
    assert f"/experts/draws/{world.session.draw_id}/" in page
    examiner = _client(helpers.drawn_users(world.session)[0])
    assert examiner.get(reverse("assessment:mine")).status_code == 200
    url = reverse("assessment:scores", args=[world.session.pk, "theory"])
    assert examiner.get(url).status_code == 200
    a, b, c = world.candidates
    bad = examiner.post(url, {f"score_{a.pk}": "120", f"score_{b.pk}": "60"})
    assert bad.status_code == 400
    assert a.person.name in bad.content.decode()
    assert not Score.objects.exists()
    good = examiner.post(url, {f"score_{a.pk}": "88", f"score_{b.pk}": "60"})
    assert good.status_code == 302
    assert Score.objects.count() == 2
    idle = next(
        e
        for e in world.experts
        if e.user_id not in {u.pk for u in helpers.drawn_users(world.session)}
    )
    assert _client(idle.user).get(url).status_code == 404


def test_bureau_assigns_a_supervisor_who_records_a_finding(
    world: helpers.World, reviewer: Any
) -> None:
    from jineng.assessment import services
    from jineng.assessment.models import SupervisionFinding

    services.file_plan(world.evaluator, world.session.pk)
    bureau = _client(world.admin)
    url = reverse("assessment:supervisor", args=[world.session.pk])
    assert bureau.post(url, {"supervisor": ""}).status_code == 400
    assigned = bureau.post(url, {"supervisor": reviewer.pk})
    assert assigned.status_code == 302
    world.session.refresh_from_db()
    assert world.session.supervisor == reviewer
    supervisor = _client(reviewer)
    finding_url = reverse("assessment:finding", args=[world.session.pk])
    assert supervisor.post(finding_url, {"severity": "note", "text": ""}).status_code == 400
    recorded = supervisor.post(finding_url, {"severity": "note", "text": "考场秩序良好"})
    assert recorded.status_code == 302
    finding = SupervisionFinding.objects.get()
    assert (finding.supervisor, finding.text) == (reviewer, "考场秩序良好")
    # The evaluator records no findings on its own session.
    assert _client(world.evaluator).post(
        finding_url, {"severity": "note", "text": "自评"}
    ).status_code in (403, 404)
    assert SupervisionFinding.objects.count() == 1


def test_a_locked_score_changes_on_one_admins_reason_and_anothers_approval(
    world: helpers.World, second_admin: Any
) -> None:
    from jineng.assessment import services
    from jineng.assessment.models import ScoreChange

    session = helpers.filed_and_drawn(world)
    examiner = helpers.drawn_users(session)[0]
    for component in ("theory", "practical"):
        services.enter_scores(examiner, session.pk, component, {c.pk: 70 for c in world.candidates})
    services.close_session(world.evaluator, session.pk)
    score = Score.objects.filter(candidate=world.candidates[0], component__key="theory").get()
    first = _client(world.admin)
    ask = reverse("assessment:request_change", args=[session.pk])
    no_reason = first.post(ask, {"score": score.pk, "new_value": "75", "reason": ""})
    assert no_reason.status_code == 400
    asked = first.post(ask, {"score": score.pk, "new_value": "75", "reason": "复核漏计一题"})
    assert asked.status_code == 302
    change = ScoreChange.objects.get()
    decide = reverse("assessment:decide_change", args=[change.pk])
    # The one who asked cannot approve.
    first.post(decide, {"decision": "approve", "note": ""})
    change.refresh_from_db()
    assert change.status == "requested"
    assert _client(second_admin).get(reverse("assessment:changes")).status_code == 200
    _client(second_admin).post(decide, {"decision": "approve", "note": "同意"})
    change.refresh_from_db()
    score.refresh_from_db()
    assert (change.status, change.approved_by, str(score.value)) == (
        "approved",
        second_admin,
        "75.00",
    )
