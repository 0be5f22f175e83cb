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


class Cipher:
    """Encrypt and blind-index values under one set of keys.

    Bulk paths take one with cipher() before their loop rather than calling the module
    functions per value, which look the keys up again every time.
    """

    __slots__ = ("_aead", "_index_key")

    def __init__(self, encryption_key: bytes, index_key: bytes) -> None:
        self._aead = AESGCM(encryption_key)
        self._index_key = index_key

    def encrypt(self, value: str) -> bytes:
        """Return the AES-GCM ciphertext of a value, prefixed with key version and nonce."""
        # A fresh random nonce per value, never reused: GCM's security depends on it.
        nonce = os.urandom(NONCE_BYTES)
        return _VERSION_BYTE + nonce + self._aead.encrypt(nonce, value.encode("utf-8"), None)

    def decrypt(self, blob: bytes | memoryview) -> str:
        """Return the clear value of a ciphertext made by encrypt()."""
        data = bytes(blob)
        if data[0] != KEY_VERSION:
            raise ValueError(f"Unknown PII key version {data[0]}.")
        nonce, ciphertext = data[1 : 1 + NONCE_BYTES], data[1 + NONCE_BYTES :]
        return self._aead.decrypt(nonce, ciphertext, None).decode("utf-8")

    def blind_index(self, value: str) -> str:
        """Return the keyed hash used to look a value up without decrypting (64 hex digits)."""
        # hmac.digest() is the one-shot fast path (OpenSSL) of hmac.new(...).digest().
        return hmac.digest(self._index_key, value.encode("utf-8"), "sha256").hex()


_VERSION_BYTE = bytes([KEY_VERSION])


def _master(master_text: str) -> bytes:
    master = base64.urlsafe_b64decode(master_text.encode() + b"=" * (-len(master_text) % 4))
    if len(master) < 32:
        raise ValueError("PII key must decode to at least 32 bytes.")
    return master


@lru_cache(maxsize=4)
def _keys(master_text: str) -> Cipher:
    master = _master(master_text)
    return Cipher(_derive(master, b"jineng pii encryption"), _derive(master, b"jineng pii index"))


@lru_cache(maxsize=8)
def _purpose_key(master_text: str, purpose: bytes) -> bytes:
    return _derive(_master(master_text), purpose)


def derived_key(purpose: bytes) -> bytes:
    """Return a 32-byte key of its own for one purpose, derived from settings.PII_KEY (HKDF).

    Anything else that hashes personal data (an HMAC over a request body, for instance) takes
    its key from here, so that one master key and one derivation serve the whole project.
    """
    return _purpose_key(settings.PII_KEY, purpose)


def cipher() -> Cipher:
    """Return the Cipher of the current key (settings.PII_KEY)."""
    return _keys(settings.PII_KEY)


def encrypt(value: str) -> bytes:
    """Return the AES-GCM ciphertext of a value, prefixed with key version and nonce."""
    return cipher().encrypt(value)


def decrypt(blob: bytes | memoryview) -> str:
    """Return the clear value of a ciphertext made by encrypt()."""
    return cipher().decrypt(blob)


def blind_index(value: str) -> str:
    """Return the keyed hash used to look a value up without decrypting (hex, 64 characters)."""
    return cipher().blind_index(value)


def mask_id_number(value: str) -> str:
    """Mask a citizen ID to its region code and last two characters: 220581**********3X.

    The hidden twelve hold the birth date and most of the sequence number, so with an age
    band beside it (age_band) about 16,000 numbers stay possible: too many to confirm one
    by lookups, which are limited per account (see docs/adr/0003-personal-data.md).
    """
    if len(value) < 10:
        return "*" * len(value)
    return value[:6] + "*" * (len(value) - 8) + value[-2:]


def mask_phone(value: str) -> str:
    """Mask a mobile number to its first three and last two digits: 138******78."""
    if len(value) < 7:
        return "*" * len(value)
    return value[:3] + "*" * (len(value) - 5) + value[-2:]


def mask_name(value: str) -> str:
    """Mask a name for public and limited views: 张三明 → 张*明, 张三 → 张*, 欧阳修文 → 欧**文.

    The family name and, for three characters or more, the last character stay: enough for
    the holder to recognise the line, too little to name a stranger.
    """
    name = (value or "").strip()
    if len(name) <= 1:
        return "*" if name else ""
    if len(name) == 2:
        return name[0] + "*"
    return name[0] + "*" * (len(name) - 2) + name[-1]


# Width of the age bands shown beside masked numbers.
AGE_BAND_YEARS = 5


def age_band(age: int) -> str:
    """Give an age as its five-year band, e.g. 30–34: an exact age narrows a masked ID.

    Callers pass the age reached this calendar year (people.Person.age_band), so that the
    band never moves on a birthday.
    """
    low = age - age % AGE_BAND_YEARS
    return f"{low}–{low + AGE_BAND_YEARS - 1}"
