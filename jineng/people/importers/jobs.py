"""Import an uploaded people file in the background (后台导入), so a large file outlives no request.

The upload page checks the file as a whole (size, type, encoding, header) while the clerk
waits, so those mistakes still come back on the form. A readable file is stored privately
under a fixed name (the name the clerk gave is kept on the Job only) and a pending Job is
queued; the task import_people_file below (listed in people.tasks), run by ``jineng
db_worker`` (or at once where no worker is configured), claims the job, runs import_people as
the uploader and in the uploader's language, writes progress to the Job row that the job
page polls, and deletes the stored file however the import ends. See
docs/adr/0008-background-tasks.md.
"""

from __future__ import annotations

import datetime
import io
import logging
import secrets
import shutil
from pathlib import Path
from typing import Any

from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django_tasks import task

from jineng.accounts.actors import Actor
from jineng.core.errors import Busy, DomainError, ImportFailed
from jineng.core.files import clean_original_name, private_root
from jineng.core.jobs import claim_job, fail_stalled_jobs, finish_job, start_job
from jineng.core.models import Job
from jineng.core.tabular import Source, open_sheet, read_bytes
from jineng.notifications.choices import NotificationKind
from jineng.notifications.services import notify
from jineng.people.exporters.jobs import delete_expired_exports
from jineng.people.importers.people import JOB_KIND, MODES, check_header, import_people

logger = logging.getLogger(__name__)

SUBDIR = "imports"
# A running import writes progress every thousand rows: one silent this long lost its worker.
STALLED_AFTER = datetime.timedelta(minutes=10)
# The stored file's name in its own random folder: never derived from the upload.
STORED_NAME = "upload"


def upload_folder() -> Path:
    """Return the private folder that holds files waiting to be imported."""
    return private_root() / SUBDIR


def queue_import(upload: Source, *, actor: Actor, mode: str) -> Job:
    """Check a file, store it privately and queue its import; return the pending Job.

    Raises ImportFailed (nothing stored, no job) when the file cannot be imported at all.
    """
    if mode not in MODES:
        raise ImportFailed(_("Unknown import mode {mode}.").format(mode=mode), field="mode")
    name, data = read_bytes(upload)
    name = clean_original_name(name)
    named = io.BytesIO(data)
    named.name = name
    check_header(open_sheet(named))
    folder = secrets.token_hex(16)
    path = upload_folder() / folder / STORED_NAME
    path.parent.mkdir(parents=True, mode=0o700)
    path.write_bytes(data)
    path.chmod(0o600)
    summary = {
        "file_name": name,
        "mode": mode,
        "upload": folder,
        "language": translation.get_language(),
    }
    job = start_job(JOB_KIND, owner=actor, status=Job.Status.PENDING, summary=summary)
    import_people_file.enqueue(job.pk)
    return job


@task()
def import_people_file(job_id: int) -> None:
    """Import the people file queued with this Job (the task ``jineng db_worker`` runs)."""
    run_queued_import(job_id)


def run_queued_import(job_id: int) -> None:
    """Run one queued import; do nothing if another worker has already claimed it."""
    fail_stalled_imports()
    delete_expired_exports()
    job = claim_job(job_id, kind=JOB_KIND)
    if job is None:
        return
    queued = dict(job.summary)
    folder = upload_folder() / Path(queued["upload"]).name
    try:
        with translation.override(queued.get("language")):
            _run(job, folder / STORED_NAME, queued)
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        tell_owner(job.pk)


def fail_stalled_imports() -> list[Job]:
    """Fail the imports whose worker was stopped outright, and delete their files.

    Run when a worker takes a new import and when a job page shows a running import that
    has not moved for STALLED_AFTER. Nothing of such an import was written: its transaction
    ended with its worker.
    """

    def detail(job: Job) -> str:
        with translation.override(job.summary.get("language")):
            return _(
                "The import stopped without finishing: its worker was stopped. Nothing was "
                "written; import the file again."
            )

    failed = fail_stalled_jobs(JOB_KIND, after=STALLED_AFTER, detail=detail)
    for job in failed:
        if job.summary.get("upload"):
            shutil.rmtree(upload_folder() / Path(job.summary["upload"]).name, ignore_errors=True)
        tell_owner(job.pk)
    return failed


def tell_owner(job_id: int) -> None:
    """Tell the uploader that a queued import finished or failed (once it has ended)."""
    job = Job.objects.select_related("owner").filter(pk=job_id).first()
    if job is None or job.owner is None or job.finished_at is None:
        return
    summary = job.summary
    if job.status == Job.Status.SUCCEEDED:
        kind = NotificationKind.IMPORT_SUCCEEDED
        counts = {k: int(summary.get(k) or 0) for k in ("created", "skipped", "bad_rows")}
    else:
        kind, counts = NotificationKind.IMPORT_FAILED, {}
    notify(
        [job.owner],
        kind,
        params={"number": job.pk, **counts},
        target=reverse("people:import_job", kwargs={"pk": job.pk}),
    )


def _run(job: Job, path: Path, queued: dict[str, Any]) -> None:
    name = queued["file_name"]
    failed = {"file_name": name, "mode": queued["mode"]}
    if job.owner is None or not job.owner.is_active:
        detail = _("The account that uploaded this file can no longer import; nothing was written.")
        finish_job(job, succeeded=False, summary={**failed, "detail": detail})
        return
    try:
        import_people(path, actor=job.owner, mode=queued["mode"], job=job, name=name)
    except DomainError:
        pass  # import_people has written why on the job
    except Busy:
        # Another write held rows this import needed past the lock timeout (ADR 0006):
        # nothing was refused and nothing was written, so the clerk only needs to try again.
        logger.info("People import job %s found the database busy", job.pk)
        detail = _(
            "Another change to these people was being written at the same time, so nothing "
            "was written. Import the file again in a minute."
        )
        finish_job(job, succeeded=False, summary={**failed, "busy": True, "detail": detail})
    except BaseException:
        # Anything else, a stopped worker included (SystemExit, KeyboardInterrupt): the job
        # must not stay "running" for ever. The write is one transaction, so nothing stays.
        logger.exception("People import job %s stopped", job.pk)
        detail = _(
            "The import stopped because of an unexpected error; nothing was written. "
            "Import the file again, and tell the administrator if it happens again."
        )
        finish_job(job, succeeded=False, summary={**failed, "detail": detail})
        raise
