"""Issuing, numbering, refusals and status changes (services), with their audit events."""

from __future__ import annotations

import dataclasses
import datetime
from types import SimpleNamespace
from typing import Any

import pytest

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.certificates import services, status_lists
from jineng.certificates.errors import AlreadyIssued, InvalidIssueRequest, IssuerNotAccredited
from jineng.certificates.models import (
    Certificate,
    CertificateStatus,
    NumberCounter,
    SigningKey,
    SigningKeyStatus,
    StatusList,
    StatusPurpose,
)
from jineng.core import audit
from jineng.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent

from .helpers import issue, request

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(accredited: Any, evaluator: Any, person: Any, occupations: Any, levels: Any) -> Any:
    return SimpleNamespace(
        issuer=accredited,
        evaluator=evaluator,
        person=person,
        electrician=occupations["electrician"],
        level3=levels["level3"],
        level2=levels["level2"],
    )


def test_issue_numbers_in_the_national_layout_and_audits(ctx: Any) -> None:
    certificate = issue(ctx.evaluator, ctx.person, ctx.issuer, ctx.electrician, ctx.level3)
    year = f"{datetime.date.today().year % 100:02d}"
    evaluator_code = f"{ctx.issuer.pk:04d}"[-4:]
    assert certificate.number == f"S{evaluator_code}22220581{year}3000001"
    assert len(certificate.number) == 22
    assert certificate.status == CertificateStatus.VALID
    assert certificate.credential.count(".") == 2
    assert certificate.subject_id.startswith("urn:uuid:")
    event = AuditEvent.objects.get(action="certificates.certificate.issued")
    assert event.object_id == str(certificate.pk)
    assert event.person_id == ctx.person.pk
    assert event.data["number"] == certificate.number
    assert SigningKey.objects.filter(status=SigningKeyStatus.ACTIVE).count() == 1
    assert audit.verify() is None


def test_batch_takes_consecutive_serials_from_one_counter_bump(ctx: Any) -> None:
    rows = [request(ctx.person, ctx.issuer, ctx.electrician, ctx.level3) for _ in range(3)]
    certificates = services.issue_certificates(ctx.evaluator, rows)
    assert [c.number[-6:] for c in certificates] == ["000001", "000002", "000003"]
    assert NumberCounter.objects.get().last_serial == 3
    assert len({c.status_index for c in certificates}) == 3
    lists = StatusList.objects.all()
    assert {s.allocated for s in lists} == {3}
    assert all(s.credential for s in lists)


def test_the_same_holder_has_one_subject_id_without_name_or_id_number(ctx: Any) -> None:
    first = issue(ctx.evaluator, ctx.person, ctx.issuer, ctx.electrician, ctx.level3)
    second = issue(ctx.evaluator, ctx.person, ctx.issuer, ctx.electrician, ctx.level3)
    assert first.subject_id == second.subject_id
    assert ctx.person.name not in first.credential


def test_issuer_outside_its_accreditation_refuses_the_whole_batch(ctx: Any) -> None:
    rows = [
        request(ctx.person, ctx.issuer, ctx.electrician, ctx.level3),
        request(ctx.person, ctx.issuer, ctx.electrician, ctx.level2),
    ]
    with pytest.raises(IssuerNotAccredited) as refused:
        services.issue_certificates(ctx.evaluator, rows)
    assert refused.value.code == "issuer_not_accredited"
    assert "Row 2" in refused.value.detail
    assert Certificate.objects.count() == 0
    assert not NumberCounter.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="certificates.").exists()


def test_issuer_refused_on_a_date_outside_its_licence(ctx: Any) -> None:
    long_ago = datetime.date.today() - datetime.timedelta(days=400)
    with pytest.raises(IssuerNotAccredited):
        issue(
            ctx.evaluator, ctx.person, ctx.issuer, ctx.electrician, ctx.level3, issued_on=long_ago
        )


def test_a_suspended_issuer_cannot_date_a_certificate_before_its_suspension(
    ctx: Any, bureau_admin: Any
) -> None:
    from jineng.accreditations import services as accreditation_services
    from jineng.accreditations.models import Accreditation

    last_month = datetime.date.today() - datetime.timedelta(days=30)
    issue(ctx.evaluator, ctx.person, ctx.issuer, ctx.electrician, ctx.level3, issued_on=last_month)
    licence = Accreditation.objects.get(organization=ctx.issuer)
    accreditation_services.suspend_accreditation(
        licence.pk, reason="督导发现问题", actor=bureau_admin
    )
    with pytest.raises(IssuerNotAccredited) as refused:
        issue(
            ctx.evaluator, ctx.person, ctx.issuer, ctx.electrician, ctx.level3, issued_on=last_month
        )
    assert str(datetime.date.today()) in refused.value.detail
    assert Certificate.objects.count() == 1


def test_the_same_basis_twice_in_a_batch_is_refused(ctx: Any) -> None:
    row = request(ctx.person, ctx.issuer, ctx.electrician, ctx.level3)
    with pytest.raises(AlreadyIssued) as refused:
        services.issue_certificates(ctx.evaluator, [row, row])
    assert refused.value.code == "certificate_already_issued"
    assert "Row 2" in refused.value.detail
    assert Certificate.objects.count() == 0


def test_a_basis_already_issued_is_refused(ctx: Any) -> None:
    first = issue(ctx.evaluator, ctx.person, ctx.issuer, ctx.electrician, ctx.level3)
    again = request(ctx.person, ctx.issuer, ctx.electrician, ctx.level3, basis=first.basis)
    with pytest.raises(AlreadyIssued) as refused:
        services.issue_certificates(ctx.evaluator, [again])
    assert first.number in refused.value.detail
    assert Certificate.objects.count() == 1


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"occupation": None}, "no occupation"),
        ({"level": None}, "needs a level"),
        ({"issued_on": datetime.date.today() + datetime.timedelta(days=1)}, "in the future"),
        ({"kind": "diploma"}, "not known"),
        ({"basis": ""}, "basis"),
    ],
)
def test_incomplete_rows_are_refused_by_name(ctx: Any, change: dict, message: str) -> None:
    row = dataclasses.replace(
        request(ctx.person, ctx.issuer, ctx.electrician, ctx.level3), **change
    )
    with pytest.raises(InvalidIssueRequest) as refused:
        services.issue_certificates(ctx.evaluator, [row])
    assert "Row 1" in refused.value.detail
    assert message in refused.value.detail


def test_staff_of_another_organisation_may_not_issue_in_its_name(ctx: Any, staff_a: Any) -> None:
    with pytest.raises(PermissionDenied):
        issue(staff_a, ctx.person, ctx.issuer, ctx.electrician, ctx.level3)
    assert Certificate.objects.count() == 0


def test_revoke_flips_the_bit_keeps_the_reason_and_audits(ctx: Any, bureau_admin: Any) -> None:
    certificate = issue(ctx.evaluator, ctx.person, ctx.issuer, ctx.electrician, ctx.level3)
    before = StatusList.objects.get(purpose=StatusPurpose.REVOCATION).credential
    services.revoke_certificate(bureau_admin, certificate, reason="考核舞弊")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.REVOKED
    assert certificate.status_reason == "考核舞弊"
    assert certificate.status_changed_at is not None
    revocation = StatusList.objects.get(purpose=StatusPurpose.REVOCATION)
    assert status_lists.is_set(bytes(revocation.bits), certificate.status_index)
    assert revocation.credential != before
    event = AuditEvent.objects.get(action="certificates.certificate.revoked")
    assert event.data["reason"] == "考核舞弊"
    assert (event.data["before"], event.data["after"]) == ("valid", "revoked")
    with pytest.raises(InvalidTransition):
        services.reinstate_certificate(bureau_admin, certificate, reason="误撤销")


def test_suspend_then_reinstate_clears_the_bit(ctx: Any, bureau_admin: Any) -> None:
    certificate = issue(ctx.evaluator, ctx.person, ctx.issuer, ctx.electrician, ctx.level3)
    services.suspend_certificate(bureau_admin, certificate, reason="核查中")
    suspension = StatusList.objects.get(purpose=StatusPurpose.SUSPENSION)
    assert status_lists.is_set(bytes(suspension.bits), certificate.status_index)
    services.reinstate_certificate(bureau_admin, certificate, reason="核查无误")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID
    suspension.refresh_from_db()
    assert not status_lists.is_set(bytes(suspension.bits), certificate.status_index)


def test_status_changes_need_the_bureau_and_a_reason(ctx: Any, bureau_admin: Any) -> None:
    certificate = issue(ctx.evaluator, ctx.person, ctx.issuer, ctx.electrician, ctx.level3)
    with pytest.raises(PermissionDenied):
        services.revoke_certificate(ctx.evaluator, certificate, reason="x")
    with pytest.raises(ValidationFailed):
        services.revoke_certificate(bureau_admin, certificate, reason="  ")
    certificate.refresh_from_db()
    assert certificate.status == CertificateStatus.VALID


def test_rotation_retires_the_key_and_keeps_it(ctx: Any, bureau_admin: Any) -> None:
    services.ensure_signing_key()
    old = SigningKey.objects.get()
    new = services.rotate_signing_key(bureau_admin)
    old.refresh_from_db()
    assert old.status == SigningKeyStatus.RETIRED
    assert old.retired_at is not None
    assert new.status == SigningKeyStatus.ACTIVE
    assert new.kid != old.kid
    assert AuditEvent.objects.filter(action="certificates.signingkey.rotated").count() == 1
    with pytest.raises(PermissionDenied):
        services.rotate_signing_key(make_user("w2", Role.WORKER))


def test_private_keys_are_stored_encrypted(ctx: Any) -> None:
    signing_key = services.ensure_signing_key()
    stored = bytes(SigningKey.objects.get(pk=signing_key.pk).private_key_encrypted)
    assert b"PRIVATE KEY" not in stored
    assert "d" not in signing_key.public_jwk
