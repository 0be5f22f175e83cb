"""The credential as an independent verifier sees it: PyJWT and the published keys only.

Nothing here imports the signing code to verify: the keys come from /.well-known/jwks.json
through the test client, and PyJWT (not joserfc, which signs) checks the signature.
"""

from __future__ import annotations

import base64
import gzip
import json
from types import SimpleNamespace
from typing import Any

import jwt
import pytest
from cryptography.hazmat.primitives.asymmetric import rsa
from django.test import Client

from jineng.certificates import services, verification

from .conftest import BASE_URL, DID
from .helpers import issue

pytestmark = pytest.mark.django_db

OB_CONTEXTS = [
    "https://www.w3.org/ns/credentials/v2",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
]


@pytest.fixture
def ctx(accredited: Any, evaluator: Any, person: Any, occupations: Any, levels: Any) -> Any:
    certificate = issue(evaluator, person, accredited, occupations["electrician"], levels["level3"])
    return SimpleNamespace(certificate=certificate, token=certificate.credential)


def published_jwks() -> dict[str, Any]:
    response = Client().get("/.well-known/jwks.json")
    assert response.status_code == 200
    return response.json()


def independent_decode(token: str, **options: Any) -> dict[str, Any]:
    """Verify with PyJWT and the key the published JWKS names by the header's kid."""
    kid = jwt.get_unverified_header(token)["kid"]
    key = jwt.PyJWKSet.from_dict(published_jwks())[kid]
    return jwt.decode(
        token, key.key, algorithms=["RS256"], issuer=DID, options={"require": ["iss", "nbf"]}
    )


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":"), ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_fresh_credential_verifies_with_pyjwt_and_the_published_keys(ctx: Any) -> None:
    header = jwt.get_unverified_header(ctx.token)
    assert header == {"alg": "RS256", "typ": "JWT", "kid": header["kid"]}
    assert header["kid"].startswith(DID + "#")
    claims = independent_decode(ctx.token)
    vc = claims["vc"]
    assert vc["@context"] == OB_CONTEXTS
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert claims["iss"] == vc["issuer"]["id"] == DID
    assert vc["issuer"]["type"] == ["Profile"]
    assert claims["jti"] == vc["id"] == ctx.certificate.credential_id
    assert claims["sub"] == vc["credentialSubject"]["id"]
    assert vc["credentialSubject"]["type"] == ["AchievementSubject"]
    achievement = vc["credentialSubject"]["achievement"]
    assert achievement["type"] == ["Achievement"]
    assert achievement["criteria"]["narrative"]
    assert "exp" not in claims
    assert [s["statusPurpose"] for s in vc["credentialStatus"]] == ["revocation", "suspension"]
    assert {s["type"] for s in vc["credentialStatus"]} == {"BitstringStatusListEntry"}


def test_nbf_is_valid_from_in_seconds(ctx: Any) -> None:
    import datetime

    claims = independent_decode(ctx.token)
    start = datetime.datetime.fromisoformat(claims["vc"]["validFrom"].replace("Z", "+00:00"))
    assert claims["nbf"] == int(start.timestamp())


def test_a_tampered_payload_fails(ctx: Any) -> None:
    header, payload, signature = ctx.token.split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
    claims["vc"]["credentialSubject"]["achievement"]["name"] = "高级技师"
    forged = f"{header}.{_b64(claims)}.{signature}"
    with pytest.raises(jwt.InvalidSignatureError):
        independent_decode(forged)
    assert not verification.verify_credential(forged).valid


def test_a_credential_signed_with_another_key_fails(ctx: Any) -> None:
    claims = jwt.decode(ctx.token, options={"verify_signature": False})
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    header = jwt.get_unverified_header(ctx.token)
    forged = jwt.encode(claims, other, algorithm="RS256", headers={"kid": header["kid"]})
    with pytest.raises(jwt.InvalidSignatureError):
        independent_decode(forged)
    result = verification.verify_credential(forged)
    assert not result.valid
    assert [c.name for c in result.checks if not c.ok] == ["signature"]


def test_the_jwks_and_did_document_publish_public_keys_only(ctx: Any) -> None:
    keys = published_jwks()["keys"]
    assert len(keys) == 1
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(keys[0])
    assert keys[0]["kty"] == "RSA"
    assert len(base64.urlsafe_b64decode(keys[0]["n"] + "==")) * 8 >= 2048
    did = Client().get("/.well-known/did.json").json()
    assert did["id"] == DID
    method = did["verificationMethod"][0]
    assert method["id"] == keys[0]["kid"]
    assert method["controller"] == DID
    assert "d" not in method["publicKeyJwk"]
    assert did["assertionMethod"] == [method["id"]]


def test_a_credential_signed_before_rotation_still_verifies(ctx: Any, bureau_admin: Any) -> None:
    services.rotate_signing_key(bureau_admin)
    assert len(published_jwks()["keys"]) == 2
    assert independent_decode(ctx.token)["jti"] == ctx.certificate.credential_id
    assert verification.verify_credential(ctx.token).valid


def _bit(status_credential_url: str, index: int) -> bool:
    path = status_credential_url.removeprefix(BASE_URL)
    response = Client().get(path)
    assert response.status_code == 200
    claims = independent_decode(response.content.decode())
    vc = claims["vc"]
    assert vc["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    encoded = vc["credentialSubject"]["encodedList"]
    assert encoded.startswith("u")
    bits = gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4)))
    assert len(bits) * 8 >= 131072
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def test_a_revoked_credential_reports_revoked(ctx: Any, bureau_admin: Any) -> None:
    entry = jwt.decode(ctx.token, options={"verify_signature": False})["vc"]["credentialStatus"][0]
    index = int(entry["statusListIndex"])
    assert _bit(entry["statusListCredential"], index) is False
    services.revoke_certificate(bureau_admin, ctx.certificate, reason="证书造假")
    assert _bit(entry["statusListCredential"], index) is True
    result = verification.verify_credential(ctx.token)
    assert not result.valid
    assert result.status == "revoked"
    assert [c.name for c in result.checks if not c.ok] == ["status"]
