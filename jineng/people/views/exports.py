"""Pages of a people export: a search downloaded at once, or queued and downloaded when ready."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    FileResponse,
    Http404,
    HttpResponse,
    HttpResponseBadRequest,
)
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.core import errors
from jineng.core.http import mark_personal_data
from jineng.core.models import Job
from jineng.people.exporters import CONTENT_TYPES, FORMATS, export_people
from jineng.people.exporters import jobs as export_jobs
from jineng.people.filters import PersonFilters
from jineng.people.forms import PersonSearchForm
from jineng.people.queries import search_people
from jineng.people.views.common import job_or_404, require


@login_required
def export(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Download the current people search (the list page's filters) as xlsx or csv, masked."""
    require(request, Capability.EXPORT_PEOPLE)
    fmt = request.GET.get("format", "xlsx")
    if fmt not in FORMATS:
        raise Http404(_("Export as csv or xlsx."))
    try:
        filters = PersonFilters.from_params(request.GET)
    except errors.ValidationFailed as exc:
        return HttpResponseBadRequest(str(exc.detail))
    people = search_people(request.user, filters)
    if people.count() > export_jobs.INLINE_MAX_ROWS:
        return HttpResponseBadRequest(
            _("This search is too large to export while the page waits; export it from the list.")
        )
    buffer = io.BytesIO()
    try:
        export_people(
            people,
            buffer,
            fmt=fmt,
            actor=request.user,
            filters=filters.as_params(),
        )
    except errors.PermissionDenied:
        raise PermissionDenied from None
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    response = HttpResponse(buffer.getvalue(), content_type=CONTENT_TYPES[fmt])
    response["Content-Disposition"] = f'attachment; filename="people-{stamp}.{fmt}"'
    return mark_personal_data(response)


@login_required
@require_POST
def export_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Queue the export of a large search; then show its job page."""
    require(request, Capability.EXPORT_PEOPLE)
    try:
        job = export_jobs.queue_export(
            request.user, request.POST, fmt=request.POST.get("format", "xlsx")
        )
    except errors.ValidationFailed as exc:
        return HttpResponseBadRequest(str(exc.detail))
    return redirect("people:export_job", pk=job.pk)


@login_required
def export_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Show a background export's progress and, when it is ready, its download."""
    require(request, Capability.EXPORT_PEOPLE)
    job = job_or_404(request, pk, export_jobs.JOB_KIND)
    if job.status == Job.Status.RUNNING and (
        timezone.now() - job.updated_at >= export_jobs.STALLED_AFTER
    ):
        export_jobs.fail_stalled_exports()
        job.refresh_from_db()
    try:
        ready = export_jobs.download_path(job) is not None
        gone = ""
    except errors.NotFound as exc:
        ready = False
        gone = str(exc.detail) if job.status == Job.Status.SUCCEEDED else ""
    labels = PersonSearchForm.base_fields
    search = [(labels[key].label, value) for key, value in job.summary.get("filters", {}).items()]
    return render(
        request,
        "people/export_job.html",
        {"job": job, "summary": job.summary, "search": search, "ready": ready, "gone": gone},
    )


@login_required
def export_download(request: AuthenticatedHttpRequest, pk: int) -> HttpResponseBase:
    """Download a finished background export (audited)."""
    require(request, Capability.EXPORT_PEOPLE)
    job = job_or_404(request, pk, export_jobs.JOB_KIND)
    try:
        path = export_jobs.download_path(job)
    except errors.NotFound as exc:
        raise Http404(str(exc.detail)) from None
    export_jobs.record_download(job, request.user)
    fmt = job.summary["format"]
    stamp = timezone.localtime(job.finished_at).strftime("%Y%m%d-%H%M")
    response = FileResponse(
        path.open("rb"),
        as_attachment=True,
        filename=f"people-{stamp}.{fmt}",
        content_type=CONTENT_TYPES[fmt],
    )
    return mark_personal_data(response)
