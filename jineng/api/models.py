"""What the REST API itself stores: idempotency keys of create requests."""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

# How long a key is remembered; after this a reused key starts a new request.
IDEMPOTENCY_TTL = datetime.timedelta(hours=24)


class IdempotencyKeyQuerySet(models.QuerySet["IdempotencyKey"]):
    def expired(self) -> IdempotencyKeyQuerySet:
        """Keys older than the retention period (24 hours)."""
        return self.filter(created_at__lte=timezone.now() - IDEMPOTENCY_TTL)


class IdempotencyKey(models.Model):
    """Remember one create request by its Idempotency-Key (幂等键) so a retry replays it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="+",
        verbose_name=_("user"),
    )
    key = models.CharField(_("key"), max_length=255)
    fingerprint = models.CharField(
        _("request fingerprint"),
        max_length=64,
        help_text=_(
            "Keyed hash (HMAC) of the method, path and body of the first request with this key."
        ),
    )
    created_at = models.DateTimeField(_("created at"), default=timezone.now, db_index=True)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True)
    response_status = models.PositiveSmallIntegerField(_("response status"), null=True)
    response_body = models.JSONField(_("response body"), null=True, blank=True)
    response_headers = models.JSONField(_("response headers"), default=dict, blank=True)

    objects = IdempotencyKeyQuerySet.as_manager()

    class Meta:
        verbose_name = _("idempotency key")
        verbose_name_plural = _("idempotency keys")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "key"],
                name="api_idempotency_key_unique",
                violation_error_message=_("This idempotency key is already in use."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.key} ({self.user_id})"

    @property
    def is_completed(self) -> bool:
        """Tell whether the first request finished and its response is stored."""
        return self.response_status is not None

    @property
    def is_expired(self) -> bool:
        """Tell whether the key is past its 24-hour retention."""
        return self.created_at <= timezone.now() - IDEMPOTENCY_TTL
