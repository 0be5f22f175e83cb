"""REST endpoints of certificates: public verification, and the bureau's list and changes.

``GET /certificates/{number}/verify`` and ``POST /certificates/verify`` answer anyone, with
no token, the same facts as the public page (queries.public_view: holder masked, status in
words, no reason). The rest reads the certificates in the caller's scope (404 outside it)
and changes their status through the services (MANAGE_CERTIFICATES).
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from jineng.api.auth import AUTH, actor
from jineng.api.errors import responses
from jineng.api.schemas import ObjectId, Page, PageParams, paginate
from jineng.certificates import access, queries, services, throttling, verification
from jineng.certificates.forms import MAX_CREDENTIAL_BYTES
from jineng.certificates.models import Certificate, CertificateKind, CertificateStatus
from jineng.core import pii
from jineng.core.errors import NotFound, PermissionDenied

router = Router(tags=["certificates"])


def anonymous(request: HttpRequest) -> Any:
    """Let a request without credentials through as the public; a bad token still gets 401."""
    if request.headers.get("Authorization"):
        return None
    return AnonymousUser()


# Token or session when given, else the public; the OpenAPI document says so with {}.
PUBLIC = [*AUTH, anonymous]
PUBLIC_OPENAPI: dict[str, Any] = {"security": [{}]}


class CodeNameOut(Schema):
    """An occupation or an organisation by code and name."""

    code: str
    name: str


class PublicIssuerOut(Schema):
    """The organisation that issued the certificate."""

    name: str
    credit_code: str


class PublicCertificateOut(Schema):
    """What anyone may learn of a certificate from its number; the holder's name is masked."""

    number: str
    kind: CertificateKind
    kind_label: str
    holder: str = Field(description="The holder's name, masked (张*明).")
    title: str
    occupation: CodeNameOut | None
    level: str | None = Field(description="The skill level's name.")
    issuer: PublicIssuerOut
    issued_on: datetime.date
    valid_until: datetime.date | None
    status: CertificateStatus
    status_label: str = Field(description="The status in words; the reason is not public.")
    status_changed_on: datetime.date | None


class CredentialIn(Schema):
    """A credential to check: the compact VC-JWT, or the credential as JSON text."""

    credential: str = Field(min_length=1, max_length=MAX_CREDENTIAL_BYTES)


class CheckOut(Schema):
    """One check a credential went through, and how it came out."""

    name: str
    label: str
    passed: bool
    detail: str


class VerificationOut(Schema):
    """Whether a credential is genuine and in force, check by check."""

    valid: bool
    checks: list[CheckOut]
    number: str | None = Field(description="The certificate number the credential names.")
    certificate: PublicCertificateOut | None = Field(
        description="The public facts of that certificate here, when it exists."
    )


class LevelOut(Schema):
    """A skill level by code and name."""

    code: str
    name: str


class HolderOut(Schema):
    """The holder: full name for the bureau and the holder, masked for the issuer's staff."""

    id: int
    name: str


class CertificateOut(Schema):
    """A certificate as its overseers see it; the status reason only for the bureau."""

    id: int
    url: str
    verify_url: str
    number: str
    kind: CertificateKind
    title: str
    holder: HolderOut
    occupation: CodeNameOut | None
    level: LevelOut | None
    issuer: CodeNameOut
    issued_on: datetime.date
    valid_until: datetime.date | None
    status: CertificateStatus
    status_reason: str | None = Field(description="Why it was suspended, revoked or reinstated.")
    status_changed_at: datetime.datetime | None
    created_at: datetime.datetime


class CertificateFiltersIn(Schema):
    """Filter the certificates in scope."""

    kind: CertificateKind | None = None
    status: CertificateStatus | None = None
    occupation: str = Field("", max_length=100, description="A code or its beginning, or words.")
    issuer: str = Field("", max_length=100, description="A credit code, or words of the name.")
    number: str = Field("", max_length=queries.NUMBER_MAX_LENGTH, description="Or its beginning.")


class StatusChangeIn(Schema):
    """Why the status changes; only the bureau reads it."""

    reason: str = Field(min_length=1, max_length=2000)


def _certificate_out(certificate: Certificate, user: Any) -> dict[str, Any]:
    full = access.sees_all(user) or getattr(user, "person_id", None) == certificate.holder_id
    name = certificate.holder.name
    return {
        "id": certificate.pk,
        "url": reverse("api:certificate_detail", kwargs={"certificate_id": certificate.pk}),
        "verify_url": reverse("verify:certificate", args=[certificate.number]),
        "number": certificate.number,
        "kind": certificate.kind,
        "title": certificate.title,
        "holder": {
            "id": certificate.holder_id,
            "name": name if full else pii.mask_name(name),
        },
        "occupation": (
            {"code": certificate.occupation.code, "name": certificate.occupation.name}
            if certificate.occupation
            else None
        ),
        "level": (
            {"code": certificate.level.code, "name": certificate.level.name}
            if certificate.level
            else None
        ),
        "issuer": {"code": certificate.issuer.credit_code, "name": certificate.issuer.name},
        "issued_on": certificate.issued_on,
        "valid_until": certificate.valid_until,
        "status": certificate.status,
        "status_reason": certificate.status_reason if access.sees_status_reason(user) else None,
        "status_changed_at": certificate.status_changed_at,
        "created_at": certificate.created_at,
    }


def _verification_out(result: Any) -> dict[str, Any]:
    number = result.number
    found = queries.public_view(number) if number else None
    return {
        "valid": result.is_valid,
        "checks": [
            {"name": c.name, "label": str(c.label), "passed": c.passed, "detail": str(c.detail)}
            for c in result.checks
        ],
        "number": number,
        "certificate": found.as_dict() if found else None,
    }


@router.post(
    "/certificates/verify",
    response={200: VerificationOut, **responses(400, 401, 422, 429)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="Check a credential",
    url_name="certificate_verify_credential",
)
def verify_credential(request: HttpRequest, payload: CredentialIn) -> dict[str, Any]:
    """Check a credential (VC-JWT or JSON): signature, issuer key, dates and status lists.

    Anyone may call it, without a token; at most a few checks a minute per client address.
    """
    throttling.check_credential_allowed(request)
    return _verification_out(verification.verify_credential(payload.credential))


@router.get(
    "/certificates/{number}/verify",
    response={200: PublicCertificateOut, **responses(401, 404, 429)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="Verify a certificate by its number",
    url_name="certificate_verify",
)
def verify_number(request: HttpRequest, number: str) -> dict[str, Any]:
    """Return the public facts of a certificate (as the verification page shows them).

    The holder's name is masked and the status reason is not given. An unknown number
    answers 404; many unknown numbers from one address answer 429.
    """
    found = queries.public_view(number)
    if found is None:
        throttling.check_miss_allowed(request)
        raise NotFound(_("No such certificate."))
    return found.as_dict()


@router.get(
    "/certificates",
    response={200: Page[CertificateOut], **responses(400, 401)},
    summary="List certificates",
    url_name="certificate_list",
)
def list_certificates(
    request: HttpRequest, filters: Query[CertificateFiltersIn], page: Query[PageParams]
) -> dict[str, Any]:
    """List the certificates in scope, newest first: the city's for the bureau, issued ones
    for an organisation's staff, their own for a worker."""
    user = actor(request)
    chosen = queries.CertificateFilters(
        kind=filters.kind or "",
        status=filters.status or "",
        occupation=filters.occupation,
        issuer=filters.issuer,
        number=filters.number,
    )
    result = paginate(queries.filter_certificates(queries.certificates_for(user), chosen), page)
    result["items"] = [_certificate_out(c, user) for c in result["items"]]
    return result


@router.get(
    "/certificates/{certificate_id}",
    response={200: CertificateOut, **responses(400, 401, 404)},
    summary="Get a certificate",
    url_name="certificate_detail",
)
def get_certificate(request: HttpRequest, certificate_id: ObjectId) -> dict[str, Any]:
    """Return one certificate in scope (404 outside it)."""
    user = actor(request)
    return _certificate_out(access.get_certificate_for_user(user, certificate_id), user)


def _change(request: HttpRequest, certificate_id: int, change: Any, reason: str) -> dict[str, Any]:
    user = actor(request)
    certificate = access.get_certificate_for_user(user, certificate_id)
    if not access.may_manage(user):
        raise PermissionDenied(_("Your role may not change the status of certificates."))
    change(user, certificate, reason=reason)
    return _certificate_out(access.get_certificate_for_user(user, certificate_id), user)


@router.post(
    "/certificates/{certificate_id}/suspend",
    response={200: CertificateOut, **responses(400, 401, 403, 404, 409)},
    summary="Suspend a certificate",
    url_name="certificate_suspend",
)
def suspend_certificate(
    request: HttpRequest, certificate_id: ObjectId, payload: StatusChangeIn
) -> dict[str, Any]:
    """Suspend a valid certificate until reinstated (the bureau); verifiers see suspended."""
    return _change(request, certificate_id, services.suspend_certificate, payload.reason)


@router.post(
    "/certificates/{certificate_id}/revoke",
    response={200: CertificateOut, **responses(400, 401, 403, 404, 409)},
    summary="Revoke a certificate",
    url_name="certificate_revoke",
)
def revoke_certificate(
    request: HttpRequest, certificate_id: ObjectId, payload: StatusChangeIn
) -> dict[str, Any]:
    """Revoke a certificate for good (the bureau); verifiers see revoked."""
    return _change(request, certificate_id, services.revoke_certificate, payload.reason)


@router.post(
    "/certificates/{certificate_id}/reinstate",
    response={200: CertificateOut, **responses(400, 401, 403, 404, 409)},
    summary="Reinstate a certificate",
    url_name="certificate_reinstate",
)
def reinstate_certificate(
    request: HttpRequest, certificate_id: ObjectId, payload: StatusChangeIn
) -> dict[str, Any]:
    """Make a suspended certificate valid again (the bureau)."""
    return _change(request, certificate_id, services.reinstate_certificate, payload.reason)
