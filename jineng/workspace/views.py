"""The home page (工作台): what is waiting for the signed-in person, whatever their role."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.workspace import queries


@login_required
@require_GET
def home(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the viewer's sections of waiting work, newest first, and what else they can do."""
    return render(
        request, "workspace/home.html", {"workspace": queries.workspace_for(request.user)}
    )
