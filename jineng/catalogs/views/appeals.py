"""Appeal pages: an organisation appeals its removal or suspension; the bureau decides."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.catalogs import access, services
from jineng.catalogs.choices import AppealStatus
from jineng.catalogs.forms import AppealForm, DecisionForm
from jineng.catalogs.models import CatalogAppeal
from jineng.catalogs.views.common import errors_onto, paginate, require
from jineng.core.errors import DomainError, NotFound


@login_required
def my_appeals(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the changes concerning the user's organisation that it may appeal, and its appeals."""
    require(request, Capability.FILE_APPEALS)
    changes = (
        access.appealable_changes_for(request.user)
        .select_related("version", "version__catalog")
        .prefetch_related("appeals")
        .order_by("-version__effective_from", "key")
    )
    appeals = CatalogAppeal.objects.visible_to(request.user).select_related(
        "change", "change__version__catalog"
    )
    return render(request, "catalogs/appeals/mine.html", {"changes": changes, "appeals": appeals})


@login_required
def appeal_file(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """File an appeal against a change concerning one's own organisation (404 for others)."""
    require(request, Capability.FILE_APPEALS)
    try:
        change = access.get_change_to_appeal(request.user, pk)
    except NotFound:
        raise Http404 from None
    form = AppealForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.file_appeal(
                change.pk, grounds=form.cleaned_data["grounds"], actor=request.user
            )
        except DomainError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Your appeal has been filed with the bureau."))
            return redirect("catalogs:my_appeals")
    return render(request, "catalogs/appeals/file.html", {"change": change, "form": form})


@login_required
def appeal_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List appeals for the bureau, open ones first."""
    require(request, Capability.DECIDE_APPEALS)
    appeals = (
        CatalogAppeal.objects.visible_to(request.user)
        .select_related("organization", "change", "change__version__catalog")
        .order_by("-status", "-id")
    )
    status = request.GET.get("status", AppealStatus.FILED)
    if status in AppealStatus.values:
        appeals = appeals.filter(status=status)
    page, query = paginate(request, appeals)
    return render(
        request,
        "catalogs/console/appeals.html",
        {"page": page, "query": query, "status": status, "statuses": AppealStatus.choices},
    )


@login_required
def appeal_decide(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Show an appeal and record the bureau's decision on it."""
    require(request, Capability.DECIDE_APPEALS)
    try:
        appeal = access.get_appeal_for_user(request.user, pk)
    except NotFound:
        raise Http404 from None
    form = DecisionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.decide_appeal(
                appeal.pk,
                upheld=form.cleaned_data["upheld"],
                decision=form.cleaned_data["decision"],
                actor=request.user,
            )
        except DomainError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Decision recorded; it appears in the change log."))
            return redirect("catalogs:appeal_queue")
    return render(request, "catalogs/console/appeal.html", {"appeal": appeal, "form": form})
