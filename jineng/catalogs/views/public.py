"""Public catalog pages (no login): current versions, search, history, change log, downloads."""

from __future__ import annotations

import datetime

from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from jineng.catalogs import display, queries
from jineng.catalogs.choices import CatalogKind
from jineng.catalogs.forms import EntrySearchForm
from jineng.catalogs.importers import export
from jineng.catalogs.models import CatalogEntry, CatalogVersion
from jineng.catalogs.views.common import catalog_kind, paginate, version_or_404
from jineng.organizations.models import Organization
from jineng.people.models import TargetGroup

CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
}


def index(request: HttpRequest) -> HttpResponse:
    """List the four catalogs with the version in force today and any coming one."""
    today = timezone.localdate()
    catalogs = []
    for kind in CatalogKind:
        current = queries.current_version(kind, today)
        catalogs.append(
            {
                "kind": kind,
                "current": current,
                "entries": current.entries.count() if current else 0,
                "upcoming": queries.upcoming_version(kind, today),
            }
        )
    return render(request, "catalogs/index.html", {"catalogs": catalogs, "today": today})


def _group_names() -> dict[str, str]:
    return dict(TargetGroup.objects.values_list("code", "name"))


def catalog(request: HttpRequest, kind: str) -> HttpResponse:
    """Show the version of a catalog in force on a day (today by default), searchable."""
    kind = catalog_kind(kind)
    form = EntrySearchForm(request.GET or None, kind=kind)
    valid = form.is_valid() if form.is_bound else True
    day = (form.cleaned_data.get("on") if form.is_bound and valid else None) or (
        timezone.localdate()
    )
    version = queries.current_version(kind, day)
    entries: QuerySet[CatalogEntry] | list[CatalogEntry] = (
        queries.version_entries(version, form.filters()) if version else []
    )
    page, query = paginate(request, entries)
    return render(
        request,
        "catalogs/catalog.html",
        {
            "kind": kind,
            "form": form,
            "day": day,
            "version": version,
            "upcoming": queries.upcoming_version(kind, day),
            "page": page,
            "query": query,
            "group_names": _group_names(),
        },
    )


def changes(request: HttpRequest, kind: str) -> HttpResponse:
    """Show a catalog's change log: every published change, its reason, grounds and appeals."""
    kind = catalog_kind(kind)
    page, query = paginate(request, queries.change_log(kind))
    return render(request, "catalogs/changes.html", {"kind": kind, "page": page, "query": query})


def versions(request: HttpRequest, kind: str) -> HttpResponse:
    """List a catalog's published versions, newest first, with a comparison form."""
    kind = catalog_kind(kind)
    return render(
        request,
        "catalogs/versions.html",
        {
            "kind": kind,
            "versions": list(queries.public_versions(kind).select_related("published_by")),
            "current": queries.current_version(kind),
        },
    )


def history(request: HttpRequest, kind: str) -> HttpResponse:
    """Show one entry (by key) across every published version, with the reason of each change."""
    kind = catalog_kind(kind)
    key = request.GET.get("key", "").strip()
    items = queries.entry_history(kind, key) if key else []
    if not items:
        raise Http404
    describer = display.Describer()
    describer.preload(
        {i.snapshot["occupation"] for i in items if i.snapshot and i.snapshot["occupation"]}
    )
    rows = [
        {
            "item": item,
            "fields": [
                (display.FIELD_LABELS[name], describer.value(name, item.snapshot[name]))
                for name in queries.ENTRY_FIELDS
                if item.snapshot and item.snapshot[name] not in (None, "", [], {})
            ],
        }
        for item in items
    ]
    return render(request, "catalogs/history.html", {"kind": kind, "key": key, "rows": rows})


def version_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Show one version's entries (published ones to everyone, drafts to catalog editors)."""
    version = version_or_404(request, pk)
    page, query = paginate(request, queries.version_entries(version))
    return render(
        request,
        "catalogs/version.html",
        {
            "version": version,
            "kind": CatalogKind(version.catalog.kind),
            "page": page,
            "query": query,
            "group_names": _group_names(),
        },
    )


def compare(request: HttpRequest, pk: int) -> HttpResponse:
    """Compare a version with another (by default the one it was based on)."""
    version = version_or_404(request, pk)
    other_id = request.GET.get("with", "")
    other: CatalogVersion | None
    if other_id.isdigit():
        other = version_or_404(request, int(other_id))
        if other.catalog_id != version.catalog_id:
            raise Http404
    else:
        other = version.based_on
    older, newer = (other, version)
    if other is not None and (other.effective_from or datetime.date.max) > (
        version.effective_from or datetime.date.max
    ):
        older, newer = version, other
    differences = queries.diff(older, newer)
    return render(
        request,
        "catalogs/compare.html",
        {
            "version": version,
            "older": older,
            "newer": newer,
            "kind": CatalogKind(version.catalog.kind),
            "rows": [(row, None) for row in display.diff_rows(differences)],
            "counts": {
                "added": len(differences.added),
                "removed": len(differences.removed),
                "changed": len(differences.changed),
            },
            "choices": queries.public_versions(version.catalog.kind).exclude(pk=version.pk),
        },
    )


def _file(version: CatalogVersion, fmt: str) -> HttpResponse:
    if fmt not in CONTENT_TYPES:
        raise Http404
    content = export.to_xlsx(version) if fmt == "xlsx" else export.to_csv(version)
    response = HttpResponse(content, content_type=CONTENT_TYPES[fmt])
    name = f"{version.catalog.kind}-v{version.number}.{fmt}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


def download(request: HttpRequest, kind: str, fmt: str) -> HttpResponse:
    """Download the version in force today as xlsx or csv."""
    version = queries.current_version(catalog_kind(kind))
    if version is None:
        raise Http404
    return _file(version, fmt)


def version_download(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Download one version as xlsx or csv (drafts only for catalog editors)."""
    return _file(version_or_404(request, pk), fmt)


def organization(request: HttpRequest, pk: int) -> HttpResponse:
    """Show an organisation's place in the catalogs today and its catalog history."""
    org = get_object_or_404(Organization.objects.select_related("region"), pk=pk)
    in_public = CatalogEntry.objects.filter(
        organization=org, version__in=CatalogVersion.objects.public()
    ).exists()
    if not in_public:
        raise Http404
    return render(
        request,
        "catalogs/organization.html",
        {
            "organization": org,
            "entries": queries.organization_entries(org.pk),
            "changes": queries.organization_history(org.pk),
        },
    )
