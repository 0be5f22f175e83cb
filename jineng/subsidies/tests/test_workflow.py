"""A class's claim through every step with exact state, and the steps' refusals."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone

from jineng.core.errors import InvalidTransition, NotFound, PermissionDenied
from jineng.core.models import AuditEvent
from jineng.funds import queries as funds_queries
from jineng.subsidies import services
from jineng.subsidies.choices import ClaimStatus, Confirmation
from jineng.subsidies.errors import Refused
from jineng.subsidies.models import Claim
from jineng.subsidies.tests.conftest import (
    BUDGET_FEN,
    LINE_FEN,
    PAYEE,
    Crew,
    StubAmounts,
    confirm_all,
    end_notice,
    finished_class,
    to_approved,
    to_notice,
    worker_of,
)
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import TrainingClass

pytestmark = pytest.mark.django_db


def actions(claim: Claim) -> list[str]:
    return list(
        AuditEvent.objects.filter(object_type="subsidies.claim", object_id=str(claim.pk))
        .order_by("created_at", "pk")
        .values_list("action", flat=True)
    )


def test_a_class_claim_goes_through_review_notice_confirmation_and_payment(
    a_class: TrainingClass,
    rule_set: Any,
    budget: Any,
    crew: Crew,
    stub_amounts: StubAmounts,
) -> None:
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)

    completers = list(a_class.enrolments.filter(status=EnrolmentStatus.COMPLETED).order_by("pk"))
    dropped = a_class.enrolments.get(status=EnrolmentStatus.NOT_COMPLETED)
    assert claim.status == ClaimStatus.SUBMITTED
    assert claim.number == f"BT{timezone.localdate().year}-000001"
    assert claim.total_fen == 2 * LINE_FEN
    assert claim.rule_set == rule_set
    assert claim.organization_id == a_class.programme.organization_id
    assert claim.fund_source == "employment_fund"
    assert [
        (line.enrolment_id, line.amount_fen, line.confirmation) for line in claim.lines.all()
    ] == [(e.pk, LINE_FEN, Confirmation.PENDING) for e in completers]
    assert claim.lines.first().computation[0] == {  # type: ignore[union-attr]
        "text": "Example standard of rule set v1",
        "amount_fen": LINE_FEN,
    }
    assert claim.ineligible == [
        {
            "person_id": dropped.person_id,
            "enrolment_id": dropped.pk,
            "rule": "eligibility",
            "reason": "Did not complete the class: no subsidy.",
        }
    ]
    services.first_review(claim.pk, note="材料齐全", actor=crew.first)
    services.second_review(claim.pk, note="复核无误", actor=crew.second)
    claim = services.start_notice(claim.pk, actor=crew.second)
    assert claim.status == ClaimStatus.IN_NOTICE
    assert claim.notice_starts_on == timezone.localdate()
    assert (claim.notice_ends_on - claim.notice_starts_on).days == 6  # type: ignore[operator]

    with pytest.raises(InvalidTransition, match="runs until"):
        services.approve(claim.pk, actor=crew.approver)
    end_notice(claim)
    with pytest.raises(InvalidTransition, match="2 worker\\(s\\) have not confirmed"):
        services.approve(claim.pk, actor=crew.approver)
    confirm_all(claim)

    claim = services.approve(claim.pk, actor=crew.approver)
    assert claim.status == ClaimStatus.APPROVED
    assert claim.approved_by == crew.approver
    assert funds_queries.is_committed(claim.reference)

    [paid] = services.pay(
        [claim.pk], batch_reference="PAY-2026-001", payees={claim.pk: PAYEE}, actor=crew.payer
    )
    assert paid.status == ClaimStatus.PAID
    assert paid.payment_reference == "PAY-2026-001"
    assert paid.paid_by == crew.payer
    assert funds_queries.paid_fen(claim.reference) == 2 * LINE_FEN
    # The ledger balances: what was committed is paid, the rest is still available.
    [row] = [r for r in funds_queries.balances(timezone.localdate().year) if r.budget]
    assert (row.budget, row.committed, row.paid, row.available) == (
        BUDGET_FEN,
        0,
        2 * LINE_FEN,
        BUDGET_FEN - 2 * LINE_FEN,
    )
    assert actions(claim) == [
        "subsidies.claim.submitted",
        "subsidies.claim.first_reviewed",
        "subsidies.claim.second_reviewed",
        "subsidies.claim.notice_started",
        "subsidies.claim.approved",
        "subsidies.claim.paid",
    ]


def test_a_claim_before_the_class_ended_is_refused_naming_r29(
    school_a: Any, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    running = finished_class(school_a, code="C-RUN", ended=-5, status=ClassStatus.RUNNING)
    with pytest.raises(Refused) as refused:
        services.submit_class_claim(running.pk, actor=crew.submitter)
    assert refused.value.rule == "R29"
    assert Claim.objects.count() == 0


def test_a_class_that_closed_but_ends_later_is_refused_too(
    school_a: Any, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    early = finished_class(school_a, code="C-EARLY", ended=-2)
    with pytest.raises(Refused, match="R29"):
        services.submit_class_claim(early.pk, actor=crew.submitter)


def test_refused_completers_are_listed_with_their_rule(
    a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    first = a_class.enrolments.filter(status=EnrolmentStatus.COMPLETED).order_by("pk").first()
    assert first is not None
    stub_amounts.refused[first.pk] = ("R22", "More hours claimed than attended (R22).")

    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)

    assert claim.lines.count() == 1
    assert claim.total_fen == LINE_FEN
    assert {"enrolment_id": first.pk, "rule": "R22"}.items() <= claim.ineligible[0].items()


def test_nobody_eligible_refuses_the_claim(
    a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    for enrolment in a_class.enrolments.filter(status=EnrolmentStatus.COMPLETED):
        stub_amounts.refused[enrolment.pk] = ("cap", "Past the cap of trainings a year.")
    with pytest.raises(Refused) as refused:
        services.submit_class_claim(a_class.pk, actor=crew.submitter)
    assert refused.value.rule == "eligibility"
    assert Claim.objects.count() == 0


def test_the_same_class_cannot_be_claimed_twice_while_its_claim_is_live(
    a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    services.submit_class_claim(a_class.pk, actor=crew.submitter)
    with pytest.raises(Exception, match="R09"):
        services.submit_class_claim(a_class.pk, actor=crew.submitter)


def test_another_institution_cannot_claim_for_the_class(
    a_class: TrainingClass, rule_set: Any, staff_b: Any, stub_amounts: StubAmounts
) -> None:
    with pytest.raises(NotFound):
        services.submit_class_claim(a_class.pk, actor=staff_b)


def test_a_reviewer_cannot_submit_and_a_submitter_cannot_review(
    a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    with pytest.raises((PermissionDenied, NotFound)):
        services.submit_class_claim(a_class.pk, actor=crew.first)
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    with pytest.raises((PermissionDenied, NotFound)):
        services.first_review(claim.pk, note="", actor=crew.approver)


def test_steps_out_of_order_are_refused(
    a_class: TrainingClass, rule_set: Any, budget: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    with pytest.raises(InvalidTransition, match="Submitted"):
        services.second_review(claim.pk, note="", actor=crew.second)
    with pytest.raises(InvalidTransition):
        services.start_notice(claim.pk, actor=crew.second)
    with pytest.raises(InvalidTransition):
        services.approve(claim.pk, actor=crew.approver)
    with pytest.raises(InvalidTransition):
        services.pay([claim.pk], batch_reference="B1", payees={claim.pk: PAYEE}, actor=crew.payer)


def test_rejecting_an_approved_claim_releases_its_commitment_and_frees_its_people(
    a_class: TrainingClass, rule_set: Any, budget: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    to_approved(claim, crew)
    assert funds_queries.is_committed(claim.reference)

    with pytest.raises(PermissionDenied, match="only the bureau"):
        services.reject(claim.pk, reasons="材料不实", actor=crew.first)
    claim = services.reject(claim.pk, reasons="材料不实", actor=crew.approver)

    assert claim.status == ClaimStatus.REJECTED
    assert claim.rejection_reasons == "材料不实"
    assert not funds_queries.is_committed(claim.reference)
    assert not claim.lines.filter(active=True).exists()
    # The people may be claimed for again, correctly.
    again = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    assert again.lines.count() == 2


def test_a_rejection_needs_reasons(
    a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    with pytest.raises(Exception, match="required"):
        services.reject(claim.pk, reasons="  ", actor=crew.first)


def test_a_paid_claim_cannot_be_rejected(
    a_class: TrainingClass, rule_set: Any, budget: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    to_approved(claim, crew)
    services.pay([claim.pk], batch_reference="B1", payees={claim.pk: PAYEE}, actor=crew.payer)
    with pytest.raises(InvalidTransition, match="Paid"):
        services.reject(claim.pk, reasons="晚了", actor=crew.approver)


def test_a_worker_confirms_only_their_own_line(
    a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    mine, theirs = claim.lines.order_by("pk")
    me = worker_of(mine.person_id)
    with pytest.raises(NotFound):
        services.confirm_line(theirs.pk, actor=me)
    line = services.confirm_line(mine.pk, actor=me)
    assert line.confirmation == Confirmation.CONFIRMED
    assert line.confirmed_at is not None


def test_pay_without_payee_writes_nothing(
    a_class: TrainingClass, rule_set: Any, budget: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    to_approved(claim, crew)
    with pytest.raises(Exception, match="payee"):
        services.pay([claim.pk], batch_reference="B1", payees={}, actor=crew.payer)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    assert funds_queries.paid_fen(claim.reference) == 0


def test_notice_and_to_notice_helpers_agree(
    a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    claim = to_notice(services.submit_class_claim(a_class.pk, actor=crew.submitter), crew)
    assert claim.status == ClaimStatus.IN_NOTICE


@pytest.mark.parametrize("bad", ["abc", "", None, -1, 0, 2**70, "1; DROP TABLE"])
def test_bad_ids_answer_as_missing(
    bad: Any, a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    with pytest.raises(NotFound):
        services.first_review(bad, note="", actor=crew.first)
    with pytest.raises(NotFound):
        services.confirm_line(bad, actor=crew.first)
    with pytest.raises(NotFound):
        services.resolve_objection(bad, upheld=False, resolution="x", actor=crew.first)
    with pytest.raises(NotFound):
        services.pay([bad], batch_reference="B", payees={}, actor=crew.payer)
    with pytest.raises(NotFound):
        services.submit_class_claim(bad, actor=crew.submitter)


def test_a_note_too_long_is_refused(
    a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    with pytest.raises(Exception, match="2000"):
        services.first_review(claim.pk, note="长" * 2001, actor=crew.first)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def _second_claim(school_a: Any, city: Any, crew: Crew) -> Claim:
    from jineng.subsidies.tests.conftest import enrol, new_person

    other = finished_class(school_a, code="C-BT-2")
    person = new_person(city)
    enrol(other, person, EnrolmentStatus.COMPLETED)
    return services.submit_class_claim(other.pk, actor=crew.submitter)


def test_a_batch_with_one_held_claim_pays_none(
    a_class: TrainingClass,
    school_a: Any,
    city: Any,
    rule_set: Any,
    budget: Any,
    crew: Crew,
    stub_amounts: StubAmounts,
) -> None:
    first = to_approved(services.submit_class_claim(a_class.pk, actor=crew.submitter), crew)
    second = to_approved(_second_claim(school_a, city, crew), crew)
    services.hold_claims(
        person_ids=[],
        class_ids=[second.training_class_id],
        organization_ids=[],
        source="fraud.alert:9",
        reason="R15",
        actor=None,
    )
    with pytest.raises(InvalidTransition, match=second.number):
        services.pay(
            [first.pk, second.pk],
            batch_reference="B-2",
            payees={first.pk: PAYEE, second.pk: PAYEE},
            actor=crew.payer,
        )
    assert set(Claim.objects.values_list("status", flat=True)) == {ClaimStatus.APPROVED}
    assert funds_queries.paid_fen(first.reference) == 0


def test_a_payment_the_fund_refuses_marks_nothing_paid(
    a_class: TrainingClass, rule_set: Any, budget: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    from jineng.funds.errors import PaymentRefused

    claim = to_approved(services.submit_class_claim(a_class.pk, actor=crew.submitter), crew)
    bad = services.Payee(name="甲学校", account="not-an-account", bank="工商银行")
    with pytest.raises(PaymentRefused):
        services.pay([claim.pk], batch_reference="B-3", payees={claim.pk: bad}, actor=crew.payer)
    claim.refresh_from_db()
    assert (claim.status, claim.paid_by_id, claim.payment_reference) == (
        ClaimStatus.APPROVED,
        None,
        "",
    )
    assert funds_queries.paid_fen(claim.reference) == 0


def test_an_approval_the_budget_cannot_cover_is_refused_and_nothing_moves(
    a_class: TrainingClass, rule_set: Any, budget: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    from jineng.funds.errors import InsufficientFunds

    stub_amounts.amount_fen = 600_000  # two lines: 12,000 yuan against a 10,000 yuan budget
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    with pytest.raises(InsufficientFunds, match="available"):
        to_approved(claim, crew)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.IN_NOTICE
    assert claim.approved_by_id is None
    assert not funds_queries.is_committed(claim.reference)
