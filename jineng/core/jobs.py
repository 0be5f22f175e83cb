"""Progress of long-running work (任务): start, advance, finish and find a Job row.

Long work (imports, generated data) writes its progress to a ``core.models.Job`` row that the
UI shows on a job page and the CLI mirrors with a progress bar. Updates are throttled: a
writer calls ``advance`` as often as it likes and the row is written at most every
``every`` items, so progress costs a few hundred updates even for a very large file.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.core import scope
from jineng.core.audit import AuditActor
from jineng.core.models import Job

# Write the Job row at most once per this many items.
PROGRESS_EVERY = 1000


def start_job(
    kind: str,
    *,
    owner: AuditActor | None = None,
    total: int = 0,
    status: str = Job.Status.RUNNING,
    summary: Mapping[str, object] | None = None,
) -> Job:
    """Create a Job of a kind (e.g. ``people.import``) owned by a user: running, or pending
    when a background worker will run it (see claim_job)."""
    return Job.objects.create(
        kind=kind,
        status=status,
        owner_id=owner.pk if owner is not None else None,
        total=total,
        summary=summary or {},
    )


def claim_job(pk: int, *, kind: str) -> Job | None:
    """Move a pending job to running and return it, or None if it is not pending any more.

    One conditional UPDATE, so of two workers handed the same job only one runs it.
    """
    claimed = Job.objects.filter(pk=pk, kind=kind, status=Job.Status.PENDING).update(
        status=Job.Status.RUNNING, updated_at=timezone.now()
    )
    return Job.objects.select_related("owner").get(pk=pk) if claimed else None


class Progress:
    """Throttled progress writer for one Job; a no-op when there is no job."""

    def __init__(self, job: Job | None, *, every: int = PROGRESS_EVERY) -> None:
        self.job = job
        self.every = every
        self._written = 0

    def set_total(self, total: int) -> None:
        """Record how many items the work has, once it is known."""
        if self.job is not None:
            self.job.total = total
            Job.objects.filter(pk=self.job.pk).update(total=total, updated_at=timezone.now())

    def beat(self) -> None:
        """Record that the work is alive although no item finished (before a long step)."""
        if self.job is not None:
            Job.objects.filter(pk=self.job.pk).update(updated_at=timezone.now())

    def advance(self, done: int) -> None:
        """Record that ``done`` items are finished, writing only every ``every`` items."""
        if self.job is None or done - self._written < self.every:
            return
        self._written = done
        self.job.done = done
        Job.objects.filter(pk=self.job.pk).update(done=done, updated_at=timezone.now())


def finish_job(job: Job | None, *, succeeded: bool, summary: Mapping[str, object]) -> None:
    """Mark a job succeeded or failed with its summary; everything counted is done."""
    if job is None:
        return
    job.status = Job.Status.SUCCEEDED if succeeded else Job.Status.FAILED
    job.summary = summary
    job.finished_at = timezone.now()
    job.done = job.total
    Job.objects.filter(pk=job.pk).update(
        status=job.status,
        summary=summary,
        finished_at=job.finished_at,
        updated_at=job.finished_at,
        done=F("total"),
    )


def fail_stalled_jobs(
    kind: str, *, after: datetime.timedelta, detail: Callable[[Job], str]
) -> list[Job]:
    """Fail the running jobs of a kind whose progress has not moved for ``after``; return them.

    A worker stopped outright (killed, out of memory) cannot record its own failure; its
    transaction was rolled back with it, so the job only needs saying so. One conditional
    UPDATE per job, so a job that moves meanwhile is left alone.
    """
    now = timezone.now()
    stalled = Job.objects.filter(kind=kind, status=Job.Status.RUNNING, updated_at__lt=now - after)
    failed = []
    for job in stalled:
        summary = {**job.summary, "detail": detail(job)}
        moved = Job.objects.filter(pk=job.pk, updated_at=job.updated_at).update(
            status=Job.Status.FAILED, summary=summary, finished_at=now, updated_at=now
        )
        if moved:
            job.status, job.summary, job.finished_at = Job.Status.FAILED, summary, now
            failed.append(job)
    return failed


def get_job_for_user(user: scope.ScopeViewer | None, pk: int, *, kind: str | None = None) -> Job:
    """Return a job its owner may see, or NotFound for missing and other people's jobs alike.

    A job belongs to the account that started it (its data scope, registered in models.py).
    """
    jobs = Job.objects.filter(kind=kind) if kind is not None else Job.objects.all()
    return scope.get_for_user(jobs, user, pk, missing=_("No such job."))
