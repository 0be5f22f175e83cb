"""Notifications (通知): one row per recipient and event, read in the recipient's words."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from jineng.core import scope
from jineng.notifications import messages
from jineng.notifications.choices import NotificationKind


class NotificationQuerySet(models.QuerySet["Notification"]):
    def unread(self) -> NotificationQuerySet:
        """Notifications not read yet."""
        return self.filter(read_at__isnull=True)

    def for_inbox(self) -> NotificationQuerySet:
        """Unread first, then newest first."""
        return self.order_by(models.F("read_at").asc(nulls_first=True), "-created_at", "-pk")


class Notification(models.Model):
    """Tell one account that something concerning it happened (通知), with a link to it."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    kind = models.CharField(_("kind"), max_length=40, choices=NotificationKind)
    params = models.JSONField(
        _("parameters"),
        default=dict,
        blank=True,
        help_text=_("Codes and counts the text is written from; never personal data."),
    )
    target = models.CharField(
        _("link"), max_length=300, blank=True, help_text=_("The path of the object concerned.")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        indexes = [
            models.Index(fields=["recipient", "-created_at"], name="notifications_inbox"),
            # The unread badge on every page counts these.
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="notifications_unread",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} → {self.recipient_id}"

    @property
    def title(self) -> str:
        """The title in the active language."""
        return messages.render(self.kind, self.params)[0]

    @property
    def body(self) -> str:
        """The text in the active language."""
        return messages.render(self.kind, self.params)[1]

    @property
    def is_read(self) -> bool:
        return self.read_at is not None


# A notification is its recipient's alone: everyone else gets 404, as for a missing one.
scope.register(
    Notification,
    account="recipient",
    url_params=("notification_id", "notifications:open/pk", "notifications:read/pk"),
)
