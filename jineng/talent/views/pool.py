"""Pages of the talent pool (高技能人才信息库) and the bureau's goals."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core.errors import DomainError
from jineng.talent import access, queries, services
from jineng.talent.forms import GoalForm, PoolFilterForm
from jineng.talent.models import TalentGoal
from jineng.talent.views.common import attach, page_of, require_view


@login_required
@require_GET
def pool(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Search the talent pool; names masked unless the viewer may see them in full."""
    require_view(request.user)
    form = PoolFilterForm(request.GET or None, viewer=request.user)
    people = queries.pool(request.user, queries.PoolFilters(**form.filters()))
    page, query = page_of(request, people)
    for person in page:
        person.shown_name = queries.shown_name(request.user, person.name)
    return render(
        request,
        "talent/pool.html",
        {"form": form, "page": page, "query": query, "may_manage": access.may_manage(request.user)},
    )


@login_required
def goals(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the pool's size over time against the goals; the bureau sets a year's goal."""
    require_view(request.user)
    may_manage = access.may_manage(request.user)
    form = GoalForm(request.POST or None) if may_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid():
            data = form.cleaned_data
            try:
                services.set_goal(
                    data["year"], target=data["target"], note=data["note"], actor=request.user
                )
            except DomainError as error:
                attach(form, error)
            else:
                messages.success(request, _("The goal has been saved."))
                return redirect("talent:goals")
    progress = queries.progress(request.user)
    return render(
        request,
        "talent/goals.html",
        {
            "form": form,
            "progress": progress,
            "chart": progress.chart_data(),
            "goals": TalentGoal.objects.all(),
        },
        status=400 if form is not None and form.errors else 200,
    )
