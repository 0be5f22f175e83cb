"""Pages of the master studios (技能大师工作室, 首席技师工作室) and their apprentices."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core.errors import DomainError
from jineng.core.scope import CHANGE
from jineng.talent import access, queries, services
from jineng.talent.forms import ApprenticeForm, EndApprenticeshipForm, StudioForm
from jineng.talent.models import MasterStudio
from jineng.talent.views.common import attach, found, page_of, require_view


@login_required
def studio_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the master studios; the bureau recognises a new one here."""
    require_view(request.user)
    may_manage = access.may_manage(request.user)
    form = StudioForm(request.POST or None, viewer=request.user) if may_manage else None
    if request.method == "POST":
        if form is None:
            raise PermissionDenied
        if form.is_valid() and form.cleaned_data.get("master") is not None:
            data = form.cleaned_data
            try:
                studio = services.create_studio(
                    services.StudioInput(
                        kind=data["kind"],
                        name=data["name"],
                        host=data["host"],
                        master=data["master"],
                        occupation=data["occupation"],
                        recognised_on=data["recognised_on"],
                    ),
                    actor=request.user,
                )
            except DomainError as error:
                attach(form, error)
            else:
                messages.success(request, _("The studio has been recognised."))
                return redirect("talent:studio", studio_id=studio.pk)
    studios = MasterStudio.objects.visible_to(request.user).select_related(
        "host", "master", "occupation"
    )
    page, query = page_of(request, studios)
    for studio in page:
        studio.master_shown = queries.shown_name(request.user, studio.master.name)
    return render(
        request,
        "talent/studio_list.html",
        {"page": page, "query": query, "form": form},
        status=400 if form is not None and form.errors else 200,
    )


def _studio_page(
    request: AuthenticatedHttpRequest,
    studio: MasterStudio,
    *,
    status: int = 200,
    **given: forms.Form,
) -> HttpResponse:
    may_manage = access.may_manage(request.user)
    apprenticeships = list(studio.apprenticeships.select_related("apprentice"))
    for a in apprenticeships:
        a.shown_name = queries.shown_name(request.user, a.apprentice.name)  # type: ignore[attr-defined]
    context = {
        "studio": studio,
        "master_shown": queries.shown_name(request.user, studio.master.name),
        "apprenticeships": apprenticeships,
        "may_manage": may_manage,
        "form": given.get("form") or (ApprenticeForm(viewer=request.user) if may_manage else None),
        "end_form": given.get("end_form") or (EndApprenticeshipForm() if may_manage else None),
    }
    return render(request, "talent/studio_detail.html", context, status=status)


@login_required
@require_GET
def studio_detail(request: AuthenticatedHttpRequest, studio_id: int) -> HttpResponse:
    """Show a studio, its master and its apprentices."""
    require_view(request.user)
    return _studio_page(request, found(access.get_studio_for_user, request.user, studio_id))


@login_required
@require_POST
def apprentice_add(request: AuthenticatedHttpRequest, studio_id: int) -> HttpResponse:
    """Take an apprentice into the studio."""
    studio = found(access.get_studio_for_user, request.user, studio_id, action=CHANGE)
    form = ApprenticeForm(request.POST, viewer=request.user)
    if form.is_valid() and form.cleaned_data.get("person") is not None:
        try:
            services.add_apprentice(
                studio.pk,
                form.cleaned_data["person"],
                started_on=form.cleaned_data["started_on"],
                actor=request.user,
            )
        except DomainError as error:
            attach(form, error)
        else:
            messages.success(request, _("The apprentice has been added."))
            return redirect("talent:studio", studio_id=studio.pk)
    return _studio_page(request, studio, status=400, form=form)


@login_required
@require_POST
def apprenticeship_end(
    request: AuthenticatedHttpRequest, studio_id: int, apprenticeship_id: int
) -> HttpResponse:
    """End an apprenticeship on a date."""
    studio = found(access.get_studio_for_user, request.user, studio_id, action=CHANGE)
    form = EndApprenticeshipForm(request.POST)
    if form.is_valid():
        try:
            services.end_apprenticeship(
                studio.pk,
                apprenticeship_id,
                ended_on=form.cleaned_data["ended_on"],
                actor=request.user,
            )
        except DomainError as error:
            attach(form, error)
        else:
            messages.success(request, _("The apprenticeship has ended."))
            return redirect("talent:studio", studio_id=studio.pk)
    return _studio_page(request, studio, status=400, end_form=form)
