"""A scan started from the rules page, run as a background job (任务) with its progress.

The bureau starts a scan (every rule, or those chosen); it is queued as a ``core.models.Job``
of kind ``fraud.scan`` and the task ``run_scan_job`` (run by ``jineng db_worker``; at once,
inside the request, where tasks run immediately) calls ``engine.run``, one step of progress
per rule. The job page follows the progress and shows each rule's hits, new alerts and holds.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django_tasks import task

from jineng.accounts.actors import Actor, AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.core import errors
from jineng.core.jobs import (
    Progress,
    claim_job,
    fail_stalled_jobs,
    finish_job,
    get_job_for_user,
    start_job,
)
from jineng.core.models import Job
from jineng.fraud import access, engine
from jineng.fraud.forms import ScanForm
from jineng.fraud.rules.base import REGISTRY

JOB_KIND = "fraud.scan"
# A running scan writes progress after every rule: one silent this long lost its worker.
STALLED_AFTER = datetime.timedelta(minutes=30)


def queue_scan(actor: Actor, codes: list[str]) -> Job:
    """Queue a scan of these rules (every rule when empty) for the bureau; return its Job."""
    if not actor.can(Capability.MANAGE_FRAUD_RULES):
        raise errors.PermissionDenied(_("Only the bureau runs the fraud rules."))
    wanted = sorted(set(codes)) if codes else sorted(REGISTRY)
    unknown = [code for code in wanted if code not in REGISTRY]
    if unknown:
        raise errors.ValidationFailed(_("No such rule."), field="rules")
    job = start_job(
        JOB_KIND,
        owner=actor,
        total=len(wanted),
        status=Job.Status.PENDING,
        summary={"rules": wanted, "language": translation.get_language()},
    )
    run_scan_job.enqueue(job.pk)
    return job


@task()
def run_scan_job(job_id: int) -> None:
    """Run the scan queued with this Job (the task ``jineng db_worker`` runs)."""
    run_queued_scan(job_id)


def run_queued_scan(job_id: int) -> None:
    """Run one queued scan; do nothing if another worker has already claimed it."""
    fail_stalled_scans()
    job = claim_job(job_id, kind=JOB_KIND)
    if job is None:
        return
    queued = dict(job.summary)
    owner = job.owner
    progress = Progress(job, every=1)
    done: list[dict[str, Any]] = []

    def step(rule: engine.RuleRun) -> None:
        done.append(
            {
                "code": rule.code,
                "version": rule.version,
                "skipped": rule.skipped,
                "hits": rule.hits,
                "new_alerts": rule.new_alerts,
                "holds": rule.holds,
            }
        )
        progress.advance(len(done))

    with translation.override(queued.get("language")):
        try:
            if owner is None or not owner.is_active:
                raise errors.PermissionDenied(_("The account that started this scan is gone."))
            summary = engine.run(queued["rules"], actor=owner, progress=step)
        except errors.PermissionDenied as exc:
            finish_job(job, succeeded=False, summary={**queued, "detail": str(exc.detail)})
            return
        except BaseException:
            finish_job(
                job,
                succeeded=False,
                summary={
                    **queued,
                    "results": done,
                    "detail": _("The scan stopped because of an unexpected error. Try again."),
                },
            )
            raise
    finish_job(
        job,
        succeeded=True,
        summary={
            **queued,
            "results": done,
            "hits": summary.hits,
            "new_alerts": summary.new_alerts,
            "holds": summary.holds,
        },
    )


def fail_stalled_scans() -> list[Job]:
    """Fail the scans whose worker was stopped outright."""

    def detail(job: Job) -> str:
        with translation.override(job.summary.get("language")):
            return _("The scan stopped without finishing: its worker was stopped. Scan again.")

    return fail_stalled_jobs(JOB_KIND, after=STALLED_AFTER, detail=detail)


@login_required
@require_POST
def scan_start(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start a scan of every rule or the rules chosen; then show its job page."""
    if not access.may_manage(request.user):
        raise PermissionDenied
    form = ScanForm(request.POST)
    if not form.is_valid():
        return redirect("fraud:rule_list")
    try:
        job = queue_scan(request.user, form.cleaned_data["rules"])
    except errors.PermissionDenied:
        raise PermissionDenied from None
    return redirect("fraud:scan_job", pk=job.pk)


@login_required
@require_GET
def scan_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Show a scan's progress and, when it is done, what each rule found."""
    if not access.may_manage(request.user):
        raise Http404(_("No such job."))
    try:
        job = get_job_for_user(request.user, pk, kind=JOB_KIND)
    except errors.NotFound:
        raise Http404(_("No such job.")) from None
    if job.status == Job.Status.RUNNING and timezone.now() - job.updated_at >= STALLED_AFTER:
        fail_stalled_scans()
        job.refresh_from_db()
    names = {code: str(spec.name) for code, spec in REGISTRY.items()}
    results = [
        {**row, "name": names.get(row["code"], "")} for row in job.summary.get("results", [])
    ]
    return render(
        request,
        "fraud/scan_job.html",
        {"job": job, "summary": job.summary, "results": results},
    )
