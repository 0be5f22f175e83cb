"""Enforce the per-role second-factor policy on every page after login."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from jineng.accounts.security import needs_second_factor

# Paths outside the sign-in flow that a user who still owes a second factor may reach:
# assets, probes, the API (token-authenticated) and the public shared-record pages.
_OPEN_PREFIXES = (
    "/static/",
    "/healthz",
    "/readyz",
    "/api/",
    # The xAPI record store authenticates learning platforms itself (HTTP Basic).
    "/xapi/",
    "/records/shared/",
)
# The sign-in flow itself, by route name.
_OPEN_ROUTES = (
    "accounts:login",
    "accounts:logout",
    "accounts:second_factor",
    "accounts:totp_enrol",
    "set_language",
)


@cache
def _open_paths() -> tuple[str, ...]:
    return _OPEN_PREFIXES + tuple(reverse(name) for name in _OPEN_ROUTES)


class SecondFactorRequiredMiddleware:
    """Send users who owe a TOTP code to enrol or verify it before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_open_paths())
            and needs_second_factor(request)
        ):
            query = urlencode({"next": request.get_full_path()})
            return redirect(reverse("accounts:second_factor") + "?" + query)
        return self.get_response(request)
