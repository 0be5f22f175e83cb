"""Shared kernel models: the audit trail, long-running jobs, and the abstract bases."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jineng.core import scope
from jineng.core.scope import ScopedQuerySet


class TimeStampedModel(models.Model):
    """Add creation and modification times to a model."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class DecisionModel(models.Model):
    """Add who decided a request of another (approved, returned, rejected, upheld) and when.

    The text of the decision stays a field of each model, under the name its pages and API
    give it (``decision_reasons`` of an accreditation application, ``decision`` of a catalog
    appeal, ``decision_note`` of a training class): see docs/adr/0016-app-shape.md.
    """

    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        abstract = True


class AuditEventQuerySet(models.QuerySet["AuditEvent"]):
    def for_object(self, obj: models.Model) -> AuditEventQuerySet:
        """Events about one object, newest first."""
        return self.filter(object_type=obj._meta.label_lower, object_id=str(obj.pk)).order_by("-id")


class AuditEvent(models.Model):
    """Record one change to money, records or permissions (审计日志); append-only, hash-chained.

    Events form one chain per stream (the writer's organisation, or the city), numbered from 1
    by ``seq``; each hash is keyed with a secret kept outside the database (``algorithm``
    names the key), see docs/adr/0002-audit-chain.md.
    """

    stream = models.CharField(_("stream"), max_length=64)
    seq = models.PositiveBigIntegerField(_("number in stream"))
    algorithm = models.CharField(_("hash algorithm"), max_length=40)
    created_at = models.DateTimeField(_("time"), db_index=True)
    # The actor's id is part of the event's hash: deleting the account must leave it as it
    # was (no constraint, nothing done on delete), or the chain would read as edited.
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.DO_NOTHING,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("actor"),
        db_constraint=False,
    )
    actor_label = models.CharField(_("actor name"), max_length=150)
    action = models.CharField(_("action"), max_length=100, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100)
    object_id = models.CharField(_("object id"), max_length=64)
    object_repr = models.CharField(_("object"), max_length=200, blank=True)
    person_id = models.BigIntegerField(_("person"), null=True, blank=True, db_index=True)
    data = models.JSONField(_("details"), default=dict, blank=True)
    request_id = models.CharField(_("request id"), max_length=64, blank=True)
    prev_hash = models.CharField(_("previous hash"), max_length=64)
    hash = models.CharField(_("hash"), max_length=64, unique=True)

    objects = AuditEventQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        constraints = [
            # One head per stream: two writers that both read the same head cannot both insert.
            models.UniqueConstraint(fields=["stream", "seq"], name="core_audit_stream_seq"),
        ]
        indexes = [
            models.Index(fields=["object_type", "object_id"], name="core_audit_object"),
            # Counts one account's recent events of a kind (core.throttle).
            models.Index(fields=["actor", "action", "created_at"], name="core_audit_actor_action"),
        ]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type}#{self.object_id}"


class Job(models.Model):
    """Track a long-running piece of work (任务) so the UI and CLI can show its progress."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Pending")
        RUNNING = "running", _("Running")
        SUCCEEDED = "succeeded", _("Succeeded")
        FAILED = "failed", _("Failed")

    kind = models.CharField(_("kind"), max_length=50)
    status = models.CharField(_("status"), max_length=20, choices=Status, default=Status.PENDING)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="jobs",
        verbose_name=_("owner"),
    )
    total = models.PositiveIntegerField(_("total"), default=0)
    done = models.PositiveIntegerField(_("done"), default=0)
    summary = models.JSONField(_("summary"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    # Moved on by every progress write: a running job that stops moving has lost its worker.
    updated_at = models.DateTimeField(_("updated at"), default=timezone.now)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    objects = ScopedQuerySet["Job"].as_manager()

    class Meta:
        verbose_name = _("job")
        verbose_name_plural = _("jobs")

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"

    @property
    def percent(self) -> int:
        """Share of the work done, 0–100."""
        return int(100 * self.done / self.total) if self.total else 0


# Data scope (jineng/core/scope.py, ADR 0005): a job belongs to the account that started it,
# whatever its role. Each job page shows jobs of its own kind (people.import, people.export).
scope.register(
    Job,
    account="owner",
    url_params=(
        "people:import_job/pk",
        "people:import_errors/pk",
        "people:export_job/pk",
        "people:export_download/pk",
        "fraud:scan_job/pk",
        "auditor_export_job/pk",
        "auditor_export_download/pk",
    ),
)


class SmsOutboxMessage(models.Model):
    """Keep one text message that the development gateway did not send (短信发件箱).

    The development backend of core.sms stores each message here instead of sending it, so a
    developer or a browser test reads the one-time code from the outbox page. The number is
    encrypted at rest like people.Person's and shown masked.
    """

    phone_encrypted = models.BinaryField(_("mobile phone (encrypted)"))
    phone_masked = models.CharField(_("mobile phone"), max_length=20)
    purpose = models.CharField(_("purpose"), max_length=40)
    text = models.TextField(_("text"))
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now, db_index=True)

    class Meta:
        verbose_name = _("outbox text message")
        verbose_name_plural = _("outbox text messages")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"{self.purpose} → {self.phone_masked}"
