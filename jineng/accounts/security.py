"""Second-factor policy: which roles must use TOTP, and whether a session has done so."""

from __future__ import annotations

from django.http import HttpRequest

from jineng.accounts.models import SecurityPolicy


def role_requires_second_factor(role: str) -> bool:
    """Tell whether the bureau requires a second factor for a role."""
    return SecurityPolicy.objects.filter(role=role, requires_second_factor=True).exists()


def needs_second_factor(request: HttpRequest) -> bool:
    """Tell whether this logged-in session still owes a TOTP verification."""
    user = request.user
    if getattr(user, "is_verified", lambda: False)():
        return False
    return role_requires_second_factor(user.role)
