"""Background tasks of the shared kernel (django-tasks entry points) and their schedule.

The daily audit checkpoints (docs/adr/0008): django-tasks has no periodic tasks, so each
daily checkpoint queues the next one, deferred to shortly after the next local midnight,
unless one is already queued. ``jineng audit checkpoint`` writes one at once and makes sure
the daily one is queued, so running it once when the service is installed (or daily from
cron, where no worker runs) starts the cycle. The task and the schedule that queues it live
here together, so neither imports the other.
"""

from __future__ import annotations

import datetime

from django.utils import timezone
from django_tasks import TaskResultStatus, task
from django_tasks_db import DatabaseBackend
from django_tasks_db.models import DBTaskResult

from jineng.core import checkpoints

# Local time of day the daily checkpoint is written.
DAILY_AT = datetime.time(0, 10)


@task()
def write_daily_checkpoint() -> int:
    """Publish today's signed checkpoints of the audit streams, then queue tomorrow's."""
    written = checkpoints.write_checkpoints()
    schedule_next()
    return len(written)


def next_run(now: datetime.datetime | None = None) -> datetime.datetime:
    """The next daily checkpoint time after `now`: tomorrow at DAILY_AT, local time."""
    local = timezone.localtime(now or timezone.now())
    tomorrow = local.date() + datetime.timedelta(days=1)
    return datetime.datetime.combine(tomorrow, DAILY_AT, tzinfo=local.tzinfo)


def schedule_next() -> bool:
    """Queue tomorrow's checkpoint unless one is already queued; True when one is queued now.

    Does nothing where tasks run at once (no worker): cron runs ``jineng audit checkpoint``.
    """
    daily = write_daily_checkpoint
    backend = daily.get_backend()
    if not backend.supports_defer:
        return False
    if isinstance(backend, DatabaseBackend) and (
        DBTaskResult.objects.filter(
            status=TaskResultStatus.READY,
            task_path=daily.module_path,
            backend_name=backend.alias,
        ).exists()
    ):
        return False
    daily.using(run_after=next_run()).enqueue()
    return True
