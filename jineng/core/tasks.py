"""Background tasks of the shared kernel (django-tasks entry points)."""

from __future__ import annotations

from django_tasks import task

from jineng.core import checkpoint_schedule


@task()
def write_daily_checkpoint() -> int:
    """Publish today's signed checkpoints of the audit streams, then queue tomorrow's."""
    written = checkpoint_schedule.run_daily()
    return len(written)
