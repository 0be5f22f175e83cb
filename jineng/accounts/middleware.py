"""Account middleware: the per-role second-factor policy, and the idle timeout of staff."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accounts.security import needs_second_factor

# The session key holding the time (epoch seconds) of a staff account's last request.
LAST_ACTIVITY_KEY = "jineng_last_activity"
# Record activity at most this often, so that not every request writes the session.
_ACTIVITY_GRANULARITY_SECONDS = 60

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


def start_idle_clock(
    sender: object, request: HttpRequest | None, user: User, **kwargs: object
) -> None:
    """Start a new session's idle clock at login (connected to user_logged_in in apps.py).

    Starting it here, not on the first page, spares that page a session write.
    """
    if request is not None and hasattr(request, "session") and user.role != Role.WORKER:
        request.session[LAST_ACTIVITY_KEY] = int(timezone.now().timestamp())


class StaffIdleTimeoutMiddleware:
    """Sign staff out after a while without a request; workers keep the long session.

    Staff accounts reach many people's records from shared office computers, so an
    unattended session ends after JINENG_STAFF_IDLE_MINUTES. A worker's session sees only
    their own record and keeps the full session lifetime.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.role == Role.WORKER:
            return self.get_response(request)
        now = int(timezone.now().timestamp())
        last = request.session.get(LAST_ACTIVITY_KEY)
        idle_limit = settings.JINENG_STAFF_IDLE_MINUTES * 60
        if isinstance(last, int) and now - last > idle_limit:
            logout(request)
            messages.info(
                request,
                _("You were signed out after {minutes} minutes without activity.").format(
                    minutes=settings.JINENG_STAFF_IDLE_MINUTES
                ),
            )
            login_url = (
                reverse("accounts:login") + "?" + urlencode({"next": request.get_full_path()})
            )
            if request.headers.get("HX-Request"):
                # A page's background refresh: send the whole page to the login, not a fragment.
                response = HttpResponse(status=204)
                response["HX-Redirect"] = login_url
                return response
            return redirect(login_url)
        if not isinstance(last, int) or now - last >= _ACTIVITY_GRANULARITY_SECONDS:
            request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)
