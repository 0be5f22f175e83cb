"""Regression tests of the examiner draw and the examiner checks (attack-assess F1, F2, F3).

F1: a session takes only a draw it makes itself (never a standing draw made elsewhere), and
every draw stays listed on its page. F2: an examiner whose sign-in account belongs to the
evaluation body, or to a candidate's employer, neither joins the session nor scores it.
F3: a relation declared after the draw stops that examiner scoring that candidate, and the
bureau sees the conflict on the session's page.
"""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone, translation

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.assessment import services
from jineng.assessment.choices import SessionStatus
from jineng.assessment.errors import (
    ExaminerConflict,
    NotExaminer,
    RelatedToCandidate,
    StrayDraw,
)
from jineng.assessment.models import Score, SessionExaminer
from jineng.assessment.tests import helpers
from jineng.core.errors import DomainError
from jineng.experts import services as experts_services
from jineng.experts.models import Draw, DrawPick
from jineng.organizations.models import Organization, OrganizationKind


def _stray_draw(world: helpers.World, levels: Any, electrician: Any, experts: list[Any]) -> Draw:
    """A standing draw with the session's purpose, made elsewhere with no exclusions."""
    draw = Draw.objects.create(
        purpose=f"assessment-session:{world.session.pk}",
        occupation=electrician,
        level=levels["level4"],
        on_date=world.session.starts_on,
        count=len(experts),
        seed="chosen-by-hand",
        created_by=world.admin,
    )
    DrawPick.objects.bulk_create(
        DrawPick(draw=draw, expert=e, order=n) for n, e in enumerate(experts, start=1)
    )
    return draw


def test_a_standing_draw_made_elsewhere_is_never_adopted(
    world: helpers.World, evaluator_org: Any, levels: Any, electrician: Any, client: Any
) -> None:
    insider = helpers.make_expert(199, world.admin, electrician, levels["level3"], evaluator_org)
    services.file_plan(world.evaluator, world.session.pk)
    stray = _stray_draw(world, levels, electrician, [insider, *world.experts])
    with translation.override("en"), pytest.raises(StrayDraw) as refused:
        services.draw_session_examiners(world.admin, world.session.pk, count=2)
    assert f"Draw #{stray.pk}" in str(refused.value.detail)
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.FILED
    assert world.session.draw_id is None
    assert not SessionExaminer.objects.filter(session=world.session).exists()
    assert Draw.objects.filter(purpose=stray.purpose).count() == 1

    # Once that draw is cancelled, the session makes its own, with its own exclusions.
    Draw.objects.filter(pk=stray.pk).update(cancelled_at=timezone.now(), cancel_reason="手工抽取")
    session = services.draw_session_examiners(world.admin, world.session.pk, count=2)
    own = session.draw
    assert own is not None
    assert own.pk != stray.pk
    excluded, people = services.conflict_exclusions(session)
    assert set(own.excluded_organization_ids) == set(excluded)
    assert evaluator_org.pk in own.excluded_organization_ids
    assert set(own.candidate_person_ids) == set(people) == {c.person_id for c in world.candidates}
    assert (own.occupation_id, own.level_id, own.on_date, own.count) == (
        electrician.pk,
        levels["level4"].pk,
        session.starts_on,
        2,
    )
    examiners = list(session.examiners.values_list("expert_id", flat=True))
    assert len(examiners) == 2
    assert insider.pk not in examiners
    assert set(examiners) == set(own.picked_ids())

    # The page lists both draws: the cancelled one, with its reason, and the session's.
    client.force_login(world.admin)
    with translation.override("en"):
        page = client.get(f"/assessment/{session.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"/experts/draws/{stray.pk}/" in page
    assert "cancelled: 手工抽取" in page
    assert f"/experts/draws/{own.pk}/" in page
    assert "the session&#x27;s draw" in page or "the session's draw" in page


def test_evaluator_staff_account_is_not_drawn_into_its_own_session(
    world: helpers.World, evaluator_org: Any, levels: Any, electrician: Any
) -> None:
    person = helpers.make_person(198, world.admin)
    staff = make_user(
        "evaluator_staff_2", Role.EVALUATOR, organization=evaluator_org, person=person
    )
    expert = experts_services.create_expert(
        person, experts_services.ExpertInput(organization=None, user=staff), actor=world.admin
    )
    experts_services.add_occupation(expert.pk, electrician, levels["level3"], actor=world.admin)
    experts_services.add_qualification(
        expert.pk,
        experts_services.QualificationInput(
            kind="examiner",
            number="KP-STAFF",
            valid_from=datetime.date(2020, 1, 1),
            valid_until=datetime.date(2035, 12, 31),
        ),
        actor=world.admin,
    )
    services.file_plan(world.evaluator, world.session.pk)
    # Five of five would have to pick them: the session refuses (or the pool leaves them out).
    with pytest.raises(DomainError) as refused:
        services.draw_session_examiners(world.admin, world.session.pk, count=5)
    assert refused.value.code in {ExaminerConflict.code, "too_few_experts"}
    world.session.refresh_from_db()
    assert world.session.status == SessionStatus.FILED
    assert world.session.draw_id is None
    assert not SessionExaminer.objects.filter(session=world.session).exists()
    assert not Draw.objects.standing().filter(purpose=f"assessment-session:{world.session.pk}")


def test_an_examiner_whose_account_joined_the_evaluator_cannot_score(
    world: helpers.World, evaluator_org: Any
) -> None:
    session = helpers.filed_and_drawn(world, count=2)
    user = helpers.drawn_users(session)[0]
    user.organization = evaluator_org  # the account moved to the evaluation body after the draw
    user.save(update_fields=["organization"])
    candidate = world.candidates[0]
    with translation.override("en"), pytest.raises(NotExaminer) as refused:
        services.enter_scores(user, session.pk, "theory", {candidate.pk: "100"})
    assert str(refused.value.detail) == (
        "Staff of the evaluation body cannot examine its own session."
    )
    assert not Score.objects.filter(candidate__session=session).exists()


def test_an_examiner_whose_account_is_a_candidates_employer_cannot_score(
    world: helpers.World,
) -> None:
    from jineng.people.locks import person_for_update
    from jineng.people.services import tie_to_organization

    employer = Organization.objects.create(
        credit_code="91220581MA0000007X", name="梅河口市某电器厂", kind=OrganizationKind.ENTERPRISE
    )
    candidate = world.candidates[1]
    session = helpers.filed_and_drawn(world, count=2)
    from django.db import transaction

    with transaction.atomic():
        person_for_update(candidate.person_id)
        tie_to_organization(
            candidate.person, employer.pk, kind="employee", basis="registered", actor=world.admin
        )
    user = helpers.drawn_users(session)[0]
    user.organization = employer
    user.save(update_fields=["organization"])
    with translation.override("en"), pytest.raises(NotExaminer) as refused:
        services.enter_scores(user, session.pk, "theory", {world.candidates[0].pk: "90"})
    assert "a candidate's training institution or employer" in str(refused.value.detail)
    assert not Score.objects.filter(candidate__session=session).exists()


def test_a_relation_declared_after_the_draw_stops_scoring_that_candidate(
    world: helpers.World, client: Any
) -> None:
    session = helpers.filed_and_drawn(world, count=2)
    examiner = session.examiners.select_related("expert__user", "expert__person").first().expert
    relative, other = world.candidates[0], world.candidates[1]
    experts_services.declare_relation(examiner.pk, relative.person, "family", actor=examiner.user)
    with translation.override("en"), pytest.raises(RelatedToCandidate) as refused:
        services.enter_scores(
            examiner.user, session.pk, "theory", {relative.pk: "100", other.pk: "70"}
        )
    detail = str(refused.value.detail)
    assert detail == (
        f"You have declared a relation to {relative.person.name}, so you may not score them; "
        "leave their score to another examiner."
    )
    assert "family" not in detail.lower()
    assert refused.value.field == f"score_{relative.pk}"
    assert not Score.objects.filter(candidate__session=session).exists()  # all or nothing
    # The others they may still score, leaving the relative blank.
    saved = services.enter_scores(
        examiner.user, session.pk, "theory", {relative.pk: "", other.pk: "70"}
    )
    assert [(s.candidate_id, str(s.value)) for s in saved] == [(other.pk, "70")]
    # On the grid page the refusal is shown in the grid (409), not as a forbidden page.
    client.force_login(examiner.user)
    with translation.override("en"):
        grid = client.post(
            f"/assessment/{session.pk}/scores/theory",
            {f"score_{relative.pk}": "95"},
            HTTP_ACCEPT_LANGUAGE="en",
        )
    assert grid.status_code == 400
    assert "so you may not score them" in grid.content.decode()
    assert not Score.objects.filter(candidate=relative).exists()

    # The bureau sees the conflict on the session's page; the evaluator does not.
    with translation.override("en"):
        client.force_login(world.admin)
        bureau_page = client.get(
            f"/assessment/{session.pk}/", HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
        client.force_login(world.evaluator)
        evaluator_page = client.get(
            f"/assessment/{session.pk}/", HTTP_ACCEPT_LANGUAGE="en"
        ).content.decode()
    line = f"{examiner.person.name} and candidate {relative.person.name}"
    assert "has declared a relation to a candidate" in bureau_page
    assert line in bureau_page
    assert line not in evaluator_page
