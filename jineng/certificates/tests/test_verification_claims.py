"""Claims signed with our own key that break the OB 3.0 rules: each named in words."""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from joserfc import jwt

from jineng.certificates import credentials, keys, verification
from jineng.certificates.models import SigningKey

from .helpers import issue

pytestmark = pytest.mark.django_db


def _claims(token: str) -> dict[str, Any]:
    part = token.split(".")[1]
    return json.loads(base64.urlsafe_b64decode(part + "=" * (-len(part) % 4)))


@pytest.fixture
def signed(accredited: Any, evaluator: Any, person: Any, occupations: Any, levels: Any) -> Any:
    """Sign altered claims of a real certificate's credential with the key that issued it."""
    certificate = issue(evaluator, person, accredited, occupations["electrician"], levels["level3"])
    key = SigningKey.objects.get(kid=certificate.signing_kid)

    def sign(alter: Callable[[dict[str, Any]], None]) -> verification.Verification:
        claims = _claims(certificate.credential)
        alter(claims)
        token = jwt.encode(credentials.header_for(key), claims, keys.private_key(key))
        return verification.verify_credential(token)

    return sign


def _failed(result: verification.Verification) -> verification.Check:
    assert (result.valid, result.status) == (False, "invalid")
    return next(c for c in result.checks if not c.passed)


@pytest.mark.parametrize(
    ("alter", "problem"),
    [
        (lambda c: c.update(iss="did:web:elsewhere.example"), "the issuer does not match"),
        (lambda c: c.update(sub="urn:uuid:someone-else"), "the holder does not match"),
        (lambda c: c.update(jti="urn:uuid:another"), "the credential id does not match"),
        (lambda c: c.update(nbf=c["nbf"] - 86400), "the start of validity does not match"),
        (lambda c: c.update(exp=c["nbf"] + 60), "the end of validity does not match"),
        (
            lambda c: c["vc"].update(type=["VerifiableCredential"]),
            "it is not an Open Badges credential",
        ),
    ],
)
def test_a_claim_that_breaks_the_rules_is_named(
    signed: Any, alter: Callable[[dict[str, Any]], None], problem: str
) -> None:
    check = _failed(signed(alter))
    assert check.name == "claims"
    assert problem in check.message


def test_a_token_without_a_credential_is_refused(signed: Any) -> None:
    check = _failed(signed(lambda c: c.pop("vc")))
    assert (check.name, check.message) == ("claims", "The signed token holds no credential (vc).")


def test_a_credential_not_valid_yet_is_refused(signed: Any) -> None:
    later = int(time.time()) + 86400

    def alter(c: dict[str, Any]) -> None:
        c["nbf"] = later
        c["vc"]["validFrom"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(later))

    result = signed(alter)
    dates = next(c for c in result.checks if c.name == "dates")
    assert (result.valid, dates.passed, dates.message) == (False, False, "It is not valid yet.")


def test_an_expired_credential_is_refused(signed: Any) -> None:
    past = int(time.time()) - 60

    def alter(c: dict[str, Any]) -> None:
        c["exp"] = past
        c["vc"]["validUntil"] = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(past))

    result = signed(alter)
    dates = next(c for c in result.checks if c.name == "dates")
    assert (result.valid, dates.passed, dates.message) == (False, False, "It has expired.")
