"""The bureau console: drafts, import, the register, review and publication of versions."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import Capability
from jineng.catalogs import display, queries, services
from jineng.catalogs.choices import AppealStatus, CatalogKind, VersionStatus
from jineng.catalogs.errors import ImportFailed
from jineng.catalogs.forms import (
    DraftForm,
    ImportForm,
    PublishForm,
    ReasonForm,
    RegisterDraftForm,
    ReturnForm,
    VersionForm,
)
from jineng.catalogs.models import CatalogAppeal, CatalogChange, CatalogVersion
from jineng.catalogs.views.common import (
    can_edit,
    errors_onto,
    paginate,
    require,
    require_console,
    version_or_404,
)
from jineng.core.errors import DomainError
from jineng.core.tabular import Limits, too_large, upload_too_large
from jineng.people.models import TargetGroup


@login_required
def console(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List every version of every catalog, open ones first, with the open appeals."""
    require_console(request)
    versions = CatalogVersion.objects.select_related("catalog", "created_by", "based_on")
    groups = []
    for kind in CatalogKind:
        of_kind = [v for v in versions if v.catalog.kind == kind]
        groups.append({"kind": kind, "versions": of_kind, "current": queries.current_version(kind)})
    return render(
        request,
        "catalogs/console/index.html",
        {
            "groups": groups,
            "open_appeals": CatalogAppeal.objects.filter(status=AppealStatus.FILED).count(),
            "can_edit": can_edit(request.user),
        },
    )


def _form_page(request: HttpRequest, form: Any, title: str, **extra: Any) -> HttpResponse:
    return render(request, "catalogs/console/form.html", {"form": form, "title": title, **extra})


@login_required
def draft_new(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Start a new draft, empty or copied from the latest published version."""
    require(request, Capability.EDIT_CATALOGS)
    form = DraftForm(request.POST or None, initial={"kind": request.GET.get("kind")})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.create_draft(
                data["kind"],
                title=data["title"],
                effective_from=data["effective_from"],
                note=data["note"],
                copy_current=data["copy_current"],
                actor=request.user,
            )
        except DomainError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Draft {number} started.").format(number=version.number))
            return redirect("catalogs:workbench", version.pk)
    return _form_page(request, form, _("New draft"))


@login_required
def draft_import(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Upload a catalog version as xlsx or csv; show every bad row, or open the new draft."""
    require(request, Capability.EDIT_CATALOGS)
    if request.method == "POST" and upload_too_large(request):
        # Refused before the body is read: the file would be refused after it anyway.
        messages.error(request, too_large(Limits.from_settings().max_bytes).detail)
        return _form_page(request, ImportForm(), _("Import a version"), multipart=True)
    form = ImportForm(request.POST or None, request.FILES or None)
    row_errors: list[dict[str, Any]] = []
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        try:
            result = services.import_draft(
                data["kind"],
                upload,
                upload.name,
                title=data["title"],
                effective_from=data["effective_from"],
                actor=request.user,
            )
        except ImportFailed as exc:
            row_errors = [e.as_dict() for e in exc.errors]
            form.add_error(None, exc.detail)
        except DomainError as exc:
            errors_onto(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Imported {entries} entries into draft {number}; {missing} differences still "
                    "need a reason."
                ).format(
                    entries=result.entries,
                    number=result.version.number,
                    missing=len(result.unexplained),
                ),
            )
            return redirect("catalogs:workbench", result.version.pk)
    return _form_page(request, form, _("Import a version"), multipart=True, row_errors=row_errors)


@login_required
def draft_from_register(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Build a draft of the institutions or evaluation-bodies catalog from the licences."""
    require(request, Capability.EDIT_CATALOGS)
    form = RegisterDraftForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            version = services.draft_from_register(
                data["kind"],
                title=data["title"],
                on_date=data["on_date"],
                effective_from=data["effective_from"],
                actor=request.user,
            )
        except DomainError as exc:
            errors_onto(form, exc)
        else:
            messages.success(request, _("Draft {number} started.").format(number=version.number))
            return redirect("catalogs:workbench", version.pk)
    return _form_page(request, form, _("Draft from the accreditation register"))


def workbench_context(request: AuthenticatedHttpRequest, version: CatalogVersion) -> dict[str, Any]:
    """Everything the workbench shows: entries, differences with their reasons, forms."""
    differences = queries.diff(version.based_on, version)
    recorded = {c.key: c for c in CatalogChange.objects.filter(version=version)}
    rows = display.diff_rows(differences)
    page, query = paginate(request, queries.version_entries(version))
    user = request.user
    prepared = user.pk in {version.created_by_id, version.submitted_by_id} or (
        version.editors.filter(pk=user.pk).exists()
    )
    return {
        "version": version,
        "kind": CatalogKind(version.catalog.kind),
        "page": page,
        "query": query,
        "rows": [(row, recorded.get(row.key)) for row in rows],
        "stale_changes": [c for k, c in recorded.items() if k not in differences.by_key()],
        "problems": services.reason_problems(version) if version.is_open else [],
        "can_edit": can_edit(user) and version.status == VersionStatus.DRAFT,
        "can_publish": user.can(Capability.PUBLISH_CATALOGS)
        and version.status == VersionStatus.IN_REVIEW,
        "prepared_by_me": prepared,
        "version_form": VersionForm(
            initial={
                "title": version.title,
                "effective_from": version.effective_from,
                "note": version.note,
            }
        ),
        "reason_form": ReasonForm(keys=[r.key for r in rows]),
        "publish_form": PublishForm(initial={"effective_from": version.effective_from}),
        "return_form": ReturnForm(),
        "group_names": dict(TargetGroup.objects.values_list("code", "name")),
    }


@login_required
def workbench(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Work on one version: details, entries, differences and reasons, review and publication."""
    require_console(request)
    version = version_or_404(request, pk)
    return render(request, "catalogs/console/version.html", workbench_context(request, version))


def _act(request: HttpRequest, pk: int, action: Any, success: str) -> HttpResponse:
    """Run a service on a version, report the outcome and go back to the workbench."""
    try:
        action()
    except DomainError as exc:
        messages.error(request, exc.detail)
        for problem in exc.extra.get("errors", [])[:20]:
            messages.error(request, problem["detail"])
    else:
        messages.success(request, success)
    return redirect("catalogs:workbench", pk)


@login_required
@require_POST
def version_update(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Save a draft's title, planned date and note."""
    require(request, Capability.EDIT_CATALOGS)
    version = version_or_404(request, pk)
    form = VersionForm(request.POST)
    if not form.is_valid():
        context = workbench_context(request, version)
        context["version_form"] = form
        return render(request, "catalogs/console/version.html", context, status=400)
    data = form.cleaned_data
    return _act(
        request,
        version.pk,
        lambda: services.update_draft(
            version.pk,
            title=data["title"],
            effective_from=data["effective_from"],
            note=data["note"],
            actor=request.user,
        ),
        _("Saved."),
    )


@login_required
@require_POST
def version_submit(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Send a draft for review."""
    require(request, Capability.EDIT_CATALOGS)
    version = version_or_404(request, pk)
    return _act(
        request,
        version.pk,
        lambda: services.submit_version(version.pk, actor=request.user),
        _("Sent for review. Another administrator must publish it."),
    )


@login_required
@require_POST
def version_return(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Send a version in review back to draft."""
    require_console(request)
    version = version_or_404(request, pk)
    note = ReturnForm(request.POST).data.get("note", "")[:1000]
    return _act(
        request,
        version.pk,
        lambda: services.return_version(version.pk, note=note, actor=request.user),
        _("Sent back to draft."),
    )


@login_required
@require_POST
def version_publish(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Publish a reviewed version from a date."""
    require(request, Capability.PUBLISH_CATALOGS)
    version = version_or_404(request, pk)
    form = PublishForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose the day the version takes effect."))
        return redirect("catalogs:workbench", version.pk)
    day = form.cleaned_data["effective_from"]
    return _act(
        request,
        version.pk,
        lambda: services.publish_version(version.pk, effective_from=day, actor=request.user),
        _("Published. It takes effect on {day}.").format(day=day.isoformat()),
    )


@login_required
@require_POST
def version_discard(request: AuthenticatedHttpRequest, pk: int) -> HttpResponse:
    """Throw a draft away."""
    require(request, Capability.EDIT_CATALOGS)
    version = version_or_404(request, pk)
    try:
        services.discard_draft(version.pk, actor=request.user)
    except DomainError as exc:
        messages.error(request, exc.detail)
        return redirect("catalogs:workbench", version.pk)
    messages.success(request, _("Draft {number} discarded.").format(number=version.number))
    return redirect("catalogs:console")
