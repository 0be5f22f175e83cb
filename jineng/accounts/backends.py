"""Log in with the account's confirmed mobile number in place of the username (手机号登录).

Self-registered workers log in with their phone, which is kept only encrypted and as a keyed
hash (ADR 0003): a username spelled as the number would hold it in clear, in the audit
trail's actor names too. This backend finds the account by the number's keyed hash.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.backends import ModelBackend
from django.http import HttpRequest

from jineng.accounts.models import User
from jineng.core import pii
from jineng.core.errors import ValidationFailed
from jineng.core.validators import normalize_mobile


def account_of_phone(phone: str) -> User | None:
    """The active account whose confirmed phone is this number, if any."""
    return User.objects.filter(
        phone_hash=pii.blind_index(phone), phone_confirmed_at__isnull=False, is_active=True
    ).first()


class PhoneBackend(ModelBackend):
    """Authenticate a mobile number typed as the username, with the account's password."""

    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> User | None:
        """Return the account with this confirmed number when the password is right."""
        if not username or not password:
            return None
        try:
            phone = normalize_mobile(username)
        except ValidationFailed:
            return None
        user = account_of_phone(phone)
        if user is None:
            # As ModelBackend does, spend a hash's time so that timing tells nothing.
            User().set_password(password)
            return None
        if user.check_password(password) and self.user_can_authenticate(user):
            return user
        return None
