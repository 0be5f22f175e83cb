"""Steps the talent pages share: 404 for what is out of scope, refusals next to fields."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.core.paginator import Page, Paginator
from django.http import Http404, HttpRequest

from jineng.accounts.actors import Viewer
from jineng.core.errors import DomainError, NotFound
from jineng.talent import access

PAGE_SIZE = 50


def found(getter: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call an access function; its NotFound becomes a 404 page."""
    try:
        return getter(*args, **kwargs)
    except NotFound as error:
        raise Http404(error.detail) from None


def attach(form: forms.Form, error: DomainError) -> None:
    """Show a service's refusal next to the field it names, or above the form."""
    if error.status == 403:
        raise PermissionDenied(str(error.detail)) from error
    if error.status == 404:
        raise Http404(error.detail) from error
    field = error.field if error.field in form.fields else None
    form.add_error(field, str(error.detail))


def require_view(user: Viewer) -> None:
    """Refuse anyone without view_talent (403)."""
    if not access.may_view(user):
        raise PermissionDenied


def page_of(request: HttpRequest, queryset: Any) -> tuple[Page[Any], str]:
    """One page of rows and the query string without the page number."""
    query = request.GET.copy()
    query.pop("page", None)
    return Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page")), query.urlencode()
