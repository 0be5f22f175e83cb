"""Second-factor policy: which roles must use TOTP, and whether a session has done so."""

from __future__ import annotations

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from django_otp.plugins.otp_totp.models import TOTPDevice

from jineng.accounts.models import SecurityPolicy, User


def role_requires_second_factor(role: str) -> bool:
    """Tell whether the bureau requires a second factor for a role."""
    return SecurityPolicy.objects.filter(role=role, requires_second_factor=True).exists()


def has_confirmed_device(user: object) -> bool:
    """Tell whether a user has set up an authenticator app."""
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def is_verified(user: User | AnonymousUser) -> bool:
    """Tell whether this session's user has passed the second factor in this session.

    django-otp's OTPMiddleware gives the request's user ``is_verified()``; a user it has not
    seen (no middleware on the path) has not.
    """
    verified = getattr(user, "is_verified", None)
    return bool(verified()) if verified is not None else False


def needs_second_factor(request: HttpRequest) -> bool:
    """Tell whether this logged-in session still owes a TOTP verification.

    A session owes one when the user's role requires it, or when the user enrolled a
    device voluntarily: once set up, the second factor protects every login.
    """
    user = request.user
    if not user.is_authenticated or is_verified(user):
        return False
    return role_requires_second_factor(user.role) or has_confirmed_device(user)
