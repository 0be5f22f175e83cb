"""Every write of certificates (证书): issue, revoke, suspend, reinstate, rotate the key.

Issuing is called from other apps' services (assessment results, talent promotions,
training classes), inside their transactions: ``issue_certificates`` therefore opens a
transaction that joins the caller's rather than a durable one, and refuses the whole batch,
writing nothing, when one row fails (the error names the row). The callers check "passed"
and "scores locked"; this module checks the issuer's accreditation and the basis.
Status changes flip bits in the status lists and re-sign them in the same transaction as the
certificate and its audit event.
"""

from __future__ import annotations

import datetime
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.accreditations.choices import AccreditationKind
from jineng.accreditations.queries import is_accredited
from jineng.certificates import credentials, keys, locks, numbers, status_lists
from jineng.certificates.errors import (
    AlreadyIssued,
    InvalidIssueRequest,
    IssuerNotAccredited,
    NumberSpaceExhausted,
    StatusListFull,
)
from jineng.certificates.models import (
    Certificate,
    CertificateKind,
    CertificateStatus,
    SigningKey,
    SigningKeyStatus,
    StatusList,
    StatusPurpose,
)
from jineng.core import audit, scope
from jineng.core.errors import InvalidTransition, PermissionDenied, ValidationFailed
from jineng.core.scope import CHANGE
from jineng.occupations.models import Occupation, SkillLevel
from jineng.organizations.models import Organization
from jineng.people.models import Person

# One batch issues at most this many certificates (a large session, or the benchmark).
MAX_BATCH = 20000
MAX_REASON = 2000
MAX_BASIS = 100
MAX_TITLE = 200
# Which status each change leads to, from which statuses: the state machine as data.
TRANSITIONS: dict[str, tuple[frozenset[str], str]] = {
    "suspend": (frozenset({CertificateStatus.VALID}), CertificateStatus.SUSPENDED),
    "revoke": (
        frozenset({CertificateStatus.VALID, CertificateStatus.SUSPENDED}),
        CertificateStatus.REVOKED,
    ),
    "reinstate": (frozenset({CertificateStatus.SUSPENDED}), CertificateStatus.VALID),
}


@dataclass(frozen=True)
class IssueRequest:
    """One certificate to issue: to whom, by whom, on what date, and on what basis."""

    kind: str
    holder: Person
    issuer: Organization
    issued_on: datetime.date
    basis: str
    occupation: Occupation | None = None
    level: SkillLevel | None = None
    title: str = ""
    valid_until: datetime.date | None = None


def _row(n: int, request: IssueRequest) -> str:
    return _("Row {n} ({basis})").format(n=n, basis=request.basis)


def _check_shape(n: int, request: IssueRequest, today: datetime.date) -> None:
    """Refuse a row that is incomplete or inconsistent, naming it."""
    row = _row(n, request)
    problems = []
    if request.kind not in CertificateKind.values:
        problems.append(_("the kind {kind} is not known").format(kind=request.kind))
    if not request.basis.strip() or len(request.basis) > MAX_BASIS:
        problems.append(_("the basis is empty or longer than {n} characters").format(n=MAX_BASIS))
    if len(request.title) > MAX_TITLE:
        problems.append(_("the title is longer than {n} characters").format(n=MAX_TITLE))
    if request.occupation is None:
        problems.append(_("no occupation is given"))
    if request.kind == CertificateKind.SKILL_LEVEL and request.level is None:
        problems.append(_("a skill-level certificate needs a level"))
    if request.issued_on > today:
        problems.append(_("the issue date {date} is in the future").format(date=request.issued_on))
    if request.valid_until is not None and request.valid_until < request.issued_on:
        problems.append(_("it would expire before it is issued"))
    if request.holder.pk is None or request.issuer.pk is None:
        problems.append(_("the holder or the issuer is not saved"))
    if problems:
        raise InvalidIssueRequest(
            _("{row}: {problems}.").format(row=row, problems="; ".join(problems))
        )


def _check_actor(actor: Actor | None, n: int, request: IssueRequest) -> None:
    """The system, the bureau, or staff of the issuing organisation may issue."""
    if actor is None or actor.can(Capability.MANAGE_CERTIFICATES):
        return
    if actor.organization_id != request.issuer.pk:
        raise PermissionDenied(
            _(
                "{row}: you may issue certificates only in the name of your own organisation."
            ).format(row=_row(n, request))
        )


def _accreditation_kind(kind: str) -> tuple[str, str | None]:
    if kind == CertificateKind.TRAINING:
        return AccreditationKind.TRAINING, None
    return AccreditationKind.EVALUATION, kind


def _check_accredited(requests: Sequence[IssueRequest], today: datetime.date) -> None:
    """Refuse the batch at the first row whose issuer is not accredited for it.

    The accreditation must hold on the certificate's date and on the day it is issued: an
    issuer suspended or withdrawn today cannot issue a certificate dated before that.
    """
    answers: dict[tuple[int, str, int, int | None, datetime.date], bool] = {}
    for n, request in enumerate(requests, start=1):
        occupation = request.occupation
        assert occupation is not None  # _check_shape
        level_id = request.level.pk if request.level is not None else None
        for on in sorted({request.issued_on, today}):
            key = (request.issuer.pk, request.kind, occupation.pk, level_id, on)
            if key not in answers:
                kind, evaluation_kind = _accreditation_kind(request.kind)
                answers[key] = is_accredited(
                    request.issuer,
                    occupation,
                    request.level,
                    kind,
                    on,
                    evaluation_kind=evaluation_kind,
                )
            if not answers[key]:
                raise IssuerNotAccredited(
                    _(
                        "{row}: {issuer} holds no accreditation valid on {date} for "
                        "{kind} in {occupation}{level}."
                    ).format(
                        row=_row(n, request),
                        issuer=request.issuer.name,
                        date=on,
                        kind=CertificateKind(request.kind).label,
                        occupation=occupation.name,
                        level=f" ({request.level.name})" if request.level is not None else "",
                    )
                )


def _check_bases(requests: Sequence[IssueRequest]) -> None:
    """Refuse a basis used twice in the batch, or already used by an issued certificate."""
    seen: dict[str, int] = {}
    for n, request in enumerate(requests, start=1):
        if request.basis in seen:
            raise AlreadyIssued(
                _("{row}: row {first} already issues a certificate on this basis.").format(
                    row=_row(n, request), first=seen[request.basis]
                )
            )
        seen[request.basis] = n
    used = dict(Certificate.objects.filter(basis__in=list(seen)).values_list("basis", "number")[:1])
    for basis, number in used.items():
        n = seen[basis]
        raise AlreadyIssued(
            _("{row}: certificate {number} was already issued on this basis.").format(
                row=_row(n, requests[n - 1]), number=number
            )
        )


def _active_key() -> SigningKey:
    """The active signing key; the first is generated on first use."""
    active = SigningKey.objects.filter(status=SigningKeyStatus.ACTIVE).first()
    if active is not None:
        return active
    try:
        with transaction.atomic():
            created = keys.new_signing_key()
            created.save(force_insert=True)
    except IntegrityError:
        # Another transaction created the first key at the same moment: use that one.
        return SigningKey.objects.get(status=SigningKeyStatus.ACTIVE)
    audit.record(None, "certificates.signingkey.created", created, data={"kid": created.kid})
    return created


def _allocate_numbers(requests: Sequence[IssueRequest]) -> list[str]:
    """Give every row its number: one locked counter bump per prefix and year in the batch."""
    prefixes = [numbers.number_prefix(r.kind, r.issuer, r.level, r.issued_on) for r in requests]
    keys_of_rows = [
        (f"{r.kind}/{prefix}", r.issued_on.year)
        for r, prefix in zip(requests, prefixes, strict=True)
    ]
    wanted = Counter(keys_of_rows)
    counters = locks.counters_for_update(wanted)
    next_serial: dict[tuple[str, int], int] = {}
    for key, count in wanted.items():
        counter = counters[key]
        kind = key[0].split("/", 1)[0]
        last = counter.last_serial + count
        if last > numbers.layout_for(kind).capacity:
            raise NumberSpaceExhausted(
                _("Every serial of numbers starting {prefix} in {year} is used.").format(
                    prefix=key[0].split("/", 1)[1], year=key[1]
                )
            )
        next_serial[key] = counter.last_serial + 1
        counter.last_serial = last
        counter.save(update_fields=["last_serial"])
    allocated = []
    for request, prefix, key in zip(requests, prefixes, keys_of_rows, strict=True):
        allocated.append(numbers.format_number(request.kind, prefix, next_serial[key]))
        next_serial[key] += 1
    return allocated


def _publish(status_list: StatusList, signing_key: SigningKey) -> None:
    """Re-sign a status list's credential from its current bits (the row is locked)."""
    payload = credentials.status_list_credential(
        status_list.purpose, status_lists.encode(status_lists.bits_of(status_list)), timezone.now()
    )
    status_list.credential = credentials.sign(payload, signing_key)


def _allocate_indexes(count: int, signing_key: SigningKey) -> list[int]:
    """Hand out ``count`` status-list indexes, the same in both lists."""
    lists = locks.status_lists_for_update()
    first = lists[0].allocated
    size = lists[0].size
    if first + count > size:
        raise StatusListFull(
            _("The status lists have room for {n} more certificates only.").format(n=size - first)
        )
    for status_list in lists:
        status_list.allocated = first + count
        fields = ["allocated", "updated_at"]
        if not status_list.credential:
            _publish(status_list, signing_key)
            fields.append("credential")
        status_list.save(update_fields=fields)
    return [status_lists.position(first + i, size) for i in range(count)]


def _build(
    actor: Actor | None, request: IssueRequest, number: str, index: int, signing_key: SigningKey
) -> Certificate:
    certificate = Certificate(
        number=number,
        kind=request.kind,
        holder=request.holder,
        occupation=request.occupation,
        level=request.level,
        issuer=request.issuer,
        issued_on=request.issued_on,
        valid_until=request.valid_until,
        basis=request.basis,
        title=request.title.strip(),
        status=CertificateStatus.VALID,
        status_index=index,
        credential_id=credentials.new_credential_id(),
        subject_id=credentials.subject_id(request.holder.pk),
        signing_kid=signing_key.kid,
        issued_by=actor,
    )
    certificate.title = certificate.title or credentials.certificate_title(certificate)
    certificate.credential = credentials.sign(
        credentials.build_credential(certificate), signing_key
    )
    return certificate


def _insert(certificates: list[Certificate], requests: Sequence[IssueRequest]) -> None:
    """Insert the batch; a basis taken meanwhile by a parallel batch refuses it as such."""
    try:
        with transaction.atomic():
            Certificate.objects.bulk_create(certificates, batch_size=1000)
    except IntegrityError:
        _check_bases(requests)
        raise


def issue_certificates(actor: Actor | None, requests: Sequence[IssueRequest]) -> list[Certificate]:
    """Issue a batch of certificates in one transaction, or none (颁发证书).

    Joins the caller's transaction (assessment and talent issue inside theirs). Refuses the
    whole batch, naming the row, for an incomplete row, an issuer not accredited on the issue
    date, or a basis already used; numbers come from one locked counter bump per prefix.
    """
    if not requests:
        return []
    if len(requests) > MAX_BATCH:
        raise ValidationFailed(
            _("At most {n} certificates can be issued at once.").format(n=MAX_BATCH)
        )
    today = timezone.localdate()
    with transaction.atomic():
        for n, request in enumerate(requests, start=1):
            _check_shape(n, request, today)
            _check_actor(actor, n, request)
        _check_bases(requests)
        _check_accredited(requests, today)
        signing_key = _active_key()
        issued_numbers = _allocate_numbers(requests)
        indexes = _allocate_indexes(len(requests), signing_key)
        certificates = [
            _build(actor, request, number, index, signing_key)
            for request, number, index in zip(requests, issued_numbers, indexes, strict=True)
        ]
        _insert(certificates, requests)
        audit.record_many(
            actor,
            (
                audit.Entry(
                    "certificates.certificate.issued",
                    certificate,
                    person_id=certificate.holder_id,
                    data={
                        "number": certificate.number,
                        "kind": certificate.kind,
                        "basis": certificate.basis,
                        "issued_on": certificate.issued_on.isoformat(),
                        "kid": signing_key.kid,
                    },
                )
                for certificate in certificates
            ),
        )
    return certificates


def issue_certificate(actor: Actor | None, request: IssueRequest) -> Certificate:
    """Issue one certificate (the one-row form of ``issue_certificates``)."""
    return issue_certificates(actor, [request])[0]


def _reason(reason: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise ValidationFailed(_("Give the reason for the change."), field="reason")
    if len(text) > MAX_REASON:
        raise ValidationFailed(
            _("At most {n} characters are allowed.").format(n=MAX_REASON), field="reason"
        )
    return text


def _change_status(
    actor: Actor | None, certificate: Certificate, change: str, reason: str
) -> Certificate:
    """Lock the certificate, move it to its new status, flip the bits, re-sign, audit."""
    if actor is not None and not actor.can(Capability.MANAGE_CERTIFICATES):
        raise PermissionDenied(_("Only the bureau may suspend, revoke or reinstate certificates."))
    text = _reason(reason)
    with transaction.atomic():
        locked = locks.certificate_for_update(certificate.pk)
        if actor is not None:
            scope.require(actor, locked, action=CHANGE, missing=_("No such certificate."))
        allowed, to = TRANSITIONS[change]
        if locked.status not in allowed:
            raise InvalidTransition(
                _("Certificate {number} is {status}: it cannot be changed this way.").format(
                    number=locked.number, status=CertificateStatus(locked.status).label
                ),
                field="status",
            )
        before = locked.status
        _set_bits(locked.status_index, to)
        locked.status = to
        locked.status_reason = text
        locked.status_changed_at = timezone.now()
        locked.save(update_fields=["status", "status_reason", "status_changed_at"])
        audit.record(
            actor,
            _STATUS_ACTIONS[change],
            locked,
            person_id=locked.holder_id,
            data={"number": locked.number, "before": before, "after": to, "reason": text},
        )
    return locked


# The audit action of each status change, spelled out so the audit labels' scan sees them.
_STATUS_ACTIONS = {
    "suspend": "certificates.certificate.suspended",
    "revoke": "certificates.certificate.revoked",
    "reinstate": "certificates.certificate.reinstated",
}


def _set_bits(index: int, status: str) -> None:
    """Write a status into both lists at an index and re-sign the lists that changed."""
    wanted = {
        StatusPurpose.REVOCATION: status == CertificateStatus.REVOKED,
        StatusPurpose.SUSPENSION: status == CertificateStatus.SUSPENDED,
    }
    signing_key = _active_key()
    for status_list in locks.status_lists_for_update():
        bits = status_lists.bits_of(status_list)
        value = wanted[StatusPurpose(status_list.purpose)]
        if status_lists.is_set(bits, index) == value:
            continue
        status_list.bits = status_lists.with_bit(bits, index, value)
        _publish(status_list, signing_key)
        status_list.save(update_fields=["bits", "credential", "updated_at"])


def suspend_certificate(
    actor: Actor | None, certificate: Certificate, *, reason: str
) -> Certificate:
    """Suspend a valid certificate until it is reinstated (暂停证书); the reason is kept."""
    return _change_status(actor, certificate, "suspend", reason)


def revoke_certificate(
    actor: Actor | None, certificate: Certificate, *, reason: str
) -> Certificate:
    """Revoke a certificate for good (撤销证书); the reason is kept for the bureau."""
    return _change_status(actor, certificate, "revoke", reason)


def reinstate_certificate(
    actor: Actor | None, certificate: Certificate, *, reason: str
) -> Certificate:
    """Lift a certificate's suspension (恢复证书); a revoked certificate stays revoked."""
    return _change_status(actor, certificate, "reinstate", reason)


@transaction.atomic(durable=True)
def rotate_signing_key(actor: Actor | None) -> SigningKey:
    """Retire the active signing key and make a new one active (轮换签名密钥).

    The retired key stays published, so credentials it signed still verify; the status
    lists are re-signed with the new key at once.
    """
    if actor is not None and not actor.can(Capability.MANAGE_CERTIFICATES):
        raise PermissionDenied(_("Only the bureau may rotate the signing key."))
    now = timezone.now()
    retired = []
    for signing_key in locks.signing_keys_for_update():
        if signing_key.status == SigningKeyStatus.ACTIVE:
            signing_key.status = SigningKeyStatus.RETIRED
            signing_key.retired_at = now
            signing_key.save(update_fields=["status", "retired_at"])
            retired.append(signing_key.kid)
    created = keys.new_signing_key()
    created.save(force_insert=True)
    for status_list in locks.status_lists_for_update():
        _publish(status_list, created)
        status_list.save(update_fields=["credential", "updated_at"])
    audit.record(
        actor,
        "certificates.signingkey.rotated",
        created,
        data={"kid": created.kid, "retired": retired},
    )
    return created


@transaction.atomic(durable=True)
def ensure_signing_key() -> SigningKey:
    """Return the active signing key, generating the first one if there is none."""
    return _active_key()
