"""Holds (fraud's and objections'), the worker's confirm and dispute, public objections."""

from __future__ import annotations

from typing import Any

import pytest

from jineng.core import pii
from jineng.core.errors import InvalidTransition, NotFound, PermissionDenied
from jineng.core.models import AuditEvent
from jineng.funds import queries as funds_queries
from jineng.subsidies import objections, queries, services
from jineng.subsidies.choices import (
    ClaimStatus,
    Confirmation,
    ObjectionKind,
    ObjectionStatus,
)
from jineng.subsidies.models import Claim, ClaimHold
from jineng.subsidies.tests.conftest import (
    LINE_FEN,
    PAYEE,
    Crew,
    StubAmounts,
    confirm_all,
    end_notice,
    finished_class,
    new_person,
    to_approved,
    to_notice,
    worker_of,
)
from jineng.training.choices import EnrolmentStatus
from jineng.training.models import Enrolment, TrainingClass

pytestmark = pytest.mark.django_db


@pytest.fixture
def claim(a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts) -> Claim:
    return services.submit_class_claim(a_class.pk, actor=crew.submitter)


def _hold(**kw: Any) -> int:
    args: dict[str, Any] = {
        "person_ids": [],
        "class_ids": [],
        "organization_ids": [],
        "source": "fraud.alert:7",
        "reason": "R13: 同一设备为多名学员签到",
        "actor": None,
    }
    args.update(kw)
    return services.hold_claims(**args)


# --- fraud's holds ------------------------------------------------------------------------


def test_a_hold_by_person_class_or_organisation_finds_the_open_claim(
    claim: Claim, a_class: TrainingClass, school_b: Any
) -> None:
    person_id = claim.lines.first().person_id  # type: ignore[union-attr]
    assert _hold(person_ids=[person_id], source="fraud.alert:1") == 1
    assert _hold(class_ids=[a_class.pk], source="fraud.alert:2") == 1
    assert _hold(organization_ids=[claim.organization_id], source="fraud.alert:3") == 1
    assert _hold(organization_ids=[school_b.pk], source="fraud.alert:4") == 0
    assert _hold(source="fraud.alert:5") == 0
    assert sorted(claim.holds.values_list("source", flat=True)) == [
        "fraud.alert:1",
        "fraud.alert:2",
        "fraud.alert:3",
    ]


def test_holding_is_idempotent_per_source(claim: Claim, a_class: TrainingClass) -> None:
    assert _hold(class_ids=[a_class.pk]) == 1
    assert _hold(class_ids=[a_class.pk]) == 0
    assert claim.holds.count() == 1
    assert AuditEvent.objects.filter(action="subsidies.claim.held").count() == 1


def test_a_hold_blocks_approval_with_its_reason_until_released(
    claim: Claim, a_class: TrainingClass, crew: Crew, budget: Any
) -> None:
    to_notice(claim, crew)
    confirm_all(claim)
    end_notice(claim)
    _hold(class_ids=[a_class.pk])

    with pytest.raises(InvalidTransition, match="R13: 同一设备为多名学员签到"):
        services.approve(claim.pk, actor=crew.approver)
    assert not funds_queries.is_committed(claim.reference)

    assert services.release_holds(source="fraud.alert:7", reason="核实无误", actor=crew.first) == 1
    assert services.release_holds(source="fraud.alert:7", reason="again", actor=crew.first) == 0
    hold = ClaimHold.objects.get()
    assert (hold.released_by, hold.release_reason) == (crew.first, "核实无误")
    assert services.approve(claim.pk, actor=crew.approver).status == ClaimStatus.APPROVED


def test_a_hold_after_approval_blocks_payment(
    claim: Claim, a_class: TrainingClass, crew: Crew, budget: Any
) -> None:
    to_approved(claim, crew)
    assert _hold(class_ids=[a_class.pk]) == 1
    with pytest.raises(InvalidTransition, match="cannot be paid: On hold"):
        services.pay([claim.pk], batch_reference="B-1", payees={claim.pk: PAYEE}, actor=crew.payer)
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.APPROVED
    assert funds_queries.paid_fen(claim.reference) == 0


def test_paid_and_rejected_claims_take_no_holds(
    claim: Claim, a_class: TrainingClass, crew: Crew
) -> None:
    services.reject(claim.pk, reasons="材料不全", actor=crew.first)
    assert _hold(class_ids=[a_class.pk]) == 0


def test_a_hold_source_must_name_its_origin(claim: Claim) -> None:
    with pytest.raises(Exception, match="source"):
        _hold(source="", class_ids=[claim.training_class_id])


def test_paid_claims_for_names_whole_claims_or_the_peoples_lines(
    claim: Claim, a_class: TrainingClass, crew: Crew, budget: Any
) -> None:
    to_approved(claim, crew)
    services.pay([claim.pk], batch_reference="B-1", payees={claim.pk: PAYEE}, actor=crew.payer)
    one = claim.lines.order_by("pk").first()
    assert one is not None
    assert list(queries.paid_claims_for(class_ids=[a_class.pk])) == [
        (claim.reference, 2 * LINE_FEN)
    ]
    assert list(queries.paid_claims_for(person_ids=[one.person_id])) == [
        (claim.reference, LINE_FEN)
    ]
    assert list(queries.paid_claims_for(organization_ids=[0])) == []


# --- the worker's word --------------------------------------------------------------------


def test_a_dispute_opens_a_worker_objection_and_holds_the_claim(claim: Claim, crew: Crew) -> None:
    line = claim.lines.order_by("pk").first()
    assert line is not None
    me = worker_of(line.person_id)

    objection = services.dispute_line(line.pk, text="我没有参加这个班", actor=me)

    line.refresh_from_db()
    assert (objection.kind, objection.status, objection.line_id) == (
        ObjectionKind.WORKER,
        ObjectionStatus.OPEN,
        line.pk,
    )
    assert line.confirmation == Confirmation.DISPUTED
    assert list(claim.holds.values_list("source", "released_at")) == [
        (f"subsidies.objection:{objection.pk}", None)
    ]
    # Disputing twice is one objection; confirming while it is open is refused.
    assert services.dispute_line(line.pk, text="again", actor=me) == objection
    with pytest.raises(InvalidTransition, match="reviewer is checking"):
        services.confirm_line(line.pk, actor=me)
    # The worker sees why their claim is held (PIPL Art. 24).
    assert [h.claim_id for h in queries.holds_for_person(line.person)] == [claim.pk]


def test_an_upheld_dispute_takes_the_line_out_and_releases_the_hold(
    claim: Claim, crew: Crew
) -> None:
    line, other = claim.lines.order_by("pk")
    objection = services.dispute_line(line.pk, text="没参加", actor=worker_of(line.person_id))

    with pytest.raises(PermissionDenied):
        services.resolve_objection(objection.pk, upheld=True, resolution="x", actor=crew.submitter)
    services.resolve_objection(objection.pk, upheld=True, resolution="核实属实", actor=crew.first)

    claim.refresh_from_db()
    line.refresh_from_db()
    assert (line.active, line.removed_reason) == (False, "核实属实")
    assert claim.total_fen == LINE_FEN
    assert claim.status == ClaimStatus.SUBMITTED
    assert not claim.holds.filter(released_at__isnull=True).exists()
    with pytest.raises(InvalidTransition, match="already resolved"):
        services.resolve_objection(objection.pk, upheld=False, resolution="x", actor=crew.first)


def test_a_dismissed_dispute_asks_the_worker_again(claim: Claim, crew: Crew) -> None:
    line = claim.lines.order_by("pk").first()
    assert line is not None
    me = worker_of(line.person_id)
    objection = services.dispute_line(line.pk, text="金额不对?", actor=me)
    services.resolve_objection(
        objection.pk, upheld=False, resolution="已电话核实，学员误点", actor=crew.first
    )
    line.refresh_from_db()
    assert line.active
    assert line.confirmation == Confirmation.PENDING
    assert services.confirm_line(line.pk, actor=me).confirmation == Confirmation.CONFIRMED


def test_an_open_dispute_blocks_approval(claim: Claim, crew: Crew, budget: Any) -> None:
    to_notice(claim, crew)
    confirm_all(claim)
    end_notice(claim)
    line = claim.lines.order_by("pk").first()
    assert line is not None
    services.dispute_line(line.pk, text="不对", actor=worker_of(line.person_id))
    with pytest.raises(InvalidTransition, match="objection"):
        services.approve(claim.pk, actor=crew.approver)


def test_a_dispute_after_approval_is_upheld_once_the_bureau_rejected_the_claim(
    claim: Claim, crew: Crew, budget: Any
) -> None:
    to_approved(claim, crew)
    line = claim.lines.order_by("pk").first()
    assert line is not None
    objection = services.dispute_line(line.pk, text="没参加", actor=worker_of(line.person_id))
    # The reviewer may not release committed money; the bureau resolves no objection.
    with pytest.raises(PermissionDenied, match="only the bureau"):
        services.resolve_objection(objection.pk, upheld=True, resolution="属实", actor=crew.first)
    with pytest.raises(PermissionDenied, match="Only a reviewer"):
        services.resolve_objection(
            objection.pk, upheld=True, resolution="属实", actor=crew.approver
        )
    assert not AuditEvent.objects.filter(action="subsidies.objection.resolved").exists()
    services.reject(claim.pk, reasons="本人未参加培训", actor=crew.approver)
    assert not funds_queries.is_committed(claim.reference)
    services.resolve_objection(objection.pk, upheld=True, resolution="属实", actor=crew.first)
    objection.refresh_from_db()
    claim.refresh_from_db()
    assert (objection.status, objection.resolved_by_id) == (ObjectionStatus.UPHELD, crew.first.pk)
    assert claim.status == ClaimStatus.REJECTED
    assert not claim.holds.filter(released_at__isnull=True).exists()


def test_nobody_disputes_a_line_in_another_name(claim: Claim) -> None:
    mine, theirs = claim.lines.order_by("pk")
    with pytest.raises(NotFound):
        services.dispute_line(theirs.pk, text="x", actor=worker_of(mine.person_id))


def test_a_worker_claims_a_skill_upgrade_for_themself_confirmed_as_they_submit(
    monkeypatch: pytest.MonkeyPatch, city: Any, school_b: Any, rule_set: Any, crew: Crew
) -> None:
    import datetime

    from jineng.certificates.models import Certificate, CertificateKind
    from jineng.subsidies import amounts

    person = new_person(city)
    certificate = Certificate.objects.create(
        number="S000000001",
        kind=CertificateKind.SKILL_LEVEL,
        holder=person,
        issuer=school_b,
        issued_on=datetime.date(2026, 1, 5),
        basis="result:test-1",
        status_index=1,
        credential_id="urn:uuid:test-1",
        subject_id="urn:test:1",
        signing_kid="k1",
        credential="-",
    )
    monkeypatch.setattr(
        amounts,
        "skill_upgrade_line",
        lambda c, r: amounts.Computation(100_000, [amounts.Step("三级: 1000 元", 100_000)]),
    )
    with pytest.raises(PermissionDenied):
        services.submit_skill_upgrade_claim(certificate.pk, actor=crew.first)
    someone_else = worker_of(new_person(city).pk)
    with pytest.raises(NotFound):
        services.submit_skill_upgrade_claim(certificate.pk, actor=someone_else)

    me = worker_of(person.pk)
    claim = services.submit_skill_upgrade_claim(certificate.pk, actor=me)

    [line] = claim.lines.all()
    assert (claim.person_id, claim.organization_id, claim.total_fen) == (person.pk, None, 100_000)
    assert claim.fund_source == "unemployment_insurance"
    assert (line.certificate_id, line.confirmation) == (certificate.pk, Confirmation.CONFIRMED)
    with pytest.raises(Exception, match="R09"):
        services.submit_skill_upgrade_claim(certificate.pk, actor=me)


# --- public objections during the notice ---------------------------------------------------


def test_anyone_objects_during_the_notice_and_the_contact_is_encrypted(
    claim: Claim, crew: Crew
) -> None:
    with pytest.raises(NotFound):
        services.raise_objection(claim.number, text="此人未参训", contact="13900001111")
    to_notice(claim, crew)

    objection = services.raise_objection(claim.number, text="此人未参训", contact="13900001111")

    assert objection.raised_by is None
    assert objection.kind == ObjectionKind.PUBLIC
    assert b"13900001111" not in bytes(objection.contact_encrypted)
    assert pii.decrypt(objection.contact_encrypted) == "13900001111"
    assert objections.reveal_contact(objection.pk, actor=crew.first, purpose="回访") == (
        "13900001111"
    )
    with pytest.raises(NotFound):
        objections.reveal_contact(objection.pk, actor=crew.submitter, purpose="回访")
    assert claim.holds.filter(source=f"subsidies.objection:{objection.pk}").exists()
    with pytest.raises(NotFound):
        services.raise_objection("BT1999-000001", text="x", contact="")


def test_an_objection_after_the_notice_ended_is_refused(claim: Claim, crew: Crew) -> None:
    to_notice(claim, crew)
    end_notice(claim)
    with pytest.raises(NotFound):
        services.raise_objection(claim.number, text="晚了", contact="")


def test_an_upheld_public_objection_rejects_the_claim(claim: Claim, crew: Crew) -> None:
    to_notice(claim, crew)
    objection = services.raise_objection(claim.number, text="虚假培训", contact="")
    services.resolve_objection(objection.pk, upheld=True, resolution="查实虚假", actor=crew.first)
    claim.refresh_from_db()
    assert (claim.status, claim.rejection_reasons) == (ClaimStatus.REJECTED, "查实虚假")


def test_a_dismissed_public_objection_lets_the_claim_go_on(
    claim: Claim, crew: Crew, budget: Any
) -> None:
    to_notice(claim, crew)
    objection = services.raise_objection(claim.number, text="怀疑", contact="")
    services.resolve_objection(objection.pk, upheld=False, resolution="查无实据", actor=crew.first)
    confirm_all(claim)
    end_notice(claim)
    assert services.approve(claim.pk, actor=crew.approver).status == ClaimStatus.APPROVED


def test_a_withdrawn_trainee_is_not_claimed_for(
    school_a: Any, city: Any, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    training_class = finished_class(school_a, code="C-W")
    Enrolment.objects.create(
        training_class=training_class, person=new_person(city), status=EnrolmentStatus.WITHDRAWN
    )
    Enrolment.objects.create(
        training_class=training_class, person=new_person(city), status=EnrolmentStatus.COMPLETED
    )
    claim = services.submit_class_claim(training_class.pk, actor=crew.submitter)
    assert claim.lines.count() == 1
    assert claim.ineligible == []


def test_a_reviewer_takes_a_line_out_and_the_total_follows(claim: Claim, crew: Crew) -> None:
    line, _other = claim.lines.order_by("pk")
    with pytest.raises(PermissionDenied):
        services.remove_line(line.pk, reason="无账户无法确认", actor=crew.submitter)
    services.remove_line(line.pk, reason="无账户无法确认", actor=crew.first)
    claim.refresh_from_db()
    line.refresh_from_db()
    assert claim.total_fen == LINE_FEN
    assert (line.active, line.removed_reason) == (False, "无账户无法确认")
    with pytest.raises(InvalidTransition):
        services.remove_line(line.pk, reason="again", actor=crew.first)


def test_a_long_hold_reason_is_cut_rather_than_refused(
    claim: Claim, a_class: TrainingClass
) -> None:
    assert _hold(class_ids=[a_class.pk], reason="长" * 5000) == 1
    assert len(ClaimHold.objects.get().reason) == 2000


def test_frauds_integration_holds_and_releases_through_these_services(
    claim: Claim, a_class: TrainingClass, crew: Crew
) -> None:
    from types import SimpleNamespace

    from jineng.fraud import integration

    alert: Any = SimpleNamespace(
        pk=41, person_ids=[], class_ids=[a_class.pk], organization_ids=[], summary="R13 命中"
    )
    assert integration.place_holds(alert, actor=None) == 1
    assert integration.place_holds(alert, actor=None) == 0
    assert claim.holds.get().source == "fraud.alert:41"
    assert integration.release_holds(alert, reason="已排除", actor=crew.first) == 1
    assert not claim.holds.filter(released_at__isnull=True).exists()


def test_other_apps_screens_run_in_the_submission(
    a_class: TrainingClass,
    rule_set: Any,
    crew: Crew,
    stub_amounts: StubAmounts,
    no_fraud_screens: list[Any],
) -> None:
    seen: list[tuple[int, int]] = []
    no_fraud_screens.append(lambda c, actor: seen.append((c.pk, c.lines.count())))
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    assert seen == [(claim.pk, 2)]
