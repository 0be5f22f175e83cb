"""W3C Bitstring Status Lists (状态列表) of revocation and suspension.

Each list is a bitstring of at least 131,072 entries (the specification's minimum, for herd
privacy); index 0 is the most significant bit of the first byte. A certificate has the same
index in both lists. Indexes are handed out in a scrambled order (an odd stride modulo the
size, a power of two: every index once, none twice) so that neighbouring certificates do not
sit side by side. The published ``encodedList`` is the bitstring GZIP-compressed, then
base64url-encoded without padding, with the multibase prefix "u".
"""

from __future__ import annotations

import base64
import gzip
import io

from jineng.certificates.models import StatusList

MIN_SIZE = 131072
# An odd stride visits every index of a power-of-two list once before repeating.
STRIDE = 40503
OFFSET = 7919


def empty_bits(size: int = MIN_SIZE) -> bytes:
    """A bitstring of ``size`` entries, all zero."""
    if size < MIN_SIZE or size & (size - 1):
        raise ValueError("A status list has a power-of-two size of at least 131072 entries.")
    return bytes(size // 8)


def position(sequence: int, size: int = MIN_SIZE) -> int:
    """The list index of the ``sequence``-th certificate (0, 1, 2 …)."""
    return (sequence * STRIDE + OFFSET) % size


def is_set(bits: bytes, index: int) -> bool:
    """Tell whether the entry at an index is 1."""
    return bool(bits[index // 8] & (0x80 >> (index % 8)))


def with_bit(bits: bytes, index: int, value: bool) -> bytes:
    """Return the bitstring with the entry at an index set to 1 or 0."""
    data = bytearray(bits)
    mask = 0x80 >> (index % 8)
    if value:
        data[index // 8] |= mask
    else:
        data[index // 8] &= ~mask & 0xFF
    return bytes(data)


def encode(bits: bytes) -> str:
    """The ``encodedList`` of a bitstring: multibase base64url (no padding) of its GZIP."""
    compressed = gzip.compress(bits, mtime=0)
    return "u" + base64.urlsafe_b64encode(compressed).decode().rstrip("=")


def decode(encoded: str) -> bytes:
    """The bitstring of an ``encodedList``; ValueError if it is not one."""
    if not encoded.startswith("u"):
        raise ValueError("encodedList must be multibase base64url (prefix 'u').")
    body = encoded[1:]
    compressed = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    # A bounded read: a list of MIN_SIZE entries is 16 KiB; refuse anything far larger.
    with gzip.GzipFile(fileobj=io.BytesIO(compressed)) as stream:
        bits = stream.read(64 * MIN_SIZE // 8 + 1)
    if len(bits) > 64 * MIN_SIZE // 8:
        raise ValueError("encodedList is too large.")
    return bits


def bits_of(status_list: StatusList) -> bytes:
    """The list's bitstring as bytes."""
    return bytes(status_list.bits)
