"""Check a credential someone pastes or uploads (证书验真): signature, claims, status.

``verify_credential(text)`` accepts a compact VC-JWT, or JSON holding one (``{"jwt": …}``,
a wallet file with the credential beside it, or a credential whose ``proof`` carries it). It
runs the Open Badges 3.0 verification steps (its JWT proof section) against this site's own
keys, retired ones included, then looks the certificate up and reads both status lists. It
never raises for bad input: every outcome is a ``Verification`` whose checks say, in people's
words, what passed and what did not.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import hmac
import itertools
import json
import re
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey

from jineng.certificates import credentials, keys, status_lists
from jineng.certificates.models import Certificate, SigningKey, StatusList, StatusPurpose

# The largest credential checked: a VC-JWT is a few kilobytes.
MAX_CREDENTIAL_BYTES = 64 * 1024
# The deepest nesting of JSON arrays and objects read: a credential nests about 6 levels; the
# bound keeps the recursive JSON decoder (and _jwt_in) far from Python's recursion limit.
MAX_JSON_DEPTH = 64
ALLOWED_HEADERS = frozenset({"alg", "kid", "jwk", "typ"})
# A JSON string (an unterminated one runs to the end, so the scan stays linear), or a bracket.
_JSON_TOKENS = re.compile(r'"(?:[^"\\]|\\.)*+(?:"|\Z)|([\[\]{}])', re.DOTALL)
_DEPTH_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
LABELS = {
    "size": gettext_lazy("Size of what was given"),
    "format": gettext_lazy("A credential can be read from it"),
    "header": gettext_lazy("Signature header"),
    "key": gettext_lazy("Signed with a key of this platform"),
    "signature": gettext_lazy("Signature intact (nothing changed since signing)"),
    "claims": gettext_lazy("Signed claims match the credential"),
    "dates": gettext_lazy("Within its validity period"),
    "registered": gettext_lazy("Certificate on record"),
    "status": gettext_lazy("Not revoked or suspended"),
}


class Check(NamedTuple):
    """One step of the verification: its name, whether it passed, and why in words."""

    name: str
    ok: bool
    message: str

    @property
    def passed(self) -> bool:
        """Whether the step passed (the pages' word for ``ok``)."""
        return self.ok

    @property
    def label(self) -> str:
        """What the step checks, in words."""
        return str(LABELS.get(self.name, self.name))

    @property
    def detail(self) -> str:
        """Why it passed or failed, in words."""
        return self.message


@dataclass(frozen=True)
class Verification:
    """The outcome: valid only when every check passed; ``status`` says how it stands."""

    valid: bool
    status: str
    checks: list[Check] = field(default_factory=list)
    number: str = ""
    credential: dict[str, Any] | None = None

    @property
    def is_valid(self) -> bool:
        """Whether the credential is genuine and in force."""
        return self.valid


class _Failed(Exception):
    """A check failed so that the following ones cannot run."""

    def __init__(self, check: Check) -> None:
        super().__init__(check.message)
        self.check = check


class _TooDeep(ValueError):
    """JSON nested deeper than MAX_JSON_DEPTH: refused before it is parsed."""


def json_depth(text: str) -> int:
    """How deep arrays and objects nest in a JSON text (brackets inside strings not counted).

    A cheap linear scan, run before ``json.loads``: up to the first point where the text stops
    being JSON, the running count of brackets is the nesting depth the decoder would reach.
    """
    brackets = "".join(_JSON_TOKENS.findall(text))
    return max(itertools.accumulate(map(_DEPTH_STEP.__getitem__, brackets), initial=0))


def _json(text: str) -> Any:
    """Parse JSON no deeper than MAX_JSON_DEPTH (a deeper text raises _TooDeep)."""
    if json_depth(text) > MAX_JSON_DEPTH:
        raise _TooDeep(text[:20])
    return json.loads(text)


def _b64json(segment: str) -> Any:
    padded = segment + "=" * (-len(segment) % 4)
    return _json(base64.urlsafe_b64decode(padded.encode("ascii")).decode("utf-8"))


def _too_deep() -> _Failed:
    return _Failed(
        Check(
            "format",
            False,
            _("It nests more than {n} levels deep: no credential does; it cannot be read.").format(
                n=MAX_JSON_DEPTH
            ),
        )
    )


def _looks_like_jwt(text: str) -> bool:
    return text.count(".") == 2 and all(part for part in text.split(".")[:2])


def _jwt_in(document: Any) -> str | None:
    """Find the compact JWT inside a JSON document, wherever wallets put it."""
    if isinstance(document, str):
        return document if _looks_like_jwt(document) else None
    if isinstance(document, list):
        return next((found for item in document if (found := _jwt_in(item))), None)
    if not isinstance(document, dict):
        return None
    for name in ("jwt", "credential", "verifiableCredential", "proof", "vc"):
        if name in document and (found := _jwt_in(document[name])):
            return found
    return None


def _extract(text: str) -> tuple[str, dict[str, Any] | None]:
    """The JWT and, when JSON was given, the credential shown beside it."""
    stripped = text.strip()
    if _looks_like_jwt(stripped) and not stripped.startswith("{"):
        return stripped, None
    try:
        document = _json(stripped)
    except _TooDeep:
        raise _too_deep() from None
    except ValueError:
        raise _Failed(
            Check("format", False, _("This is neither a signed credential (JWT) nor JSON."))
        ) from None
    token = _jwt_in(document)
    if token is None:
        raise _Failed(
            Check(
                "format",
                False,
                _("The JSON holds no signed credential (JWT); an unsigned one cannot be trusted."),
            )
        )
    shown = None
    if isinstance(document, dict):
        candidate = document.get("credential", document)
        if isinstance(candidate, dict) and "credentialSubject" in candidate:
            shown = {k: v for k, v in candidate.items() if k != "proof"}
    return token, shown


def _header(token: str) -> dict[str, Any]:
    try:
        header = _b64json(token.split(".")[0])
    except _TooDeep:
        raise _too_deep() from None
    except (ValueError, binascii.Error, UnicodeError):
        raise _Failed(
            Check("format", False, _("The credential's header cannot be read."))
        ) from None
    if not isinstance(header, dict):
        raise _Failed(Check("format", False, _("The credential's header cannot be read.")))
    problems = []
    if header.get("alg") != keys.ALGORITHM:
        problems.append(_("it must be signed with RS256"))
    if "typ" in header and header["typ"] != "JWT":
        problems.append(_("its type must be JWT"))
    if "kid" not in header and "jwk" not in header:
        problems.append(_("it names no key"))
    extra = sorted(set(header) - ALLOWED_HEADERS)
    if extra:
        problems.append(_("it has headers not allowed: {names}").format(names=", ".join(extra)))
    if problems:
        raise _Failed(Check("header", False, "; ".join(problems)))
    return header


def _our_key(header: dict[str, Any]) -> SigningKey:
    """The key of ours the header names (by DID URL, or by an embedded public JWK)."""
    if "kid" in header:
        kid = str(header["kid"])
        prefix = keys.issuer_did() + "#"
        thumbprint = kid[len(prefix) :] if kid.startswith(prefix) else None
    else:
        try:
            thumbprint = RSAKey.import_key(header["jwk"]).thumbprint()
        except (JoseError, ValueError, TypeError, KeyError):
            thumbprint = None
    found = SigningKey.objects.filter(kid=thumbprint).first() if thumbprint else None
    if found is None:
        raise _Failed(
            Check("key", False, _("It was not signed with any key this platform publishes."))
        )
    return found


def _signed_claims(token: str, signing_key: SigningKey) -> dict[str, Any]:
    try:
        decoded = jwt.decode(token, keys.verification_key(signing_key.public_jwk), ["RS256"])
    except (JoseError, ValueError):
        raise _Failed(
            Check("signature", False, _("The signature does not match: it was altered or forged."))
        ) from None
    return dict(decoded.claims)


def _seconds(value: Any) -> int | None:
    if not isinstance(value, str):
        return None
    try:
        moment = datetime.datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return int(moment.timestamp()) if moment.tzinfo else None


def _claims(claims: dict[str, Any], shown: dict[str, Any] | None) -> dict[str, Any]:
    """Check iss, sub, jti, nbf and exp against the credential in ``vc`` (OB 3.0 rules)."""
    vc = claims.get("vc")
    if not isinstance(vc, dict):
        raise _Failed(Check("claims", False, _("The signed token holds no credential (vc).")))
    issuer = vc.get("issuer")
    issuer_id = issuer.get("id") if isinstance(issuer, dict) else issuer
    subject = vc.get("credentialSubject")
    subject_id = subject.get("id") if isinstance(subject, dict) else None
    problems = []
    if claims.get("iss") != issuer_id or issuer_id != keys.issuer_did():
        problems.append(_("the issuer does not match"))
    if claims.get("sub") != subject_id:
        problems.append(_("the holder does not match"))
    if not claims.get("jti") or claims.get("jti") != vc.get("id"):
        problems.append(_("the credential id does not match"))
    if claims.get("nbf") != _seconds(vc.get("validFrom")):
        problems.append(_("the start of validity does not match"))
    if ("exp" in claims or "validUntil" in vc) and claims.get("exp") != _seconds(
        vc.get("validUntil")
    ):
        problems.append(_("the end of validity does not match"))
    if "OpenBadgeCredential" not in (vc.get("type") or []):
        problems.append(_("it is not an Open Badges credential"))
    if shown is not None and shown != {k: v for k, v in vc.items() if k != "proof"}:
        problems.append(_("the credential shown beside the signature differs from the signed one"))
    if problems:
        raise _Failed(Check("claims", False, "; ".join(problems)))
    return vc


def _dates(claims: dict[str, Any]) -> Check:
    now = int(timezone.now().timestamp())
    nbf, exp = claims.get("nbf"), claims.get("exp")
    if not isinstance(nbf, int) or nbf > now:
        return Check("dates", False, _("It is not valid yet."))
    if exp is not None and (not isinstance(exp, int) or exp < now):
        return Check("dates", False, _("It has expired."))
    return Check("dates", True, _("It is within its validity period."))


def _status_bits(vc: dict[str, Any], certificate: Certificate) -> dict[str, bool]:
    """Read the credential's entries in our status lists: purpose → bit set."""
    entries = vc.get("credentialStatus") or []
    entries = entries if isinstance(entries, list) else [entries]
    lists = {s.purpose: bytes(s.bits) for s in StatusList.objects.all()}
    found: dict[str, bool] = {}
    for entry in entries:
        if not isinstance(entry, dict):
            continue
        purpose = entry.get("statusPurpose")
        if purpose not in lists or entry.get("statusListCredential") != (
            credentials.status_list_url(str(purpose))
        ):
            continue
        try:
            index = int(entry.get("statusListIndex", ""))
        except ValueError:
            continue
        if index != certificate.status_index or not 0 <= index < len(lists[purpose]) * 8:
            continue
        found[str(purpose)] = status_lists.is_set(lists[purpose], index)
    return found


def _status(vc: dict[str, Any], certificate: Certificate) -> tuple[str, Check]:
    bits = _status_bits(vc, certificate)
    if StatusPurpose.REVOCATION not in bits or StatusPurpose.SUSPENSION not in bits:
        return "invalid", Check("status", False, _("Its status entries do not point to our lists."))
    if bits[StatusPurpose.REVOCATION]:
        return "revoked", Check("status", False, _("This certificate has been revoked."))
    if bits[StatusPurpose.SUSPENSION]:
        return "suspended", Check("status", False, _("This certificate is suspended."))
    return "valid", Check("status", True, _("It is neither revoked nor suspended."))


def _on_record(token: str, vc: dict[str, Any], signing_key: SigningKey) -> Certificate:
    """The certificate the credential names, when it is the very credential issued for it.

    A valid signature is not enough: a key (a retired one above all) could sign claims the
    record never held. The presented token must be, byte for byte, the one stored when the
    certificate was issued, signed with the key recorded then.
    """
    certificate = Certificate.objects.filter(credential_id=vc["id"]).first()
    if certificate is None:
        raise _Failed(
            Check("registered", False, _("No certificate on record has this credential."))
        )
    if signing_key.kid != certificate.signing_kid:
        raise _Failed(
            Check(
                "registered",
                False,
                _(
                    "Certificate {number} was not signed with this key: the credential was "
                    "not issued by this platform."
                ).format(number=certificate.number),
            )
        )
    if not hmac.compare_digest(token.encode(), certificate.credential.encode()):
        raise _Failed(
            Check(
                "registered",
                False,
                _(
                    "It differs from the credential issued for certificate {number}: "
                    "what it claims is not what is on record."
                ).format(number=certificate.number),
            )
        )
    return certificate


def _run(text: str, checks: list[Check]) -> tuple[str, str, dict[str, Any] | None]:
    """Run every check in order, appending to ``checks``; return status, number and vc."""
    if len(text.encode("utf-8", "surrogatepass")) > MAX_CREDENTIAL_BYTES:
        raise _Failed(
            Check(
                "size",
                False,
                _("It is larger than {n} KB: a credential is a few KB at most.").format(
                    n=MAX_CREDENTIAL_BYTES // 1024
                ),
            )
        )
    token, shown = _extract(text)
    checks.append(Check("format", True, _("A signed credential (JWT) was found.")))
    header = _header(token)
    checks.append(Check("header", True, _("RS256, with the key named.")))
    signing_key = _our_key(header)
    checks.append(Check("key", True, _("Key {kid}.").format(kid=signing_key.kid[:12])))
    claims = _signed_claims(token, signing_key)
    checks.append(Check("signature", True, _("The signature matches the content.")))
    vc = _claims(claims, shown)
    checks.append(Check("claims", True, _("Issuer, holder, id and dates match.")))
    dates = _dates(claims)
    checks.append(dates)
    certificate = _on_record(token, vc, signing_key)
    checks.append(
        Check("registered", True, _("Certificate {number}.").format(number=certificate.number))
    )
    status, check = _status(vc, certificate)
    checks.append(check)
    if status == "valid" and not dates.ok:
        status = "expired"
    return status, certificate.number, vc


def verify_credential(text: str) -> Verification:
    """Check a pasted or uploaded credential (JWT or JSON) and say, check by check, why."""
    checks: list[Check] = []
    try:
        status, number, vc = _run(text or "", checks)
    except _Failed as failure:
        checks.append(failure.check)
        return Verification(valid=False, status="invalid", checks=checks)
    except (RecursionError, ValueError, TypeError, KeyError, UnicodeError, JoseError):
        # Input no check above foresaw (they bound size and depth first): unreadable, not a 500.
        checks.append(Check("format", False, _("What was given cannot be read as a credential.")))
        return Verification(valid=False, status="invalid", checks=checks)
    valid = all(check.ok for check in checks)
    return Verification(valid=valid, status=status, checks=checks, number=number, credential=vc)
