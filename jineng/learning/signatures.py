"""Verify signed xAPI statements (签名学习记录, Part Two 2.6) before they are stored.

A signed statement carries a JWS (compact serialisation, RS256, RS384 or RS512) as an attachment
with the usageType ``http://adlnet.gov/expapi/attachments/signature``. The store decodes it,
checks that its payload is the statement as sent (ignoring what the store itself sets and the
attachments, to which the signature was added), and, when the JWS header carries an X.509
certificate (``x5c``), verifies the signature with that certificate's key.
"""

from __future__ import annotations

import base64
import binascii
import copy
import json
from collections.abc import Callable
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from django.utils.translation import gettext as _

from jineng.learning.attachments import SIGNATURE_USAGE, Part
from jineng.learning.errors import BadSignature, Malformed
from jineng.learning.validation import parse_timestamp

ALGORITHMS: dict[str, type[hashes.HashAlgorithm]] = {
    "RS256": hashes.SHA256,
    "RS384": hashes.SHA384,
    "RS512": hashes.SHA512,
}
# Set or changed by the store (id only when the signer left it out), or added after signing.
_NOT_COMPARED = ("authority", "stored", "version", "attachments")


def _b64(segment: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    except (binascii.Error, ValueError):
        raise BadSignature(_("The signature is not a JWS."), field="attachments") from None


def _decode(token: bytes) -> tuple[dict[str, Any], Any, bytes, bytes]:
    try:
        text = token.decode("ascii").strip()
    except UnicodeDecodeError:
        raise BadSignature(_("The signature is not a JWS."), field="attachments") from None
    segments = text.split(".")
    if len(segments) != 3 or not all(segments[:2]):
        raise BadSignature(
            _("The signature is not a JWS in compact serialisation."), field="attachments"
        )
    try:
        header = json.loads(_b64(segments[0]))
        payload = json.loads(_b64(segments[1]))
    except (ValueError, UnicodeDecodeError):
        raise BadSignature(
            _("The JWS header or payload is not JSON."), field="attachments"
        ) from None
    if not isinstance(header, dict):
        raise BadSignature(_("The JWS header is not a JSON object."), field="attachments")
    signing_input = (segments[0] + "." + segments[1]).encode("ascii")
    return header, payload, signing_input, _b64(segments[2])


def _verify(header: dict[str, Any], signing_input: bytes, signature: bytes) -> None:
    algorithm = ALGORITHMS.get(header.get("alg"))  # type: ignore[arg-type]
    if algorithm is None:
        raise BadSignature(
            _("The JWS algorithm must be RS256, RS384 or RS512."), field="attachments"
        )
    chain = header.get("x5c")
    if chain is None:
        return
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(chain[0], validate=True))
    except (TypeError, IndexError, KeyError, ValueError, binascii.Error):
        raise BadSignature(
            _("The JWS x5c header holds no X.509 certificate."), field="attachments"
        ) from None
    key = certificate.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise BadSignature(_("The JWS certificate does not hold an RSA key."), field="attachments")
    try:
        key.verify(signature, signing_input, padding.PKCS1v15(), algorithm())
    except InvalidSignature:
        raise BadSignature(
            _("The signature does not verify with its certificate."), field="attachments"
        ) from None


def _comparable(statement: dict[str, Any], signed: dict[str, Any]) -> dict[str, Any]:
    skip = set(_NOT_COMPARED)
    if "id" not in signed:
        skip.add("id")
    if "timestamp" not in signed:
        skip.add("timestamp")
    result = {k: v for k, v in statement.items() if k not in skip}
    if "timestamp" in result:
        result["timestamp"] = parse_timestamp(result["timestamp"], "timestamp")
    return result


def verify(
    statement: dict[str, Any], parts: dict[str, Part], check: Callable[[Any], dict[str, Any]]
) -> None:
    """Refuse (400) a statement whose signature attachments do not verify or do not match it.

    ``check`` validates and normalises a statement as the store does, so that the signed
    payload and the received statement are compared in the same form.
    """
    for item in statement.get("attachments") or []:
        if item.get("usageType") != SIGNATURE_USAGE:
            continue
        part = parts.get(str(item.get("sha2", "")).lower())
        if part is None:
            raise BadSignature(
                _("A signature must be sent as a part of the request."), field="attachments"
            )
        header, payload, signing_input, signature = _decode(part.content)
        _verify(header, signing_input, signature)
        if not isinstance(payload, dict):
            raise BadSignature(_("The JWS payload is not a statement."), field="attachments")
        signed = copy.deepcopy(payload)
        signed.pop("attachments", None)
        try:
            signed = check(signed)
        except Malformed:
            raise BadSignature(
                _("The JWS payload is not a valid statement."), field="attachments"
            ) from None
        if _comparable(signed, payload) != _comparable(statement, payload):
            raise BadSignature(
                _("The signed statement differs from the statement sent."), field="attachments"
            )
