"""Writes on API access: issuing and revoking API tokens, audited."""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.models import ApiToken, User
from jineng.core import audit
from jineng.core.errors import Conflict, NotFound, ValidationFailed

MAX_TOKEN_DAYS = 3650


@transaction.atomic(durable=True)
def create_token(
    user: User, *, actor: Actor | None, name: str = "", days: int | None = None
) -> tuple[ApiToken, str]:
    """Issue an API token (令牌) for a user; return it with the raw secret, shown only once."""
    if not user.is_active:
        raise ValidationFailed(
            _("User {username} is inactive.").format(username=user.username), field="username"
        )
    if days is not None and not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationFailed(
            _("A token lasts 1 to {max} days.").format(max=MAX_TOKEN_DAYS), field="days"
        )
    if len(name) > 100:
        raise ValidationFailed(_("A token name has at most 100 characters."), field="name")
    raw, prefix, token_hash = ApiToken.generate()
    expires_at = timezone.now() + datetime.timedelta(days=days) if days else None
    api_token = ApiToken.objects.create(
        user=user, name=name, prefix=prefix, token_hash=token_hash, expires_at=expires_at
    )
    audit.record(
        actor,
        "accounts.apitoken.created",
        api_token,
        data={"user": user.username, "name": name, "prefix": prefix, "expires_at": expires_at},
    )
    return api_token, raw


@transaction.atomic(durable=True)
def revoke_token(prefix: str, *, actor: Actor | None) -> ApiToken:
    """Revoke the unrevoked API token with this prefix, so it stops working at once."""
    matches = list(ApiToken.objects.filter(prefix=prefix, revoked_at__isnull=True)[:2])
    if not matches:
        raise NotFound(
            _("No unrevoked token starts with {prefix}.").format(prefix=prefix), field="prefix"
        )
    if len(matches) > 1:
        raise Conflict(
            _("Several tokens start with {prefix}; revoke them in the admin.").format(
                prefix=prefix
            ),
            field="prefix",
        )
    (api_token,) = matches
    api_token.revoked_at = timezone.now()
    api_token.save(update_fields=["revoked_at"])
    audit.record(
        actor,
        "accounts.apitoken.revoked",
        api_token,
        data={"user": api_token.user.username, "prefix": api_token.prefix},
    )
    return api_token
