"""Who sees which claim, line, hold and objection; out of scope answers like missing."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from jineng.accounts.models import User
from jineng.core.errors import NotFound
from jineng.subsidies import access, objections, queries, services
from jineng.subsidies.choices import RuleSetStatus
from jineng.subsidies.models import Claim, ClaimLine, RuleSet
from jineng.subsidies.tests.conftest import (
    Crew,
    StubAmounts,
    confirm_all,
    end_notice,
    to_notice,
    worker_of,
)
from jineng.training.models import TrainingClass

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts) -> Claim:
    return services.submit_class_claim(a_class.pk, actor=crew.submitter)


def _message(call: Any) -> str:
    with pytest.raises(NotFound) as caught:
        call()
    return str(caught.value.detail)


def test_another_institution_gets_not_found_exactly_like_a_missing_claim(
    claim: Claim, staff_b: User
) -> None:
    hidden = _message(lambda: access.get_claim_for_user(staff_b, claim.pk))
    missing = _message(lambda: access.get_claim_for_user(staff_b, 10**9))
    assert hidden == missing == "No such claim."
    assert not access.claims_for_user(staff_b).exists()
    assert not access.lines_for_user(staff_b).exists()
    with pytest.raises(NotFound):
        access.get_claim_by_number_for_user(staff_b, claim.number)


def test_the_institution_sees_its_claim_and_every_line(claim: Claim, crew: Crew) -> None:
    assert access.get_claim_for_user(crew.submitter, claim.pk) == claim
    assert access.lines_for_user(crew.submitter, claim).count() == 2


@pytest.mark.parametrize("who", ["reviewer", "auditor", "bureau_admin", "finance"])
def test_overseers_see_every_claim(claim: Claim, who: str, request: Any) -> None:
    user = request.getfixturevalue(who)
    assert list(access.claims_for_user(user)) == [claim]
    assert access.lines_for_user(user, claim).count() == 2


def test_an_auditor_may_not_change_a_claim(claim: Claim, auditor: User) -> None:
    with pytest.raises(NotFound):
        access.get_claim_for_user(auditor, claim.pk, action="change")


def test_a_worker_sees_the_claim_in_their_name_but_only_their_own_line(claim: Claim) -> None:
    mine, theirs = claim.lines.order_by("pk")
    me = worker_of(mine.person_id)
    assert access.get_claim_for_user(me, claim.pk) == claim
    assert list(access.lines_for_user(me, claim)) == [mine]
    assert access.get_line_for_user(me, mine.pk) == mine
    assert _message(lambda: access.get_line_for_user(me, theirs.pk)) == _message(
        lambda: access.get_line_for_user(me, 10**9)
    )


def test_a_worker_of_no_line_sees_nothing(claim: Claim, worker: User) -> None:
    with pytest.raises(NotFound):
        access.get_claim_for_user(worker, claim.pk)
    assert not ClaimLine.objects.visible_to(worker).exists()


def test_a_visitor_sees_no_claim_but_the_published_rule_sets(
    claim: Claim, rule_set: RuleSet
) -> None:
    visitor = AnonymousUser()
    assert not access.claims_for_user(visitor).exists()
    draft = RuleSet.objects.create(
        number=2, title="草案", status=RuleSetStatus.DRAFT, effective_from=rule_set.effective_from
    )
    assert list(access.rule_sets_for_user(visitor)) == [rule_set]
    with pytest.raises(NotFound):
        access.get_rule_set_for_user(visitor, draft.pk)


def test_holds_follow_the_claim_a_worker_sees(claim: Claim, staff_b: User) -> None:
    services.hold_claims(
        person_ids=[],
        class_ids=[claim.training_class_id],
        organization_ids=[],
        source="fraud.alert:1",
        reason="R13",
        actor=None,
    )
    mine = claim.lines.order_by("pk").first()
    assert mine is not None
    assert access.holds_for_user(worker_of(mine.person_id)).count() == 1
    assert not access.holds_for_user(staff_b).exists()


def test_objections_show_their_contact_to_reviewers_only(claim: Claim, crew: Crew) -> None:
    to_notice(claim, crew)
    objection = services.raise_objection(claim.number, text="不实", contact="13900001111")
    assert list(access.objections_for_user(crew.submitter, claim)) == [objection]
    with pytest.raises(NotFound):
        objections.reveal_contact(objection.pk, actor=crew.submitter, purpose="回访")
    assert objections.reveal_contact(objection.pk, actor=crew.first, purpose="回访") == (
        "13900001111"
    )
    assert list(queries.open_objections(crew.first)) == [objection]
    assert not queries.open_objections(crew.submitter).exists()


def test_each_viewer_sees_the_queue_of_the_step_they_may_take(
    claim: Claim, crew: Crew, budget: Any
) -> None:
    assert list(queries.queue(crew.first, queries.FIRST_REVIEW)) == [claim]
    assert not queries.queue(crew.submitter, queries.FIRST_REVIEW).exists()
    assert not queries.queue(crew.approver, queries.FIRST_REVIEW).exists()
    services.first_review(claim.pk, note="", actor=crew.first)
    # The first reviewer does not see it waiting for the second review: someone else takes it.
    assert not queries.queue(crew.first, queries.SECOND_REVIEW).exists()
    assert list(queries.queue(crew.second, queries.SECOND_REVIEW)) == [claim]
    services.second_review(claim.pk, note="", actor=crew.second)
    services.start_notice(claim.pk, actor=crew.second)
    assert list(queries.claims_in_force()) == [claim]
    assert [row.name[0] for row in queries.notice_rows(claim)] == ["学", "学"]
    assert "*" in queries.notice_rows(claim)[0].name
    confirm_all(claim)
    assert not queries.queue(crew.approver, queries.APPROVE).exists()  # notice still runs
    end_notice(claim)
    assert list(queries.queue(crew.approver, queries.APPROVE)) == [claim]
    assert queries.next_steps(claim, crew.approver) == [queries.APPROVE, queries.REJECT]
    services.approve(claim.pk, actor=crew.approver)
    assert list(queries.queue(crew.payer, queries.PAY)) == [claim]
    assert list(queries.queues(crew.payer)) == [queries.PAY]


def test_a_workers_record_lists_every_line_in_their_name(claim: Claim) -> None:
    mine = claim.lines.order_by("pk").first()
    assert mine is not None
    assert list(queries.lines_for_person(mine.person)) == [mine]


def test_a_reviewer_limited_to_a_town_sees_only_claims_there(claim: Claim, city: Any) -> None:
    from conftest import make_user
    from jineng.accounts.roles import Role
    from jineng.regions.models import Region

    elsewhere = make_user(
        "reviewer_town", Role.REVIEWER, region=Region.objects.get(code="220581100")
    )
    county = make_user("reviewer_county", Role.REVIEWER, region=city)
    # A class's claim lies where the class is held (its township), inside the county.
    TrainingClass.objects.filter(pk=claim.training_class_id).update(
        region=Region.objects.get(code="220581001")
    )
    assert not access.claims_for_user(elsewhere).exists()
    with pytest.raises(NotFound):
        access.get_claim_for_user(elsewhere, claim.pk)
    assert list(access.claims_for_user(county)) == [claim]
    assert access.lines_for_user(county, claim).count() == 2
    assert not access.lines_for_user(elsewhere).exists()
