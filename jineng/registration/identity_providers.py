"""Identity providers (实名认证): outside logins that vouch for a worker's name, ID and phone.

A city with 电子社保卡 or another OIDC login lists its provider classes in
settings.JINENG_IDENTITY_PROVIDERS (dotted paths); the registration page then offers each.
A provider sends the browser away (``begin``) and, when it comes back, returns the identity
it verified (``finish``) or raises IdentityNotVerified. The register is then consulted as for
a registration by phone (registration.services.register_verified). Only a test provider
ships here: a real one needs the city's endpoints and credentials, and talks to them itself.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.utils.module_loading import import_string
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jineng.core.errors import NotFound
from jineng.registration.errors import IdentityNotVerified


@dataclass(frozen=True)
class VerifiedIdentity:
    """What a provider vouches for: name and citizen ID as on the card, and a mobile number."""

    provider: str
    name: str
    id_number: str
    phone: str


class IdentityProvider(Protocol):
    """An outside login that verifies who a worker is."""

    key: str
    label: str

    def begin(self, request: HttpRequest, callback_url: str) -> HttpResponse:
        """Send the browser to the provider, which returns it to ``callback_url``."""

    def finish(self, request: HttpRequest) -> VerifiedIdentity:
        """Return the identity the provider verified, or raise IdentityNotVerified."""


@lru_cache(maxsize=8)
def _load(paths: tuple[str, ...]) -> dict[str, IdentityProvider]:
    providers: dict[str, IdentityProvider] = {}
    for path in paths:
        provider: IdentityProvider = import_string(path.strip())()
        providers[provider.key] = provider
    return providers


def get_providers() -> list[IdentityProvider]:
    """The providers configured (settings.JINENG_IDENTITY_PROVIDERS), in their order."""
    return list(_load(tuple(settings.JINENG_IDENTITY_PROVIDERS)).values())


def get_provider(key: str) -> IdentityProvider:
    """The configured provider of this key, or NotFound."""
    provider = _load(tuple(settings.JINENG_IDENTITY_PROVIDERS)).get(key)
    if provider is None:
        raise NotFound(_("No such identity provider."))
    return provider


STATE_KEY = "registration.idp_state"


class TestIdentityProvider:
    """A provider for tests and demonstrations: vouches for settings.JINENG_TEST_IDENTITY.

    It goes nowhere (no network): ``begin`` returns straight to the callback with a one-time
    state, as an OIDC provider would, and ``finish`` checks that state.
    """

    key = "test"
    label = gettext_lazy("Test identity provider")

    def begin(self, request: HttpRequest, callback_url: str) -> HttpResponse:
        """Return to the callback at once, carrying a fresh state bound to the session."""
        state = secrets.token_urlsafe(16)
        request.session[STATE_KEY] = state
        return HttpResponseRedirect(f"{callback_url}?state={state}")

    def finish(self, request: HttpRequest) -> VerifiedIdentity:
        """Vouch for the configured identity when the state matches the session's."""
        expected = request.session.pop(STATE_KEY, None)
        given = request.GET.get("state", "")
        identity = getattr(settings, "JINENG_TEST_IDENTITY", None)
        if not expected or not secrets.compare_digest(expected, given) or not identity:
            raise IdentityNotVerified(_("The identity provider did not confirm who you are."))
        return VerifiedIdentity(
            provider=self.key,
            name=identity["name"],
            id_number=identity["id_number"],
            phone=identity["phone"],
        )
