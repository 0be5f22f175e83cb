"""Who is calling: a bearer API token (other systems) or the browser's session (with CSRF)."""

from __future__ import annotations

import datetime
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from jineng.accounts.actors import Actor
from jineng.accounts.models import ApiToken
from jineng.accounts.security import needs_second_factor
from jineng.api.errors import CsrfFailed, SecondFactorRequired

# last_used_at is refreshed at most this often, so a busy integration does not write per call.
LAST_USED_RESOLUTION = datetime.timedelta(minutes=1)


class TokenAuth(HttpBearer):
    """Authenticate ``Authorization: Bearer <token>`` against the stored token hashes."""

    openapi_bearerFormat = "jn_…"
    openapi_description = "An API token made with `jineng token create USERNAME`."

    def __call__(self, request: HttpRequest) -> Any:
        # ninja's HttpBearer logs a non-bearer Authorization header in full under DEBUG,
        # which would put other schemes' credentials in the log; parse it quietly instead.
        scheme, _sep, token = request.headers.get(self.header, "").partition(" ")
        if scheme.lower() != self.openapi_scheme:
            return None
        return self.authenticate(request, token)

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        """Return the token's user while the token is usable and the user active."""
        api_token = ApiToken.find(token.strip()) if token else None
        if api_token is None or not api_token.user.is_active:
            return None
        now = timezone.now()
        if api_token.last_used_at is None or now - api_token.last_used_at > LAST_USED_RESOLUTION:
            ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
        request.api_token = api_token  # type: ignore[attr-defined]
        return api_token.user


class SessionAuth(APIKeyCookie):
    """Authenticate the logged-in browser session; unsafe methods need the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME
    openapi_description = "The web console's session; send X-CSRFToken on POST."

    def _get_key(self, request: HttpRequest) -> str | None:
        # CSRF is checked in authenticate(), only once a session user exists, so that a
        # token client without cookies gets 401 rather than a CSRF failure.
        return request.COOKIES.get(self.param_name)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        """Return the session user after the CSRF and second-factor checks."""
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated or not user.is_active:
            return None
        exempt = getattr(request, "_ninja_csrf_exempt", False)
        if self.csrf and not exempt and check_csrf(request) is not None:
            raise CsrfFailed(_("CSRF check failed: send the X-CSRFToken header."))
        if needs_second_factor(request):
            raise SecondFactorRequired(_("Verify your second factor before using the API."))
        return user


def actor(request: HttpRequest) -> Actor:
    """Return the authenticated user of an API request."""
    return request.auth  # type: ignore[attr-defined]


AUTH = [TokenAuth(), SessionAuth()]
