"""Background tasks of the REST API (django-tasks entry points)."""

from __future__ import annotations

from django_tasks import task

from jineng.api.idempotency import purge_expired_keys


@task()
def purge_idempotency_keys() -> int:
    """Delete the idempotency keys past their 24-hour retention; return how many."""
    return purge_expired_keys()
