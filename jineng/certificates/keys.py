"""The issuer's RS256 signing keys (签名密钥): generate, keep encrypted, publish.

A key is an RSA key of ``KEY_BITS`` bits; its ``kid`` is its RFC 7638 thumbprint. The private
half is stored encrypted with AES-256-GCM under a key derived from settings.PII_KEY (HKDF,
``core.pii.derived_key``), its kid bound in as associated data, so the database alone never
yields a usable key. Credentials name their key by a DID URL, ``did:web:<host>#<kid>``, which
dereferences through the did:web document to the public JWK; the same URL is the ``kid`` of
the key in /.well-known/jwks.json. Retired keys stay published (docs/adr/0021).
"""

from __future__ import annotations

import os
from functools import lru_cache
from typing import Any
from urllib.parse import quote, urlsplit

from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from joserfc.jwk import RSAKey

from jineng.certificates.models import SigningKey
from jineng.core.pii import derived_key

ALGORITHM = "RS256"
KEY_BITS = 3072
NONCE_BYTES = 12
# Names the key that encrypts signing keys apart from every other key derived from PII_KEY.
WRAPPING_PURPOSE = b"jineng certificates signing key wrapping"
# The members a published RSA public key has; "d" and the other private members never appear.
PUBLIC_MEMBERS = ("kty", "n", "e")


def issuer_did() -> str:
    """The issuer's did:web, from the host of JINENG_PUBLIC_BASE_URL (a port is %3A-encoded)."""
    host = urlsplit(settings.JINENG_PUBLIC_BASE_URL).netloc
    return "did:web:" + quote(host, safe="")


def public_base_url() -> str:
    """The public address of the site, without a trailing slash."""
    base: str = settings.JINENG_PUBLIC_BASE_URL
    return base.rstrip("/")


def key_uri(kid: str) -> str:
    """The DID URL that names a key in credential headers, the JWKS and the DID document."""
    return f"{issuer_did()}#{kid}"


def generate_private_key() -> RSAKey:
    """Generate a fresh RSA key pair (tests replace this with a cached key)."""
    return RSAKey.generate_key(KEY_BITS, private=True)


def public_jwk(key: RSAKey) -> dict[str, Any]:
    """The public members of a key, and nothing else."""
    full = key.as_dict(private=False)
    return {name: full[name] for name in PUBLIC_MEMBERS}


def _wrapping() -> AESGCM:
    return AESGCM(derived_key(WRAPPING_PURPOSE))


def encrypt_private_key(key: RSAKey, kid: str) -> bytes:
    """Encrypt a private key's PEM, binding its kid (nonce first)."""
    nonce = os.urandom(NONCE_BYTES)
    pem = key.as_pem(private=True)
    return nonce + _wrapping().encrypt(nonce, pem, kid.encode())


def new_signing_key() -> SigningKey:
    """Build (unsaved) an active signing key with a fresh key pair."""
    key = generate_private_key()
    kid = key.thumbprint()
    return SigningKey(
        kid=kid,
        algorithm=ALGORITHM,
        public_jwk=public_jwk(key),
        private_key_encrypted=encrypt_private_key(key, kid),
    )


@lru_cache(maxsize=8)
def _private_key(kid: str, blob: bytes) -> RSAKey:
    nonce, ciphertext = blob[:NONCE_BYTES], blob[NONCE_BYTES:]
    pem = _wrapping().decrypt(nonce, ciphertext, kid.encode())
    return RSAKey.import_key(pem)


def private_key(signing_key: SigningKey) -> RSAKey:
    """Decrypt a signing key's private half (cached per process by kid)."""
    return _private_key(signing_key.kid, bytes(signing_key.private_key_encrypted))


def verification_key(public: dict[str, Any]) -> RSAKey:
    """Import a published public JWK for verifying."""
    return RSAKey.import_key({name: public[name] for name in PUBLIC_MEMBERS})


def published_keys() -> list[SigningKey]:
    """Every key a verifier may need, active and retired, oldest first."""
    return list(SigningKey.objects.order_by("created_at", "pk"))


def jwk_entry(signing_key: SigningKey) -> dict[str, Any]:
    """One key as /.well-known/jwks.json publishes it: public members, kid, use and alg."""
    return {
        **{name: signing_key.public_jwk[name] for name in PUBLIC_MEMBERS},
        "kid": key_uri(signing_key.kid),
        "use": "sig",
        "alg": signing_key.algorithm,
    }


def jwks() -> dict[str, Any]:
    """The JSON Web Key Set of every published key (RFC 7517)."""
    return {"keys": [jwk_entry(k) for k in published_keys()]}


def did_document() -> dict[str, Any]:
    """The did:web document: every key as a JsonWebKey2020 verification method for assertions."""
    did = issuer_did()
    methods = [
        {
            "id": key_uri(k.kid),
            "type": "JsonWebKey2020",
            "controller": did,
            "publicKeyJwk": {
                **{name: k.public_jwk[name] for name in PUBLIC_MEMBERS},
                "kid": key_uri(k.kid),
                "alg": k.algorithm,
            },
        }
        for k in published_keys()
    ]
    return {
        "@context": [
            "https://www.w3.org/ns/did/v1",
            "https://w3id.org/security/suites/jws-2020/v1",
        ],
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": [m["id"] for m in methods],
    }
