"""System checks of the serving set-up: database connections stay within what the server has.

Registered in apps.py. A burst of clients must not open more PostgreSQL connections than
the server accepts ("too many clients"): each web thread and task worker holds at most
one, so the set-up is bounded by workers × threads + task workers + spare connections.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, Tags, register
from django.db import connections
from django.utils.module_loading import import_string

from jineng.core.sms import OutboxBackend


def connections_needed() -> int:
    """Return the most database connections the configured serving set-up may hold."""
    return (
        settings.JINENG_WEB_WORKERS * settings.JINENG_WEB_THREADS
        + settings.JINENG_TASK_WORKERS
        + settings.JINENG_DB_SPARE_CONNECTIONS
    )


def _is_postgres() -> bool:
    return settings.DATABASES["default"]["ENGINE"].endswith("postgresql")


def _persistent() -> bool:
    age = settings.DATABASES["default"].get("CONN_MAX_AGE", 0)
    return age is None or age > 0


@register(Tags.database, deploy=False)
def check_server_max_connections(databases: Any = None, **kwargs: Any) -> list[Error]:
    """Compare the set-up with the PostgreSQL server's max_connections (jineng.E103)."""
    if not databases or "default" not in databases or not _is_postgres():
        return []
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT current_setting('max_connections')::int"
            " - current_setting('superuser_reserved_connections')::int"
        )
        available = cursor.fetchone()[0]
    needed = connections_needed()
    if needed <= available:
        return []
    return [
        Error(
            f"The serving set-up may hold {needed} database connections, but the PostgreSQL "
            f"server accepts {available} (max_connections less the superuser reserve).",
            hint="Lower JINENG_WEB_WORKERS, JINENG_WEB_THREADS or JINENG_TASK_WORKERS, or raise "
            "max_connections on the server (or put a pooler such as PgBouncer in front).",
            id="jineng.E103",
        )
    ]


@register()
def check_connection_budget(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Refuse a set-up that may exceed the connections granted (E102) or piles them up (E101)."""
    errors = []
    if settings.DEBUG and _is_postgres() and _persistent():
        errors.append(
            Error(
                "Persistent database connections (JINENG_CONN_MAX_AGE) are on in development "
                "mode: the development server runs every request in a new thread, and each "
                "thread would keep its own connection open until the server has no more.",
                hint="Unset JINENG_CONN_MAX_AGE (0) for the development server; serve "
                "production with gunicorn (deploy/gunicorn.conf.py).",
                id="jineng.E101",
            )
        )
    budget = settings.JINENG_DB_MAX_CONNECTIONS
    needed = connections_needed()
    if budget and needed > budget:
        errors.append(
            Error(
                f"The serving set-up may hold {needed} database connections "
                f"({settings.JINENG_WEB_WORKERS} web workers × {settings.JINENG_WEB_THREADS} "
                f"threads + {settings.JINENG_TASK_WORKERS} task workers + "
                f"{settings.JINENG_DB_SPARE_CONNECTIONS} spare), more than the "
                f"JINENG_DB_MAX_CONNECTIONS={budget} granted to it.",
                hint="Lower JINENG_WEB_WORKERS or JINENG_WEB_THREADS, or grant more connections.",
                id="jineng.E102",
            )
        )
    return errors


@register(Tags.security, deploy=True)
def check_sms_outbox_not_in_production(app_configs: Any = None, **kwargs: Any) -> list[Error]:
    """Refuse the development SMS outbox when serving for real (jineng.E104).

    The outbox keeps every text, live one-time codes included, in a table the bureau reads:
    in production anyone with that page could reset a worker's password.
    """
    if settings.DEBUG:
        return []
    try:
        backend = import_string(settings.JINENG_SMS_BACKEND)
    except ImportError:
        return []
    if not (isinstance(backend, type) and issubclass(backend, OutboxBackend)):
        return []
    return [
        Error(
            "JINENG_SMS_BACKEND is the development SMS outbox (jineng.core.sms.OutboxBackend) "
            "with DEBUG off: live one-time codes would be kept in a table instead of sent.",
            hint="Set JINENG_SMS_BACKEND to the dotted path of the city's SMS gateway backend.",
            id="jineng.E104",
        )
    ]
