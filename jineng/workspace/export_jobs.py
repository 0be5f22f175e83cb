"""Write a large export of claims, the ledger or alerts in the background (后台导出).

An export small enough (INLINE_MAX_ROWS) is written while the list page waits, by the app's
own export view. A larger one (up to the app's EXPORT_MAX_ROWS) is sent here: it is queued as
a Job owned by the account, the task export_file below writes it with the same app function
(the same scope, masking and audit event, as the owner, in the owner's language) into a
private folder, and the job page offers the file for EXPORT_KEEP. Every download is audited.
A file made under a data scope the owner no longer has is not handed out.
"""

from __future__ import annotations

import datetime
import secrets
import shutil
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import IO, Any

from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django_tasks import task

from jineng.accounts.actors import Actor
from jineng.core import audit
from jineng.core.errors import NotFound, PermissionDenied, ValidationFailed
from jineng.core.files import private_root
from jineng.core.jobs import Progress, claim_job, fail_stalled_jobs, finish_job, start_job
from jineng.core.models import Job
from jineng.fraud import exports as alert_exports
from jineng.funds import exports as ledger_exports
from jineng.subsidies import exports as claim_exports

JOB_KIND = "workspace.export"
SUBDIR = "auditor-exports"
EXPORT_KEEP = datetime.timedelta(hours=24)
# A running export reports every thousand rows: one silent this long lost its worker.
STALLED_AFTER = datetime.timedelta(minutes=10)
DOWNLOADED = "workspace.export.downloaded"

Writer = Callable[..., tuple[IO[bytes], int]]
# Each export: the app function that writes it, the filters it takes, its file name.
WRITERS: dict[str, tuple[Writer, tuple[str, ...], str]] = {
    "claims": (claim_exports.export_claims, ("status",), "claims"),
    "ledger": (ledger_exports.export_ledger, ledger_exports.FILTERS, "ledger"),
    "alerts": (alert_exports.export_alerts, alert_exports.FILTERS, "alerts"),
}


def export_folder() -> Path:
    """Return the private folder that holds finished background exports."""
    return private_root() / SUBDIR


def _scope_of(user: Any) -> list[Any]:
    """What decides which rows a user's export holds (docs/adr/0005-data-scope.md)."""
    return [user.role, user.organization_id, user.region_id]


def queue_export(actor: Actor, name: str, filters: Mapping[str, Any]) -> Job:
    """Queue a background export of one list with its (cleaned) filters; return the Job."""
    if name not in WRITERS:
        raise ValidationFailed(_("There is no such export."))
    _writer, allowed, _file = WRITERS[name]
    summary = {
        "export": name,
        "filters": {k: str(v) for k, v in filters.items() if k in allowed and v not in (None, "")},
        "language": translation.get_language(),
        "scope": _scope_of(actor),
    }
    job = start_job(JOB_KIND, owner=actor, status=Job.Status.PENDING, summary=summary)
    export_file.enqueue(job.pk)
    return job


@task()
def export_file(job_id: int) -> None:
    """Write the export queued with this Job (the task ``jineng db_worker`` runs)."""
    run_queued_export(job_id)


def run_queued_export(job_id: int) -> None:
    """Write one queued export; do nothing if another worker has already claimed it."""
    fail_stalled_exports()
    delete_expired_exports()
    job = claim_job(job_id, kind=JOB_KIND)
    if job is None:
        return
    # Named on the Job before anything is written, so a killed worker's file is found too.
    queued = {**job.summary, "file": secrets.token_hex(16)}
    Job.objects.filter(pk=job.pk).update(summary=queued)
    folder = export_folder() / queued["file"]
    with translation.override(queued.get("language")):
        try:
            rows = _write(job, folder, queued)
        except BaseException as exc:
            shutil.rmtree(folder, ignore_errors=True)
            refused = isinstance(exc, PermissionDenied | NotFound | ValidationFailed)
            detail = (
                str(exc.detail)
                if isinstance(exc, PermissionDenied | NotFound | ValidationFailed)
                else _("The export stopped because of an unexpected error. Try again.")
            )
            finish_job(job, succeeded=False, summary={**queued, "detail": detail})
            if not refused:
                raise
            return
    finish_job(job, succeeded=True, summary={**queued, "rows": rows})


def _write(job: Job, folder: Path, queued: dict[str, Any]) -> int:
    owner = job.owner
    if owner is None or not owner.is_active:
        raise PermissionDenied(_("The account that asked for this export can no longer export."))
    writer, _allowed, name = WRITERS[queued["export"]]
    progress = Progress(job)
    out, rows = writer(owner, queued["filters"], on_progress=progress.advance)
    folder.mkdir(parents=True, mode=0o700)
    path = folder / f"{name}.xlsx"
    with out, path.open("xb") as target:
        path.chmod(0o600)
        shutil.copyfileobj(out, target)
    return rows


def download_path(job: Job) -> Path:
    """Return the file of a finished export, or NotFound when it expired or never was."""
    name = job.summary.get("file")
    finished = job.finished_at
    if job.status != Job.Status.SUCCEEDED or not name or finished is None:
        raise NotFound(_("This export has no file to download."))
    if job.owner is None or job.summary.get("scope") != _scope_of(job.owner):
        raise NotFound(_("Your organisation or region changed since this export was made."))
    file_name = WRITERS[job.summary["export"]][2]
    path = export_folder() / Path(name).name / f"{file_name}.xlsx"
    if timezone.now() - finished > EXPORT_KEEP or not path.exists():
        raise NotFound(
            _("This export was deleted {hours} hours after it was made; export again.").format(
                hours=int(EXPORT_KEEP.total_seconds() // 3600)
            )
        )
    return path


@transaction.atomic
def record_download(job: Job, actor: Actor) -> None:
    """Audit that a user downloaded a background export's file."""
    audit.record(
        actor,
        DOWNLOADED,
        job,
        data={"export": job.summary["export"], "rows": job.summary.get("rows", 0)},
    )


def fail_stalled_exports() -> list[Job]:
    """Fail the exports whose worker was stopped outright, and delete their files."""

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
