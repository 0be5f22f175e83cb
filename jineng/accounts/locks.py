"""Locks of accounts: the only place locking SQL appears in this app (ADR 0006)."""

from __future__ import annotations

import hashlib

from django.db import connection

from jineng.accounts.models import OneTimeCode

# Names the one-time-code advisory locks apart from any other advisory lock.
PHONE_LOCK_PREFIX = b"jineng.accounts.otp.phone:"


def codes_of_phone_for_update(phone_hash: str) -> None:
    """Serialise the code requests of one phone until the transaction ends.

    There is no row per phone to lock, so PostgreSQL takes a transaction-scoped advisory lock
    keyed by the number's hash (the lock timeout applies); SQLite transactions are opened
    IMMEDIATE, so writers are serialised already. Two requests for one number then count
    each other's codes and cannot both slip past the resend limit.
    """
    if connection.vendor == "postgresql":
        digest = hashlib.sha256(PHONE_LOCK_PREFIX + phone_hash.encode()).digest()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s)", [int.from_bytes(digest[:8], "big", signed=True)]
            )


def code_for_update(pk: int) -> OneTimeCode | None:
    """Lock one code row while a try is counted against it."""
    return OneTimeCode.objects.select_for_update().filter(pk=pk).first()
