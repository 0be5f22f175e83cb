"""Separation of duties for every pair of steps: no account takes two steps of one claim.

The services refuse it in words (test_services_refuse_*), and the table refuses it again
when a write goes around them (test_the_table_refuses_*). To prove the rule rather than the
roles, one account here is given every claim capability: only separation of duties stops it.
"""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from django.db import IntegrityError, transaction

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import ROLE_CAPABILITIES, Capability, Role
from jineng.core.errors import PermissionDenied
from jineng.subsidies import services
from jineng.subsidies.models import Claim
from jineng.subsidies.tests.conftest import PAYEE, Crew, StubAmounts, confirm_all, end_notice
from jineng.training.models import TrainingClass

pytestmark = pytest.mark.django_db

STEPS = ("submit", "first_review", "second_review", "approve", "pay")
PAIRS = list(itertools.combinations(STEPS, 2))
FIELDS = {
    "submit": "submitted_by",
    "first_review": "first_reviewed_by",
    "second_review": "second_reviewed_by",
    "approve": "approved_by",
    "pay": "paid_by",
}
EVERY_CLAIM_CAPABILITY = frozenset(
    {
        Capability.CLAIM_SUBSIDIES,
        Capability.REVIEW_CLAIMS,
        Capability.APPROVE_CLAIMS,
        Capability.PAY_CLAIMS,
        Capability.VIEW_SUBSIDIES,
        Capability.MANAGE_CLASSES,
    }
)


@pytest.fixture
def omni(monkeypatch: pytest.MonkeyPatch, school_a: Any) -> User:
    """Institution staff whose role, for this test, grants every claim capability."""
    monkeypatch.setitem(
        ROLE_CAPABILITIES,
        Role.INSTITUTION_STAFF,
        ROLE_CAPABILITIES[Role.INSTITUTION_STAFF] | EVERY_CLAIM_CAPABILITY,
    )
    return make_user("omni", Role.INSTITUTION_STAFF, organization=school_a)


def _take(step: str, claim: Claim | None, actor: User, training_class: TrainingClass) -> Claim:
    if step == "submit":
        return services.submit_class_claim(training_class.pk, actor=actor)
    assert claim is not None
    if step == "first_review":
        return services.first_review(claim.pk, note="", actor=actor)
    if step == "second_review":
        claim = services.second_review(claim.pk, note="", actor=actor)
        return services.start_notice(claim.pk, actor=actor)
    if step == "approve":
        confirm_all(claim)
        end_notice(claim)
        return services.approve(claim.pk, actor=actor)
    [paid] = services.pay([claim.pk], batch_reference="B-1", payees={claim.pk: PAYEE}, actor=actor)
    return paid


@pytest.mark.parametrize(("earlier", "later"), PAIRS, ids=lambda s: s)
def test_services_refuse_the_same_account_two_steps(
    earlier: str,
    later: str,
    omni: User,
    crew: Crew,
    a_class: TrainingClass,
    rule_set: Any,
    budget: Any,
    stub_amounts: StubAmounts,
) -> None:
    others = dict(
        zip(
            STEPS,
            (crew.submitter, crew.first, crew.second, crew.approver, crew.payer),
            strict=False,
        )
    )
    claim: Claim | None = None
    for step in STEPS[: STEPS.index(later)]:
        claim = _take(step, claim, omni if step == earlier else others[step], a_class)
    assert claim is not None
    with pytest.raises(PermissionDenied, match="separation of duties"):
        _take(later, claim, omni, a_class)
    claim.refresh_from_db()
    assert getattr(claim, f"{FIELDS[later]}_id") is None
    # Someone else may take the step.
    _take(later, claim, others[later], a_class)


@pytest.mark.parametrize(("earlier", "later"), PAIRS, ids=lambda s: s)
def test_the_table_refuses_the_same_account_two_steps(
    earlier: str,
    later: str,
    crew: Crew,
    a_class: TrainingClass,
    rule_set: Any,
    stub_amounts: StubAmounts,
) -> None:
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    distinct = {
        "submitted_by": crew.submitter,
        "first_reviewed_by": crew.first,
        "second_reviewed_by": crew.second,
        "approved_by": crew.approver,
        "paid_by": crew.payer,
    }
    # Every step taken by its own account is allowed …
    Claim.objects.filter(pk=claim.pk).update(**distinct)
    # … but not one account taking the later step as well as the earlier.
    twice = {**distinct, FIELDS[later]: distinct[FIELDS[earlier]]}
    with pytest.raises(IntegrityError), transaction.atomic():
        Claim.objects.filter(pk=claim.pk).update(**twice)


def test_no_account_rejects_a_claim_it_submitted(
    omni: User, a_class: TrainingClass, rule_set: Any, stub_amounts: StubAmounts
) -> None:
    claim = services.submit_class_claim(a_class.pk, actor=omni)
    with pytest.raises(PermissionDenied, match="someone else decides"):
        services.reject(claim.pk, reasons="撤回", actor=omni)
