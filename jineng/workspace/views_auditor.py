"""The auditor's page (审计视图): the read-only lists an auditor reads, with their exports,
and the pages of an export too large to write while a page waits (a background job)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponse, HttpResponseBadRequest
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core import errors
from jineng.core.http import mark_personal_data
from jineng.core.jobs import get_job_for_user
from jineng.core.models import Job
from jineng.core.tabular.workbook import CONTENT_TYPE
from jineng.fraud import access as fraud_access
from jineng.fraud.forms import AlertFilterForm
from jineng.funds import access as funds_access
from jineng.funds.forms import LedgerFilterForm
from jineng.subsidies import exports as claim_exports
from jineng.subsidies.choices import ClaimStatus
from jineng.workspace import auditor, export_jobs


@login_required
@require_GET
def auditor_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show claims, the ledger, alerts and the audit trail the viewer may read (403: none)."""
    panels = auditor.panels_for(request.user)
    if not panels:
        raise PermissionDenied
    today = timezone.localdate()
    jobs = Job.objects.filter(kind=export_jobs.JOB_KIND, owner=request.user).order_by("-pk")
    return render(
        request,
        "workspace/auditor.html",
        {
            "panels": panels,
            "month_start": today.replace(day=1),
            "today": today,
            "jobs": list(jobs[:10]),
        },
    )


class _ClaimFilterForm(forms.Form):
    status = forms.ChoiceField(choices=[("", ""), *ClaimStatus.choices], required=False)


def _checked(request: AuthenticatedHttpRequest, name: str) -> dict[str, Any]:
    """The export's filters from the POST, after the role check (403) of its list."""
    user = request.user
    allowed = {
        "claims": claim_exports.may_export(user),
        "ledger": funds_access.may_view(user),
        "alerts": fraud_access.may_view(user),
    }
    if not allowed[name]:
        raise PermissionDenied
    form_class = {"claims": _ClaimFilterForm, "ledger": LedgerFilterForm}.get(name, AlertFilterForm)
    form = form_class(request.POST)
    if not form.is_valid():
        raise errors.ValidationFailed(form.errors.as_text())
    return {k: v for k, v in form.cleaned_data.items() if v not in (None, "")}


def _queue(request: AuthenticatedHttpRequest, name: str) -> HttpResponse:
    try:
        job = export_jobs.queue_export(request.user, name, _checked(request, name))
    except errors.ValidationFailed as error:
        return HttpResponseBadRequest(error.detail)
    return redirect("auditor_export_job", pk=job.pk)


@login_required
@require_POST
def queue_claims(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Queue the export of the claims (the list's status filter) as a background job."""
    return _queue(request, "claims")


@login_required
@require_POST
def queue_ledger(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Queue the export of the ledger (the page's filters) as a background job."""
    return _queue(request, "ledger")


@login_required
@require_POST
def queue_alerts(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Queue the export of the alerts (the list's filters) as a background job."""
    return _queue(request, "alerts")


def _own_job(request: AuthenticatedHttpRequest, pk: int) -> Job:
    try:
        return get_job_for_user(request.user, pk, kind=export_jobs.JOB_KIND)
    except errors.NotFound:
        raise Http404 from None


@login_required
@require_GET
def export_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Show a background export's progress and, when it is ready, its download."""
    job = _own_job(request, pk)
    if job.status == Job.Status.RUNNING and (
        timezone.now() - job.updated_at >= export_jobs.STALLED_AFTER
    ):
        export_jobs.fail_stalled_exports()
        job.refresh_from_db()
    try:
        ready, gone = export_jobs.download_path(job) is not None, ""
    except errors.NotFound as exc:
        ready = False
        gone = str(exc.detail) if job.status == Job.Status.SUCCEEDED else ""
    return render(
        request,
        "workspace/export_job.html",
        {"job": job, "summary": job.summary, "ready": ready, "gone": gone},
    )


@login_required
@require_GET
def export_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """Download a finished background export (audited)."""
    job = _own_job(request, pk)
    try:
        found = export_jobs.download_path(job)
    except errors.NotFound as exc:
        raise Http404(str(exc.detail)) from None
    export_jobs.record_download(job, request.user)
    stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M%S")
    response = FileResponse(
        found.open("rb"),
        as_attachment=True,
        filename=f"{found.stem}-{stamp}.xlsx",
        content_type=CONTENT_TYPE,
    )
    return mark_personal_data(response)


urlpatterns: list[URLPattern] = [
    path("auditor/", auditor_home, name="auditor"),
    path("auditor/exports/claims/", queue_claims, name="auditor_export_claims"),
    path("auditor/exports/ledger/", queue_ledger, name="auditor_export_ledger"),
    path("auditor/exports/alerts/", queue_alerts, name="auditor_export_alerts"),
    path("auditor/exports/<int:pk>/", export_job, name="auditor_export_job"),
    path("auditor/exports/<int:pk>/file/", export_download, name="auditor_export_download"),
]
