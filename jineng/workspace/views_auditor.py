"""The auditor's page (审计视图): the read-only lists an auditor reads, with their exports."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.workspace import auditor


@login_required
@require_GET
def auditor_home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show claims, the ledger, alerts and the audit trail the viewer may read (403: none)."""
    panels = auditor.panels_for(request.user)
    if not panels:
        raise PermissionDenied
    today = timezone.localdate()
    return render(
        request,
        "workspace/auditor.html",
        {"panels": panels, "month_start": today.replace(day=1), "today": today},
    )
