"""Helpers shared by the catalog pages: capability checks, errors onto forms, pagination."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import Http404, HttpRequest

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import Capability, has_capability
from jineng.catalogs import access
from jineng.catalogs.choices import CatalogKind
from jineng.catalogs.models import CatalogVersion
from jineng.core.errors import DomainError, NotFound

PAGE_SIZE = 50


def catalog_kind(kind: str) -> CatalogKind:
    """Return the catalog kind named in a URL, or 404."""
    if kind not in CatalogKind.values:
        raise Http404
    return CatalogKind(kind)


def require_console(request: AuthenticatedHttpRequest) -> None:
    """Refuse (403) users who neither edit nor publish catalogs."""
    if not access.can_see_drafts(request.user):
        raise PermissionDenied


def require(request: AuthenticatedHttpRequest, capability: str) -> None:
    """Refuse (403) users whose role lacks a capability."""
    if not has_capability(request.user, capability):
        raise PermissionDenied


def can_edit(user: Any) -> bool:
    return has_capability(user, Capability.EDIT_CATALOGS)


def version_or_404(request: HttpRequest, pk: int) -> CatalogVersion:
    """Return a version the user may read, or 404 (drafts are hidden from the public)."""
    try:
        return access.get_version_for_user(request.user, pk)
    except NotFound:
        raise Http404 from None


def paginate(request: HttpRequest, items: QuerySet[Any] | list[Any]) -> tuple[Page, str]:
    """Return the requested page and the query string without the page number."""
    page = Paginator(items, PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    return page, query.urlencode()


# Where a service's field names appear on the entry form.
ENTRY_FORM_FIELDS = {"subsidy_fen": "subsidy_yuan", "group_subsidy_fen": "group_subsidies"}


def errors_onto(form: Any, exc: DomainError, fields: dict[str, str] | None = None) -> None:
    """Put a domain error's field problems on a form's fields (or the form as a whole)."""
    problems = exc.extra.get("errors") or [{"field": exc.field, "detail": exc.detail}]
    for problem in problems:
        name = (fields or {}).get(problem.get("field") or "", problem.get("field"))
        form.add_error(name if name in form.fields else None, str(problem["detail"]))
