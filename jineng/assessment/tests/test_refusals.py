"""Regression tests of what a refusal shows and what closing records (attack-assess F6, F7, F9)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from jineng.assessment import services
from jineng.assessment.errors import ScoreOutOfRange
from jineng.assessment.models import Score
from jineng.assessment.tests import helpers


def test_a_refused_score_echoes_only_its_start(world: helpers.World, client: Any) -> None:
    session = helpers.filed_and_drawn(world, count=2)
    user = helpers.drawn_users(session)[0]
    candidate = world.candidates[0]
    huge = "9" * 100_000
    with translation.override("en"), pytest.raises(ScoreOutOfRange) as refused:
        services.enter_scores(user, session.pk, "theory", {candidate.pk: huge})
    assert str(refused.value.detail) == (
        f"{candidate.person.name}, Theory test: 999999999999… is outside 0 to 100.00 "
        "(two decimals at most)."
    ).replace("Theory test", session.components.get(key="theory").name)
    with translation.override("en"), pytest.raises(ScoreOutOfRange) as refused:
        services.enter_scores(user, session.pk, "theory", {candidate.pk: "x" * 5000})
    assert "“xxxxxxxxxxxx…” is not a number." in str(refused.value.detail)
    client.force_login(user)
    response = client.post(
        f"/assessment/{session.pk}/scores/theory", {f"score_{candidate.pk}": huge}
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "9" * 13 not in body
    assert "999999999999…" in body  # the refusal
    assert 'value="999999999999"' in body  # the cell, shown back cut to what a score can be
    assert not Score.objects.filter(candidate__session=session).exists()
