"""The demo city's public money: a class claim paid through every step, planted fraud held.

`jineng demo` holds two subsidised classes weeks ago. The first, attended as trainees attend,
is claimed, reviewed twice, shown in its public notice, confirmed by each trainee on their
phone, approved and paid, with the ledger balanced. The second had every check-in of a
session made on one phone: its claim is held on submission by the rules that catch it, and
the scan over the demo city finds it and leaves the clean class alone.
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from jineng.core.models import AuditEvent
from jineng.fraud.models import Alert
from jineng.funds import queries as funds
from jineng.funds.models import LedgerTransaction
from jineng.subsidies.choices import ClaimStatus, Confirmation
from jineng.subsidies.models import Claim
from jineng.training.models import TrainingClass
from jineng.training.tests.conftest import levels, occupations

__all__ = ["levels", "occupations"]
pytestmark = pytest.mark.django_db


@pytest.fixture
def demo(city, target_groups, occupations, levels) -> str:
    out = io.StringIO()
    call_command("demo", "--people", "60", "--force", stdout=out)
    return out.getvalue()


def _claim_of(code: str) -> Claim:
    return Claim.objects.get(training_class__code=code)


def test_the_clean_class_claim_is_paid_after_every_step(demo):
    claim = _claim_of("DEMO-DONE-A")
    assert claim.status == ClaimStatus.PAID
    lines = claim.lines.filter(active=True)
    # Six trainees sat the class; one missed two sessions and did not complete.
    assert lines.count() == 5
    assert [row["rule"] for row in claim.ineligible] == ["eligibility"]
    assert set(lines.values_list("confirmation", flat=True)) == {Confirmation.CONFIRMED}
    assert claim.total_fen == sum(lines.values_list("amount_fen", flat=True)) > 0
    steps = {claim.submitted_by_id, claim.approved_by_id, claim.paid_by_id}
    assert len(steps) == 3
    actions = list(
        AuditEvent.objects.filter(object_type="subsidies.claim", object_id=str(claim.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [
        "subsidies.claim.submitted",
        "subsidies.claim.first_reviewed",
        "subsidies.claim.second_reviewed",
        "subsidies.claim.notice_started",
        "subsidies.claim.approved",
        "subsidies.claim.paid",
    ]
    assert funds.paid_fen(claim.reference) == claim.total_fen
    report = funds.reconciliation()
    assert report.is_reconciled, [r.checks for r in report.rows]
    # The scan over the demo city found nothing in the clean class.
    concerning = [
        (alert.rule_code, alert.summary)
        for alert in Alert.objects.all()
        if claim.training_class_id in alert.class_ids
    ]
    assert concerning == []


def test_the_planted_class_claim_is_held_and_a_second_run_adds_nothing(demo):
    claim = _claim_of("DEMO-DONE-B")
    assert claim.status == ClaimStatus.SUBMITTED
    planted = TrainingClass.objects.get(code="DEMO-DONE-B")
    holding = {
        Alert.objects.get(pk=int(hold.source.split(":")[1])).rule_code
        for hold in claim.holds.filter(released_at__isnull=True)
    }
    assert holding == {"R10", "R17"}
    sessions = set(planted.sessions.values_list("pk", flat=True))
    one_phone = Alert.objects.filter(rule_code="R17")
    assert {alert.subject_id for alert in one_phone} == sessions
    assert funds.paid_fen(claim.reference) == 0

    def counts() -> tuple[int, int, int]:
        return Claim.objects.count(), Alert.objects.count(), LedgerTransaction.objects.count()

    before = counts()
    call_command("demo", "--people", "60", "--force", stdout=io.StringIO())
    assert counts() == before
