"""Console pages that change a draft's entries and record the reasons for its differences."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.catalogs import queries, services
from jineng.catalogs.forms import EntryForm, ReasonForm
from jineng.catalogs.models import CatalogChange, CatalogEntry, CatalogVersion
from jineng.catalogs.services.entries import input_from_entry
from jineng.catalogs.views.common import (
    ENTRY_FORM_FIELDS,
    errors_onto,
    require,
    version_or_404,
)
from jineng.catalogs.views.console import workbench_context
from jineng.core.errors import DomainError


def _entry_or_404(request: HttpRequest, pk: int) -> CatalogEntry:
    version_id = CatalogEntry.objects.filter(pk=pk).values_list("version_id", flat=True).first()
    if version_id is None:
        raise Http404
    version = version_or_404(request, version_id)
    return queries.with_relations(CatalogEntry.objects.filter(pk=pk)).get(version=version)


def _entry_page(
    request: HttpRequest, version: CatalogVersion, form: EntryForm, entry: CatalogEntry | None
) -> HttpResponse:
    return render(
        request,
        "catalogs/console/entry_form.html",
        {"version": version, "form": form, "entry": entry},
        status=400 if form.errors else 200,
    )


@login_required
def entry_add(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Add an entry to a draft."""
    require(request, Capability.EDIT_CATALOGS)
    version = version_or_404(request, pk)
    form = EntryForm(request.POST or None, kind=version.catalog.kind)
    if request.method == "POST" and form.is_valid():
        try:
            services.add_entry(version.pk, form.to_input(), actor=request.user)
        except DomainError as exc:
            errors_onto(form, exc, ENTRY_FORM_FIELDS)
        else:
            messages.success(request, _("Entry added."))
            return redirect("catalogs:workbench", version.pk)
    return _entry_page(request, version, form, None)


@login_required
def entry_edit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Change an entry of a draft."""
    require(request, Capability.EDIT_CATALOGS)
    entry = _entry_or_404(request, pk)
    version = entry.version
    form = EntryForm(request.POST or None, kind=version.catalog.kind)
    if request.method != "POST":
        form.initial_from(input_from_entry(entry))
    elif form.is_valid():
        try:
            services.update_entry(entry.pk, form.to_input(), actor=request.user)
        except DomainError as exc:
            errors_onto(form, exc, ENTRY_FORM_FIELDS)
        else:
            messages.success(request, _("Entry saved."))
            return redirect("catalogs:workbench", version.pk)
    return _entry_page(request, version, form, entry)


@login_required
@require_POST
def entry_remove(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Take an entry out of a draft."""
    require(request, Capability.EDIT_CATALOGS)
    entry = _entry_or_404(request, pk)
    try:
        services.remove_entry(entry.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Entry {key} removed.").format(key=entry.key))
    return redirect("catalogs:workbench", entry.version_id)


@login_required
@require_POST
def reasons_record(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Record one reason and its grounds for the differences ticked on the workbench."""
    require(request, Capability.EDIT_CATALOGS)
    version = version_or_404(request, pk)
    keys = [d.key for d in queries.diff(version.based_on, version).items]
    form = ReasonForm(request.POST, keys=keys)
    if form.is_valid():
        data = form.cleaned_data
        change = services.ChangeInput(
            data["reason"], data["grounds_kind"], data["grounds_reference"], data["note"]
        )
        try:
            recorded = services.record_changes(version.pk, data["keys"], change, actor=request.user)
        except DomainError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Reason recorded for {n} entries.").format(n=len(recorded)))
            return redirect("catalogs:workbench", version.pk)
    context = workbench_context(request, version)
    context["reason_form"] = form
    return render(request, "catalogs/console/version.html", context, status=400)


@login_required
@require_POST
def change_delete(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Withdraw a recorded reason from a draft."""
    require(request, Capability.EDIT_CATALOGS)
    version_id = CatalogChange.objects.filter(pk=pk).values_list("version_id", flat=True).first()
    if version_id is None:
        raise Http404
    version = version_or_404(request, version_id)
    try:
        services.delete_change(pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
    else:
        messages.success(request, _("Reason withdrawn."))
    return redirect("catalogs:workbench", version.pk)
