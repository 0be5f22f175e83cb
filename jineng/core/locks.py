"""Database locks of the shared kernel: the only place locking SQL appears in core."""

from __future__ import annotations

import hashlib

from django.db import connection

# Names the audit streams' advisory locks apart from any other advisory lock.
AUDIT_STREAM_LOCK_PREFIX = b"jineng.audit.stream:"


def audit_stream_lock_key(stream: str) -> int:
    """The advisory lock key of one audit stream: a signed 64-bit number from its name."""
    digest = hashlib.sha256(AUDIT_STREAM_LOCK_PREFIX + stream.encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def audit_chain_for_update(stream: str) -> None:
    """Serialise writers of one audit stream until the current transaction ends.

    PostgreSQL takes a transaction-scoped advisory lock keyed by the stream, so writers of
    other streams do not wait; SQLite transactions are opened IMMEDIATE (see settings), so
    writers are already serialised there. Taken last, after every row lock (ADR 0006).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [audit_stream_lock_key(stream)])
