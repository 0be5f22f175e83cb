"""The printable PDF (anyone who may see the certificate) and the holder's wallet downloads.

The credential files go to the holder alone: another worker gets 404, as for a certificate
that does not exist; those who may see the certificate but do not hold it (the bureau, the
issuer's staff) get 403.
"""

from __future__ import annotations

import base64
import json

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.certificates import access, credentials, pdf
from jineng.certificates.models import Certificate
from jineng.core import errors
from jineng.core.http import mark_personal_data


def _found(request: AuthenticatedHttpRequest, certificate_id: int) -> Certificate:
    try:
        return access.get_certificate_for_user(request.user, certificate_id)
    except errors.NotFound as error:
        raise Http404(error.detail) from None


def _own(request: AuthenticatedHttpRequest, certificate_id: int) -> Certificate:
    """The holder's own certificate: 404 outside the caller's scope (another worker's),
    403 for those who may see it but are not its holder (the bureau, the issuer's staff)."""
    certificate = _found(request, certificate_id)
    if not request.user.person_id or certificate.holder_id != request.user.person_id:
        raise PermissionDenied(_("Only the holder may download the credential."))
    return certificate


@login_required
@require_GET
def certificate_pdf(request: AuthenticatedHttpRequest, certificate_id: int) -> HttpResponse:
    """Print the certificate; the holder's full name only for the holder and the bureau.

    The QR code opens the public page at JINENG_PUBLIC_BASE_URL, not at the address of this
    request: a copy printed from an internal address must still open for the public.
    """
    certificate = _found(request, certificate_id)
    full = access.sees_all(request.user) or request.user.person_id == certificate.holder_id
    printed = pdf.render_certificate_pdf(
        certificate, verify_url=credentials.verify_url(certificate.number), full_name=full
    )
    response = HttpResponse(printed.content, content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{certificate.number}.pdf"'
    return mark_personal_data(response)


def credential_document(certificate: Certificate) -> dict:
    """Return the wallet file: the compact VC-JWT and, beside it, the credential it signs.

    The credential is the OpenBadgeCredential (the JWT's ``vc`` claim); its proof is the JWT
    itself (Open Badges 3.0, VC-JWT), so a verifier checks ``jwt`` and may compare the two,
    as /verify/ does.
    """
    payload = certificate.credential.split(".")[1]
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    return {"jwt": certificate.credential, "credential": claims.get("vc", claims)}


@login_required
@require_GET
def credential_jwt(request: AuthenticatedHttpRequest, certificate_id: int) -> HttpResponse:
    """Download the holder's own credential as its compact VC-JWT (.jwt)."""
    certificate = _own(request, certificate_id)
    response = HttpResponse(certificate.credential, content_type="application/vc+jwt")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.jwt"'
    return mark_personal_data(response)


@login_required
@require_GET
def credential_json(request: AuthenticatedHttpRequest, certificate_id: int) -> HttpResponse:
    """Download the holder's own credential as JSON (.json) for a wallet."""
    certificate = _own(request, certificate_id)
    body = json.dumps(credential_document(certificate), ensure_ascii=False, indent=2)
    response = HttpResponse(body, content_type="application/json; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{certificate.number}.json"'
    return mark_personal_data(response)
