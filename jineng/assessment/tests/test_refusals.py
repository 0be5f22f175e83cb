"""Regression tests of what a refusal shows and what closing records (attack-assess F6, F7, F9)."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import translation

from jineng.assessment import services
from jineng.assessment.errors import NotEligible, ScoreOutOfRange
from jineng.assessment.models import Candidate, Result, Score
from jineng.assessment.tests import helpers
from jineng.core.errors import DomainError, ValidationFailed
from jineng.core.models import AuditEvent


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


def _young_person(bureau_admin: Any, *, education: str = "unknown") -> Any:
    """A person born 2005-01-01 (a valid 梅河口市 citizen ID)."""
    from jineng.people.services import PersonInput, register_person

    body = "22058120050101123"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return register_person(
        PersonInput(
            id_number=body + check, name="少年", region_code="220581001001", education=education
        ),
        actor=bureau_admin,
    )


def _most_years(day: datetime.date) -> int:
    age = day.year - 2005 - ((day.month, day.day) < (1, 1))
    return max(age - 16, 0)


def test_declared_years_cannot_exceed_the_working_life(
    accredited: Any, rules: None, evaluator: Any, bureau_admin: Any, electrician: Any, levels: Any
) -> None:
    young = _young_person(bureau_admin)
    session = services.create_session(
        evaluator, helpers.session_input(electrician, levels["level4"])
    )
    most = _most_years(session.starts_on)
    for years in (40, most + 1):
        with translation.override("en"), pytest.raises(ValidationFailed) as refused:
            services.add_applicant(
                evaluator,
                session.pk,
                services.ApplicantInput(
                    id_number=young.id_number, name="少年", years_in_occupation=years
                ),
            )
        assert str(refused.value.detail) == (
            f"At most {most} years in the occupation can be declared for 少年: years count "
            "from the age of 16."
        )
        assert refused.value.field == "years_in_occupation"
    assert not Candidate.objects.filter(session=session).exists()
    assert not AuditEvent.objects.filter(action="assessment.candidate.added").exists()


def test_the_registers_schooling_wins_over_the_declared_one(
    accredited: Any, rules: None, evaluator: Any, bureau_admin: Any, electrician: Any, levels: Any
) -> None:
    young = _young_person(bureau_admin, education="senior_secondary")
    session = services.create_session(
        evaluator, helpers.session_input(electrician, levels["level4"])
    )
    # Declaring 技校 (which would meet 四级 by schooling) does not replace the register's 高中.
    with translation.override("en"), pytest.raises(NotEligible) as refused:
        services.add_applicant(
            evaluator,
            session.pk,
            services.ApplicantInput(
                id_number=young.id_number, name="少年", education="secondary_vocational"
            ),
        )
    assert str(refused.value.detail).endswith(
        "Schooling: Senior secondary (高中), from the people register "
        "(declared: Secondary vocational (中职/技校))."
    )
    assert not Candidate.objects.filter(session=session).exists()


def test_a_declared_schooling_counts_when_the_register_has_none(
    accredited: Any, rules: None, evaluator: Any, bureau_admin: Any, electrician: Any, levels: Any
) -> None:
    young = _young_person(bureau_admin)
    session = services.create_session(
        evaluator, helpers.session_input(electrician, levels["level4"])
    )
    with translation.override("en"):
        candidate = services.add_applicant(
            evaluator,
            session.pk,
            services.ApplicantInput(
                id_number=young.id_number, name="少年", education="secondary_vocational"
            ),
        )
    assert candidate.education == "secondary_vocational"
    assert candidate.years_in_occupation is None
    assert candidate.eligibility_reason == (
        "取得技工学校或中等职业学校本专业毕业证书 Schooling: Secondary vocational (中职/技校), "
        "as declared."
    )


def test_closing_audits_each_result_and_scoring_has_its_own_event(world: helpers.World) -> None:
    session = helpers.filed_and_drawn(world, count=2)
    user = helpers.drawn_users(session)[0]
    a, b, c = world.candidates
    services.enter_scores(user, session.pk, "theory", {a.pk: "90", b.pk: "90", c.pk: "30"})
    started = AuditEvent.objects.filter(action="assessment.session.scoring_started")
    assert [(e.object_id, e.data["component"]) for e in started] == [(str(session.pk), "theory")]
    services.enter_scores(user, session.pk, "theory", {a.pk: "91"})
    assert started.count() == 1  # once, when scoring begins
    # A refused close writes no result.
    with pytest.raises(DomainError):
        services.close_session(world.evaluator, session.pk)
    assert not AuditEvent.objects.filter(action="assessment.result.decided").exists()
    services.enter_scores(user, session.pk, "practical", {a.pk: "80", b.pk: "20", c.pk: "80"})
    services.close_session(world.evaluator, session.pk)
    results = {r.candidate_id: r for r in Result.objects.filter(candidate__session=session)}
    events = AuditEvent.objects.filter(action="assessment.result.decided").order_by("pk")
    assert [(e.person_id, e.data) for e in events] == [
        (
            candidate.person_id,
            {
                "candidate": candidate.pk,
                "result": results[candidate.pk].pk,
                "passed": passed,
                "scores": scores,
            },
        )
        for candidate, passed, scores in (
            (a, True, {"theory": "91.00", "practical": "80.00"}),
            (b, False, {"theory": "90.00", "practical": "20.00"}),
            (c, False, {"theory": "30.00", "practical": "80.00"}),
        )
    ]
    closed = AuditEvent.objects.get(action="assessment.session.closed")
    assert closed.data == {"candidates": 3, "passed": 1, "failed": 2}
