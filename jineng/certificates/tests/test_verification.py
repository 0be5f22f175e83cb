"""verify_credential: the forms it accepts, the checks it runs, the limits it keeps."""

from __future__ import annotations

import base64
import json
from types import SimpleNamespace
from typing import Any

import pytest

from jineng.certificates import credentials, services, verification
from jineng.certificates.models import Certificate, SigningKey

from .helpers import issue

pytestmark = pytest.mark.django_db


@pytest.fixture
def ctx(accredited: Any, evaluator: Any, person: Any, occupations: Any, levels: Any) -> Any:
    certificate = issue(evaluator, person, accredited, occupations["electrician"], levels["level3"])
    return SimpleNamespace(certificate=certificate, token=certificate.credential)


def _payload(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


def _b64(data: dict[str, Any]) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def test_a_compact_jwt_passes_every_check(ctx: Any) -> None:
    result = verification.verify_credential(ctx.token)
    assert result.valid
    assert result.is_valid
    assert result.status == "valid"
    assert result.number == ctx.certificate.number
    assert [c.name for c in result.checks] == [
        "format",
        "header",
        "key",
        "signature",
        "claims",
        "dates",
        "registered",
        "status",
    ]
    assert all(c.passed and c.label and c.detail for c in result.checks)


@pytest.mark.parametrize(
    "wrap",
    [
        lambda t: json.dumps({"jwt": t}),
        lambda t: json.dumps({**_payload(t)["vc"], "proof": {"type": "JwtProof2020", "jwt": t}}),
        lambda t: json.dumps({"credential": _payload(t)["vc"], "jwt": t}),
        lambda t: f"  {t}\n",
    ],
    ids=["jwt-object", "vc-with-proof", "wallet-file", "whitespace"],
)
def test_json_forms_holding_the_jwt_are_accepted(ctx: Any, wrap: Any) -> None:
    assert verification.verify_credential(wrap(ctx.token)).valid


def test_json_shown_beside_the_jwt_must_be_the_signed_credential(ctx: Any) -> None:
    vc = _payload(ctx.token)["vc"]
    vc["name"] = "高级技师证书"
    result = verification.verify_credential(json.dumps({"credential": vc, "jwt": ctx.token}))
    assert not result.valid
    assert result.checks[-1].name == "claims"


def test_unsigned_json_is_refused_in_words(ctx: Any) -> None:
    result = verification.verify_credential(json.dumps(_payload(ctx.token)["vc"]))
    assert not result.valid
    assert result.checks[-1].name == "format"
    assert "JWT" in result.checks[-1].message


@pytest.mark.parametrize("text", ["", "not a credential", "a.b.c", "{broken json"])
def test_garbage_is_refused_without_an_exception(text: str, db: Any) -> None:
    result = verification.verify_credential(text)
    assert not result.valid
    assert result.status == "invalid"


def test_input_larger_than_the_bound_is_refused_clearly(db: Any) -> None:
    result = verification.verify_credential("x" * (verification.MAX_CREDENTIAL_BYTES + 1))
    assert not result.valid
    assert result.checks[0].name == "size"
    assert "64 KB" in result.checks[0].message


def test_headers_beyond_the_specification_are_refused(ctx: Any) -> None:
    header, payload, signature = ctx.token.split(".")
    extra = _b64({**json.loads(base64.urlsafe_b64decode(header + "==")), "x5u": "https://x"})
    result = verification.verify_credential(f"{extra}.{payload}.{signature}")
    assert result.checks[-1].name == "header"
    assert "x5u" in result.checks[-1].message


def test_a_key_of_someone_else_is_not_ours(ctx: Any) -> None:
    header, payload, signature = ctx.token.split(".")
    other = _b64({"alg": "RS256", "typ": "JWT", "kid": "did:web:evil.example#abc"})
    result = verification.verify_credential(f"{other}.{payload}.{signature}")
    assert result.checks[-1].name == "key"


def test_a_credential_no_longer_on_record_fails(ctx: Any) -> None:
    Certificate.objects.filter(pk=ctx.certificate.pk).update(credential_id="urn:uuid:gone")
    result = verification.verify_credential(ctx.token)
    assert not result.valid
    assert result.checks[-1].name == "registered"


def test_a_suspended_certificate_reports_suspended(ctx: Any, bureau_admin: Any) -> None:
    services.suspend_certificate(bureau_admin, ctx.certificate, reason="核查中")
    result = verification.verify_credential(ctx.token)
    assert result.status == "suspended"
    assert not result.valid


def _signed_before_record(result: Any) -> list[str]:
    return [c.name for c in result.checks if c.passed]


def test_claims_resigned_with_our_key_but_not_on_record_are_refused(ctx: Any) -> None:
    """A vc changed (level raised) and signed with the certificate's own key is not the record."""
    vc = _payload(ctx.token)["vc"]
    vc["name"] = vc["credentialSubject"]["achievement"]["name"] = (
        "电工（一级/高级技师）职业技能等级证书"
    )
    key = SigningKey.objects.get(kid=ctx.certificate.signing_kid)
    result = verification.verify_credential(credentials.sign(vc, key))
    assert (result.valid, result.status, result.number) == (False, "invalid", "")
    assert _signed_before_record(result) == [
        "format",
        "header",
        "key",
        "signature",
        "claims",
        "dates",
    ]
    assert result.checks[-1] == verification.Check(
        "registered",
        False,
        f"It differs from the credential issued for certificate {ctx.certificate.number}: "
        "what it claims is not what is on record.",
    )


def test_a_retired_key_cannot_vouch_for_a_later_certificate(
    accredited: Any, evaluator: Any, person: Any, occupations: Any, levels: Any, bureau_admin: Any
) -> None:
    services.ensure_signing_key()
    old = SigningKey.objects.get()
    services.rotate_signing_key(bureau_admin)
    later = issue(evaluator, person, accredited, occupations["electrician"], levels["level3"])
    assert later.signing_kid != old.kid
    result = verification.verify_credential(credentials.sign(_payload(later.credential)["vc"], old))
    assert (result.valid, result.status, result.number) == (False, "invalid", "")
    assert _signed_before_record(result) == [
        "format",
        "header",
        "key",
        "signature",
        "claims",
        "dates",
    ]
    assert result.checks[-1] == verification.Check(
        "registered",
        False,
        f"Certificate {later.number} was not signed with this key: the credential was not "
        "issued by this platform.",
    )
    assert verification.verify_credential(later.credential).valid


def test_the_very_credential_issued_still_verifies_after_rotation(
    ctx: Any, bureau_admin: Any
) -> None:
    services.rotate_signing_key(bureau_admin)
    result = verification.verify_credential(ctx.token)
    assert (result.valid, result.status, result.number) == (True, "valid", ctx.certificate.number)
    assert result.checks[6] == verification.Check(
        "registered", True, f"Certificate {ctx.certificate.number}."
    )
