"""Signed statements (xAPI 1.0.3 Part Two 2.6), built the way the ADL conformance suite signs
them: a JWS in compact serialisation over the statement, sent as a signature attachment."""

import base64
import datetime
import hashlib
import json

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, hmac, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa
from cryptography.x509.oid import NameOID

from jineng.learning.models import Attachment, Statement
from jineng.learning.tests.conftest import new_id, statement
from jineng.learning.tests.test_attachments import multipart, part, post_multipart

SIGNATURE = "http://adlnet.gov/expapi/attachments/signature"
HASHES = {"RS256": hashes.SHA256, "RS384": hashes.SHA384, "RS512": hashes.SHA512}


@pytest.fixture(scope="module")
def key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


def certificate(key: rsa.RSAPrivateKey) -> str:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "在线学习平台")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(now)
        .not_valid_after(now + datetime.timedelta(days=1))
        .sign(key, hashes.SHA256())
    )
    return base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jws(payload, key, *, alg: str = "RS256", x5c: list[str] | None = None) -> bytes:
    header = {"alg": alg, **({"x5c": x5c} if x5c else {})}
    raw = payload if isinstance(payload, str) else json.dumps(payload)
    signing_input = f"{_b64(json.dumps(header).encode())}.{_b64(raw.encode())}".encode()
    if alg in HASHES:
        signature = key.sign(signing_input, padding.PKCS1v15(), HASHES[alg]())
    else:
        mac = hmac.HMAC(b"shared secret", hashes.SHA256())
        mac.update(signing_input)
        signature = mac.finalize()
    return signing_input + b"." + _b64(signature).encode()


def signed(data: dict, token: bytes, content_type: str = "application/octet-stream") -> dict:
    return {
        **data,
        "attachments": [
            {
                "usageType": SIGNATURE,
                "display": {"en-US": "Signed by the Test Suite"},
                "description": {"en-US": "Signed by the Test Suite"},
                "contentType": content_type,
                "length": len(token),
                "sha2": hashlib.sha256(token).hexdigest(),
            }
        ],
    }


def send(lrs, data: dict, token: bytes, content_type: str = "application/octet-stream"):
    body = multipart(
        signed(data, token, content_type),
        part(token, headers={"Content-Type": content_type}),
    )
    return post_multipart(lrs, body)


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_a_signed_statement_is_stored_with_its_signature(lrs, key, alg):
    data = statement(id=new_id())
    token = jws(data, key, alg=alg)
    response = send(lrs, data, token)
    assert response.status_code == 200
    assert response.json() == [data["id"]]
    assert Statement.objects.get().data["attachments"][0]["usageType"] == SIGNATURE
    assert bytes(Attachment.objects.get().content) == token


@pytest.mark.parametrize("alg", ["RS256", "RS384", "RS512"])
def test_a_signature_with_its_certificate_is_verified(lrs, key, alg):
    data = statement(id=new_id())
    assert send(lrs, data, jws(data, key, alg=alg, x5c=[certificate(key)])).status_code == 200


def test_a_signature_that_does_not_verify_with_its_certificate_is_400(lrs, key):
    other = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    data = statement(id=new_id())
    response = send(lrs, data, jws(data, other, x5c=[certificate(key)]))
    assert response.status_code == 400
    assert response.json()["code"] == "xapi_bad_signature"
    assert not Statement.objects.exists()
    assert not Attachment.objects.exists()


def test_a_signed_payload_that_differs_from_the_statement_is_400(lrs, key):
    data = statement(id=new_id())
    token = jws({**data, "verb": {"id": "http://adlnet.gov/expapi/verbs/completed"}}, key)
    response = send(lrs, data, token)
    assert response.status_code == 400
    assert response.json()["field"] == "attachments"
    assert not Statement.objects.exists()


def test_a_signed_payload_with_another_id_is_400(lrs, key):
    data = statement(id=new_id())
    assert send(lrs, data, jws({**data, "id": new_id()}, key)).status_code == 400


def test_what_the_store_sets_is_not_compared(lrs, key):
    # Signed without id and with a timestamp in another zone: the store adds id, stored,
    # authority and version, and the same instant is the same timestamp.
    data = statement(timestamp="2026-03-02T10:00:00+08:00")
    payload = {**data, "timestamp": "2026-03-02T02:00:00Z", "version": "1.0.0"}
    response = send(lrs, data, jws(payload, key))
    assert response.status_code == 200


@pytest.mark.parametrize(
    ("make", "content_type"),
    [
        # The conformance suite's "bad algorithm": HS256.
        (lambda data, key: jws(data, key, alg="HS256"), "application/octet-stream"),
        # Its "bad JSON serialization of statement".
        (
            lambda data, key: jws(json.dumps(data).replace('"', "'", 1), key),
            "application/octet-stream",
        ),
        # Its "bad contentType".
        (lambda data, key: jws(data, key), "text/plain; charset=ascii"),
        # Not a JWS at all.
        (lambda data, key: b"this is not a signature", "application/octet-stream"),
        # A certificate that is not one.
        (lambda data, key: jws(data, key, x5c=["bm90IGEgY2VydA=="]), "application/octet-stream"),
    ],
)
def test_malformed_signatures_are_400(lrs, key, make, content_type):
    data = statement(id=new_id())
    response = send(lrs, data, make(data, key), content_type)
    assert response.status_code == 400
    assert not Statement.objects.exists()


def test_a_signature_sent_only_by_file_url_is_400(lrs, key):
    data = statement(id=new_id())
    token = jws(data, key)
    body = signed(data, token)
    body["attachments"][0]["fileUrl"] = "http://example.com/signature.jws"
    response = lrs.post("statements", body)
    assert response.status_code == 400
    assert not Statement.objects.exists()
