"""Steps the training pages share: who has a console, 404 for what is out of scope, refusals."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.roles import CITY_WIDE_ROLES, Capability
from jineng.core.errors import DomainError, NotFound
from jineng.core.scope import VIEW
from jineng.training.access import get_class_for_user
from jineng.training.models import TrainingClass


def is_console_user(user: Any) -> bool:
    """Whether the user has a console of classes: their institution's, or the city's."""
    return user.can(Capability.MANAGE_CLASSES) or user.role in CITY_WIDE_ROLES


def found(get: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call an access function; turn its NotFound into the page's 404."""
    try:
        return get(*args, **kwargs)
    except NotFound as error:
        raise Http404(error.detail) from None


def console_class(
    request: AuthenticatedHttpRequest, class_id: int, *, action: str = VIEW
) -> TrainingClass:
    """A class for the institution or bureau console: 404 out of scope, 403 for other roles.

    A worker may see a published class (on 找培训) but has no console page of it.
    """
    if not is_console_user(request.user):
        found(get_class_for_user, request.user, class_id)
        raise PermissionDenied
    return found(get_class_for_user, request.user, class_id, action=action)


def refused(request: HttpRequest, error: DomainError) -> None:
    """Show a refusal as messages: every reason it lists, or its detail."""
    reasons = error.extra.get("reasons")
    if reasons:
        for reason in reasons:
            messages.error(request, reason)
    else:
        messages.error(request, error.detail)
