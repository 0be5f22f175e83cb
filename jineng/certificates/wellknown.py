"""Public documents that verifiers fetch: the keys, the did:web document, the status lists.

No login, nothing personal: /.well-known/jwks.json (every published public key, retired
ones included, never a private member), /.well-known/did.json (the issuer's did:web document)
and /certificates/status/<purpose> (a signed BitstringStatusListCredential).
"""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.http import require_GET

from jineng.certificates import keys
from jineng.certificates.models import StatusList, StatusPurpose

# Keys change rarely; status lists may change any minute.
KEYS_MAX_AGE = 300
STATUS_MAX_AGE = 60


def _public(response: HttpResponse, max_age: int) -> HttpResponse:
    response["Cache-Control"] = f"public, max-age={max_age}"
    response["Access-Control-Allow-Origin"] = "*"
    return response


@require_GET
def jwks(request: HttpRequest) -> HttpResponse:
    """Serve the JSON Web Key Set of the issuer's public keys (RFC 7517)."""
    response = JsonResponse(keys.jwks(), content_type="application/jwk-set+json")
    return _public(response, KEYS_MAX_AGE)


@require_GET
def did_document(request: HttpRequest) -> HttpResponse:
    """Serve the issuer's did:web document."""
    response = JsonResponse(keys.did_document(), content_type="application/did+json")
    return _public(response, KEYS_MAX_AGE)


@require_GET
def status_list(request: HttpRequest, purpose: str) -> HttpResponse:
    """Serve a signed BitstringStatusListCredential (compact VC-JWT)."""
    if purpose not in StatusPurpose.values:
        raise Http404
    credential = (
        StatusList.objects.filter(purpose=purpose).values_list("credential", flat=True).first()
    )
    if not credential:
        raise Http404
    return _public(HttpResponse(credential, content_type="application/jwt"), STATUS_MAX_AGE)
