"""Enforce the per-role second-factor policy on every page after login."""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse

from jineng.accounts.security import needs_second_factor

# Paths a user who still owes a second factor may reach.
_OPEN_PREFIXES = (
    "/accounts/",
    "/i18n/",
    "/static/",
    "/healthz",
    "/readyz",
    "/api/",
    "/records/shared/",
)


class SecondFactorRequiredMiddleware:
    """Send users whose role requires TOTP to enrol or verify it before anything else."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is not None
            and user.is_authenticated
            and not request.path.startswith(_OPEN_PREFIXES)
            and needs_second_factor(request)
        ):
            return redirect(reverse("accounts:second_factor") + f"?next={request.path}")
        return self.get_response(request)
