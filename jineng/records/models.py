"""Links through which a worker shares their lifelong record (档案分享)."""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jineng.core import scope
from jineng.core.scope import ScopedQuerySet


def hash_share_token(raw: str) -> str:
    """Return the stored hash of a share token; the raw token lives only in the link."""
    return hashlib.sha256(raw.encode()).hexdigest()


class ShareLinkQuerySet(ScopedQuerySet["ShareLink"]):
    def usable(self) -> ShareLinkQuerySet:
        """Links neither revoked nor expired."""
        return self.filter(revoked_at__isnull=True, expires_at__gt=timezone.now())


class ShareLink(models.Model):
    """Let anyone holding the link read one person's record until it expires (分享链接)."""

    person = models.ForeignKey(
        "people.Person", models.CASCADE, related_name="share_links", verbose_name=_("person")
    )
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    view_count = models.PositiveIntegerField(_("views"), default=0)
    shows_target_groups = models.BooleanField(
        _("shows target groups"),
        default=False,
        help_text=_(
            "Chosen by the worker when creating the link; off by default. When on, the link "
            "shows the groups the worker belongs to today, never the evidence behind them."
        ),
    )

    objects = ShareLinkQuerySet.as_manager()

    class Meta:
        verbose_name = _("share link")
        verbose_name_plural = _("share links")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.person} until {self.expires_at:%Y-%m-%d}"

    @staticmethod
    def new_token() -> str:
        return secrets.token_urlsafe(24)

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


# Data scope (jineng/core/scope.py, ADR 0005): a share link belongs to the worker whose record
# it shares: their account alone sees and revokes it (the bureau and staff see no links).
scope.register(ShareLink, account="person__account", url_params=("records:share_revoke/pk",))
