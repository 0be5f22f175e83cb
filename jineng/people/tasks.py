"""Background tasks of people (django-tasks entry points: primary keys in, services called)."""

from __future__ import annotations

from django_tasks import task

from jineng.people.export_jobs import run_queued_export
from jineng.people.importers.queue import run_queued_import


@task()
def import_people_file(job_id: int) -> None:
    """Import the people file queued with this Job (see people.importers.queue)."""
    run_queued_import(job_id)


@task()
def export_people_file(job_id: int) -> None:
    """Write the people export queued with this Job (see people.export_jobs)."""
    run_queued_export(job_id)
