"""Every lock wait is bounded: a request that waits too long is told to try again.

PostgreSQL gets ``lock_timeout`` for every connection and SQLite a busy timeout of the same
length (settings.DATABASES, ``JINENG_LOCK_TIMEOUT_MS``), so every row lock, advisory lock
and SQLite write transaction taken in an app's ``locks.py`` waits at most that long.
The error the database then raises is turned here, in one place for every query, into
``core.errors.Busy``; see docs/adr/0006-locking.md.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from django.conf import settings
from django.db import DatabaseError
from django.db.backends.base.base import BaseDatabaseWrapper

from jineng.core.errors import Busy

# PostgreSQL's lock_not_available: lock_timeout expired (or NOWAIT found the lock taken).
LOCK_NOT_AVAILABLE = "55P03"
# What SQLite says when its busy timeout expired with the database or a table still locked.
SQLITE_LOCKED = ("database is locked", "database table is locked")


def retry_after() -> int:
    """Seconds a client should wait before retrying: the lock timeout, rounded up."""
    return max(1, math.ceil(settings.JINENG_LOCK_TIMEOUT_MS / 1000))


def is_lock_timeout(exc: BaseException) -> bool:
    """Whether a database error says a lock stayed taken past the timeout."""
    if isinstance(exc, Busy):
        return True
    if not isinstance(exc, DatabaseError):
        return False
    cause = exc.__cause__
    if getattr(cause, "sqlstate", None) == LOCK_NOT_AVAILABLE:  # psycopg 3
        return True
    if getattr(cause, "pgcode", None) == LOCK_NOT_AVAILABLE:  # psycopg 2
        return True
    return str(exc).startswith(SQLITE_LOCKED)


def raise_busy_on_lock_timeout(
    execute: Callable[[str, object, bool, dict[str, object]], object],
    sql: str,
    params: object,
    many: bool,
    context: dict[str, object],
) -> object:
    """Run a query; a lock timeout becomes ``Busy`` (the transaction is rolled back by its
    ``atomic`` block, as for any error inside it)."""
    try:
        return execute(sql, params, many, context)
    except Busy:
        raise
    except DatabaseError as exc:
        if is_lock_timeout(exc):
            raise Busy(str(exc), retry_after=retry_after()) from exc
        raise


def install(sender: object, connection: BaseDatabaseWrapper, **kwargs: object) -> None:
    """Wrap every query of a new database connection (``connection_created`` signal)."""
    if raise_busy_on_lock_timeout not in connection.execute_wrappers:
        connection.execute_wrappers.append(raise_busy_on_lock_timeout)
