"""Pages of a people import: upload a file, the history of imports, a job and its errors."""

from __future__ import annotations

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import (
    HttpResponse,
)
from django.shortcuts import redirect, render
from django.utils import timezone

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.core.errors import ImportFailed
from jineng.core.http import mark_personal_data
from jineng.core.models import Job
from jineng.core.tabular import MAX_REPORTED_ERRORS, Limits, too_large, upload_too_large
from jineng.people.exporters import CONTENT_TYPES
from jineng.people.forms import ImportForm
from jineng.people.importers import JOB_KIND, errors_csv
from jineng.people.importers.columns import CHOICE_LABELS, columns_for, may_fill
from jineng.people.importers.jobs import STALLED_AFTER, fail_stalled_imports, queue_import
from jineng.people.importers.people import more_errors
from jineng.people.views.common import job_or_404, require

ERRORS_PER_PAGE = 100
IMPORTS_PER_PAGE = 50
# A queued import not taken by a worker after this long is probably waiting for none.
UNCLAIMED_AFTER = datetime.timedelta(minutes=5)


@login_required
def import_upload(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a people file and queue its import; then show its job page."""
    require(request, Capability.IMPORT_PEOPLE)
    if request.method == "POST" and upload_too_large(request):
        # Refused before the body is read and stored: the file would be refused after it.
        messages.error(request, too_large(Limits.from_settings().max_bytes).detail)
        return redirect("people:import")
    form = ImportForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = queue_import(
                form.cleaned_data["file"], actor=request.user, mode=form.cleaned_data["mode"]
            )
        except ImportFailed as exc:
            form.add_error("file", str(exc.detail))
        else:
            return redirect("people:import_job", pk=job.pk)
    recent = _imports(request)[:10]
    context = {
        "form": form,
        # Only the columns the role may fill; another column in a file is ignored with a note.
        "columns": columns_for(request.user),
        "may_fill_groups": may_fill(request.user, "target_groups"),
        "choice_labels": {
            f: [w[0] for w in labels.values()] for f, labels in CHOICE_LABELS.items()
        },
        "recent": recent,
    }
    return render(request, "people/import_upload.html", context)


def _imports(request: AuthenticatedHttpRequest) -> Any:
    """The viewer's import jobs (their data scope: the account that started each), newest first."""
    return Job.objects.visible_to(request.user).filter(kind=JOB_KIND).order_by("-created_at", "-id")


@login_required
def import_history(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the viewer's past imports, newest first, each with its counts and error report."""
    require(request, Capability.IMPORT_PEOPLE)
    page = Paginator(_imports(request), IMPORTS_PER_PAGE).get_page(request.GET.get("page"))
    return render(request, "people/import_history.html", {"page": page})


@login_required
def import_job(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Show an import's progress, counts and row errors (row, column, reason)."""
    require(request, Capability.IMPORT_PEOPLE)
    job = job_or_404(request, pk, JOB_KIND)
    if job.status == Job.Status.RUNNING and timezone.now() - job.updated_at >= STALLED_AFTER:
        fail_stalled_imports()
        job.refresh_from_db()
    # Jobs keep the first MAX_REPORTED_ERRORS; the slice also bounds jobs stored before.
    row_errors = job.summary.get("errors", [])[:MAX_REPORTED_ERRORS]
    page = Paginator(row_errors, ERRORS_PER_PAGE).get_page(request.GET.get("page"))
    total = job.summary.get("error_count", len(row_errors))
    waited = timezone.now() - job.created_at
    unclaimed = job.status == Job.Status.PENDING and waited >= UNCLAIMED_AFTER
    return render(
        request,
        "people/import_job.html",
        {
            "job": job,
            "summary": job.summary,
            "page": page,
            "unlisted_errors": more_errors(total - len(row_errors))
            if total > len(row_errors)
            else "",
            "unclaimed_minutes": int(waited.total_seconds() // 60) if unclaimed else None,
        },
    )


@login_required
def import_errors(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Download an import's row errors (the first MAX_REPORTED_ERRORS) as csv."""
    require(request, Capability.IMPORT_PEOPLE)
    job = job_or_404(request, pk, JOB_KIND)
    row_errors = job.summary.get("errors", [])[:MAX_REPORTED_ERRORS]
    content = errors_csv(row_errors, total=job.summary.get("error_count", len(row_errors)))
    response = HttpResponse(content.encode("utf-8-sig"), content_type=CONTENT_TYPES["csv"])
    response["Content-Disposition"] = f'attachment; filename="import-{job.pk}-errors.csv"'
    return mark_personal_data(response)
