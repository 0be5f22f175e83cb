"""Database locks of the shared kernel: the only place locking SQL appears in core."""

from __future__ import annotations

from django.db import connection

# Arbitrary constant naming the audit chain's advisory lock.
AUDIT_CHAIN_LOCK_KEY = 0x4A494E454E47


def audit_chain_for_update() -> None:
    """Serialise writers of the audit chain until the current transaction ends.

    PostgreSQL takes a transaction-scoped advisory lock; SQLite transactions are
    opened IMMEDIATE (see settings), so writers are already serialised there.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_CHAIN_LOCK_KEY])
