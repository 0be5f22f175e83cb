"""Encrypt, index and mask personal data (ID and phone numbers) as PIPL requires.

Values are encrypted with AES-256-GCM under a key derived from ``settings.PII_KEY`` and found
again through a keyed hash (HMAC-SHA256), so the database never holds them in clear and an
equality lookup needs no decryption. See docs/adr/0003-personal-data.md.
"""

from __future__ import annotations

import base64
import hmac
import os
from functools import lru_cache

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

# The first byte of every ciphertext names the key version, so keys can be rotated.
KEY_VERSION = 1
NONCE_BYTES = 12


def _derive(master: bytes, purpose: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(master)


@lru_cache(maxsize=4)
def _keys(master_text: str) -> tuple[AESGCM, bytes]:
    master = base64.urlsafe_b64decode(master_text.encode() + b"=" * (-len(master_text) % 4))
    if len(master) < 32:
        raise ValueError("PII key must decode to at least 32 bytes.")
    return AESGCM(_derive(master, b"jineng pii encryption")), _derive(master, b"jineng pii index")


def _current() -> tuple[AESGCM, bytes]:
    return _keys(settings.PII_KEY)


def encrypt(value: str) -> bytes:
    """Return the AES-GCM ciphertext of a value, prefixed with key version and nonce."""
    aead, _ = _current()
    nonce = os.urandom(NONCE_BYTES)
    return bytes([KEY_VERSION]) + nonce + aead.encrypt(nonce, value.encode("utf-8"), None)


def decrypt(blob: bytes | memoryview) -> str:
    """Return the clear value of a ciphertext made by encrypt()."""
    data = bytes(blob)
    if data[0] != KEY_VERSION:
        raise ValueError(f"Unknown PII key version {data[0]}.")
    aead, _ = _current()
    nonce, ciphertext = data[1 : 1 + NONCE_BYTES], data[1 + NONCE_BYTES :]
    return aead.decrypt(nonce, ciphertext, None).decode("utf-8")


def blind_index(value: str) -> str:
    """Return the keyed hash used to look a value up without decrypting (hex, 64 characters)."""
    _, index_key = _current()
    # hmac.digest() is the one-shot fast path (OpenSSL) of hmac.new(...).digest().
    return hmac.digest(index_key, value.encode("utf-8"), "sha256").hex()


def mask_id_number(value: str) -> str:
    """Mask a citizen ID to its region code and last four characters: 220581********123X."""
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 10) + value[-4:]


def mask_phone(value: str) -> str:
    """Mask a mobile number to its first three and last four digits: 138****5678."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 7) + value[-4:]
