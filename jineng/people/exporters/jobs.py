"""Export a large search of people in the background (后台导出), to download when it is ready.

A search small enough is exported inside the request (people.views.exports.export). A larger
one, a whole town or the whole city, would outlast a request: it is queued as a Job, the
task export_people_file below (listed in people.tasks) writes the file (masked, as
export_people does, with its audit event) into a private folder, and the job page offers it
for download for EXPORT_KEEP. Every download is audited; expired files are deleted by the
next import or export a worker runs.
"""

from __future__ import annotations

import datetime
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import audit
from jineng.core.errors import NotFound, PermissionDenied, ValidationFailed
from jineng.core.files import private_root
from jineng.core.jobs import Progress, claim_job, fail_stalled_jobs, finish_job, start_job
from jineng.core.models import Job
from jineng.people.exporters.people import FORMATS, export_people
from jineng.people.filters import PersonFilters
from jineng.people.queries import search_people

JOB_KIND = "people.export"
SUBDIR = "exports"
# Searches with more people than this are exported in the background.
INLINE_MAX_ROWS = 20_000
# How long a finished export waits to be downloaded before it is deleted.
EXPORT_KEEP = datetime.timedelta(hours=24)
# A running export writes progress every thousand rows: one silent this long lost its worker.
STALLED_AFTER = datetime.timedelta(minutes=10)


def export_folder() -> Path:
    """Return the private folder that holds finished exports."""
    return private_root() / SUBDIR


def queue_export(actor: Actor, filters: Mapping[str, Any], *, fmt: str) -> Job:
    """Queue the export of a people search (the list page's filters); return the pending Job."""
    if fmt not in FORMATS:
        raise ValidationFailed(
            _("Export as csv or xlsx, not {fmt}.").format(fmt=fmt), field="format"
        )
    if not actor.can(Capability.EXPORT_PEOPLE):
        raise PermissionDenied(_("Your role may not export people."))
    summary = {
        "format": fmt,
        "filters": PersonFilters.from_params(filters).as_params(),
        "language": translation.get_language(),
        "scope": _scope_of(actor),
    }
    job = start_job(JOB_KIND, owner=actor, status=Job.Status.PENDING, summary=summary)
    export_people_file.enqueue(job.pk)
    return job


@task()
def export_people_file(job_id: int) -> None:
    """Write the people export queued with this Job (the task ``jineng db_worker`` runs)."""
    run_queued_export(job_id)


def run_queued_export(job_id: int) -> None:
    """Write one queued export; do nothing if another worker has already claimed it."""
    fail_stalled_exports()
    delete_expired_exports()
    job = claim_job(job_id, kind=JOB_KIND)
    if job is None:
        return
    # The folder is named on the Job before anything is written in it, so the file of an
    # export whose worker is killed midway is found and deleted too.
    queued = {**job.summary, "file": secrets.token_hex(16)}
    Job.objects.filter(pk=job.pk).update(summary=queued)
    folder = export_folder() / queued["file"]
    with translation.override(queued.get("language")):
        try:
            rows = _write(job, folder, queued)
        except BaseException as exc:
            shutil.rmtree(folder, ignore_errors=True)
            detail = (
                str(exc.detail)
                if isinstance(exc, PermissionDenied)
                else _("The export stopped because of an unexpected error. Try again.")
            )
            finish_job(job, succeeded=False, summary={**queued, "detail": detail})
            if not isinstance(exc, PermissionDenied):
                raise
            return
    finish_job(job, succeeded=True, summary={**queued, "rows": rows})


def _write(job: Job, folder: Path, queued: dict[str, Any]) -> int:
    owner = job.owner
    if owner is None or not owner.is_active:
        raise PermissionDenied(_("The account that asked for this export can no longer export."))
    people = search_people(owner, queued["filters"])
    progress = Progress(job)
    progress.set_total(people.count())
    folder.mkdir(parents=True, mode=0o700)
    path = folder / f"people.{queued['format']}"
    with path.open("xb") as out:
        path.chmod(0o600)
        return export_people(
            people,
            out,
            fmt=queued["format"],
            actor=owner,
            filters=queued["filters"],
            on_progress=progress.advance,
        )


def _scope_of(user: Any) -> list[Any]:
    """What decides which people a user sees (docs/adr/0005-data-scope.md)."""
    return [user.role, user.organization_id, user.region_id]


def download_path(job: Job) -> Path:
    """Return the file of a finished export, or NotFound when it expired or never was."""
    name = job.summary.get("file")
    finished = job.finished_at
    if job.status != Job.Status.SUCCEEDED or not name or finished is None:
        raise NotFound(_("This export has no file to download."))
    if job.owner is None or job.summary.get("scope") != _scope_of(job.owner):
        # Made under a data scope the owner no longer has: the file may hold people they
        # may not see any more.
        raise NotFound(_("Your organisation or region changed since this export was made."))
    path = export_folder() / Path(name).name / f"people.{job.summary['format']}"
    if timezone.now() - finished > EXPORT_KEEP or not path.exists():
        raise NotFound(
            _("This export was deleted {hours} hours after it was made; export again.").format(
                hours=int(EXPORT_KEEP.total_seconds() // 3600)
            )
        )
    return path


@transaction.atomic
def record_download(job: Job, actor: Actor) -> None:
    """Audit that a user downloaded an export's file (personal data leaving the platform)."""
    audit.record(
        actor,
        "people.export.downloaded",
        job,
        data={"format": job.summary["format"], "rows": job.summary.get("rows", 0)},
    )


def fail_stalled_exports() -> list[Job]:
    """Fail the exports whose worker was stopped outright; their files go with the expired."""

    def detail(job: Job) -> str:
        with translation.override(job.summary.get("language")):
            return _("The export stopped without finishing: its worker was stopped. Export again.")

    failed = fail_stalled_jobs(JOB_KIND, after=STALLED_AFTER, detail=detail)
    for job in failed:
        if job.summary.get("file"):
            shutil.rmtree(export_folder() / Path(job.summary["file"]).name, ignore_errors=True)
    return failed


def delete_expired_exports() -> int:
    """Delete the files of exports finished more than EXPORT_KEEP ago; return how many."""
    expired = Job.objects.filter(
        kind=JOB_KIND,
        status__in=(Job.Status.SUCCEEDED, Job.Status.FAILED),
        finished_at__lt=timezone.now() - EXPORT_KEEP,
        summary__has_key="file",
    ).exclude(summary__has_key="deleted")
    count = 0
    for job in expired:
        shutil.rmtree(export_folder() / Path(job.summary["file"]).name, ignore_errors=True)
        Job.objects.filter(pk=job.pk).update(summary={**job.summary, "deleted": True})
        count += 1
    return count
