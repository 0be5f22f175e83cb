"""Domain errors of registration."""

from __future__ import annotations

from jineng.core.errors import ValidationFailed


class IdentityNotVerified(ValidationFailed):
    """An identity provider did not vouch for the worker (cancelled, expired or refused)."""

    code = "identity_not_verified"
