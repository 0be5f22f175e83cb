"""Online learning (线上学习): learning platforms, their credentials and the xAPI record store.

Statements are kept exactly as stored (JSON) beside indexed columns for the query filters of
the xAPI 1.0.3 Statements resource; documents hold the State, Activity Profile and Agent
Profile resources.
"""

from __future__ import annotations

import hashlib
import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jineng.core.models import TimeStampedModel


class LearningPlatform(TimeStampedModel):
    """Register one online-learning platform allowed to report to the record (学习平台)."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="learning_platforms",
        verbose_name=_("organisation"),
    )
    is_active = models.BooleanField(_("active"), default=True)
    # Online minutes count only toward the classes a platform is registered for: those of
    # these institutions and these classes. Statements about other classes are kept, uncounted.
    institutions = models.ManyToManyField(
        "organizations.Organization",
        blank=True,
        related_name="registered_learning_platforms",
        verbose_name=_("registered for the classes of"),
        help_text=_("Institutions whose classes this platform may report online learning for."),
    )
    training_classes = models.ManyToManyField(
        "training.TrainingClass",
        blank=True,
        related_name="learning_platforms",
        verbose_name=_("registered for classes"),
        help_text=_("Single classes this platform may report online learning for."),
    )

    class Meta:
        verbose_name = _("learning platform")
        verbose_name_plural = _("learning platforms")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class PlatformCredential(models.Model):
    """Hold one HTTP Basic key and hashed secret of a learning platform (平台凭据)."""

    platform = models.ForeignKey(
        LearningPlatform,
        models.CASCADE,
        related_name="credentials",
        verbose_name=_("learning platform"),
    )
    key = models.CharField(_("key"), max_length=40, unique=True)
    secret_hash = models.CharField(_("secret hash"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("platform credential")
        verbose_name_plural = _("platform credentials")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return self.key

    @staticmethod
    def hash_secret(secret: str) -> str:
        """Return the stored hash of a secret (random, so one SHA-256 round suffices)."""
        return hashlib.sha256(secret.encode()).hexdigest()

    @classmethod
    def generate(cls) -> tuple[str, str]:
        """Return a fresh random key and secret."""
        return "xk_" + secrets.token_hex(12), secrets.token_urlsafe(32)

    def matches(self, secret: str) -> bool:
        """Tell in constant time whether a secret is this credential's."""
        return secrets.compare_digest(self.secret_hash, self.hash_secret(secret))


class Statement(models.Model):
    """Keep one xAPI statement as stored (学习记录), with the columns its queries filter on."""

    statement_id = models.UUIDField(_("statement id"), unique=True)
    platform = models.ForeignKey(
        LearningPlatform,
        models.PROTECT,
        related_name="statements",
        verbose_name=_("learning platform"),
    )
    data = models.JSONField(_("statement"))
    verb_id = models.CharField(_("verb"), max_length=500, db_index=True)
    activity_id = models.CharField(_("activity"), max_length=500, blank=True, db_index=True)
    agent_key = models.CharField(_("actor"), max_length=500, db_index=True)
    object_agent_key = models.CharField(
        _("object agent"), max_length=500, blank=True, db_index=True
    )
    registration = models.UUIDField(_("registration"), null=True, blank=True, db_index=True)
    stored = models.DateTimeField(_("stored"), db_index=True)
    timestamp = models.DateTimeField(_("timestamp"))
    is_voided = models.BooleanField(_("voided"), default=False)
    voided_target = models.UUIDField(_("voids statement"), null=True, blank=True)
    duration_seconds = models.FloatField(_("duration (seconds)"), null=True, blank=True)
    person = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="learning_statements",
        verbose_name=_("person"),
    )
    class_code = models.CharField(_("training class code"), max_length=64, blank=True)
    # A plain id, not a foreign key: the training app owns classes and may arrive later.
    training_class_id = models.BigIntegerField(_("training class"), null=True, blank=True)

    class Meta:
        verbose_name = _("xAPI statement")
        verbose_name_plural = _("xAPI statements")
        indexes = [
            models.Index(fields=["platform", "stored", "id"], name="learning_stmt_platform_stored"),
            models.Index(
                fields=["person", "class_code"],
                name="learning_stmt_person_class",
                condition=Q(person__isnull=False),
            ),
        ]

    def __str__(self) -> str:
        return str(self.statement_id)


class DocumentKind(models.TextChoices):
    """The three document resources of xAPI 1.0.3."""

    STATE = "state", _("State")
    ACTIVITY_PROFILE = "activity_profile", _("Activity profile")
    AGENT_PROFILE = "agent_profile", _("Agent profile")


class Document(models.Model):
    """Keep one document of the State, Activity Profile or Agent Profile resource (学习文档)."""

    kind = models.CharField(_("kind"), max_length=20, choices=DocumentKind)
    # Each platform keeps its own documents: one platform never reads or overwrites another's.
    platform = models.ForeignKey(
        LearningPlatform,
        models.CASCADE,
        related_name="documents",
        verbose_name=_("learning platform"),
    )
    activity_id = models.CharField(_("activity"), max_length=500, blank=True)
    agent_key = models.CharField(_("agent"), max_length=500, blank=True)
    # The empty string stands for "no registration", so the unique constraint covers it.
    registration = models.CharField(_("registration"), max_length=36, blank=True)
    document_id = models.CharField(_("document id"), max_length=500)
    content = models.BinaryField(_("content"))
    content_type = models.CharField(_("content type"), max_length=200)
    etag = models.CharField(_("ETag"), max_length=64)
    updated = models.DateTimeField(_("updated"))

    class Meta:
        verbose_name = _("xAPI document")
        verbose_name_plural = _("xAPI documents")
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "platform",
                    "kind",
                    "activity_id",
                    "agent_key",
                    "registration",
                    "document_id",
                ],
                name="learning_document_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind}:{self.document_id}"


def account_homepage() -> str:
    """Return the account homePage that names this site's people in statements."""
    return getattr(settings, "JINENG_XAPI_ACCOUNT_HOMEPAGE", "https://jineng.local")


class Attachment(models.Model):
    """Keep the bytes of one statement attachment, once per platform and SHA-2 (学习记录附件).

    Statements declare attachments by SHA-2; the same bytes sent again, by any statement of the
    platform, are stored once. Each platform keeps its own, as it keeps its own statements.
    """

    platform = models.ForeignKey(
        LearningPlatform,
        models.PROTECT,
        related_name="attachments",
        verbose_name=_("learning platform"),
    )
    sha2 = models.CharField(_("SHA-2"), max_length=128)
    content = models.BinaryField(_("content"))
    content_type = models.CharField(_("content type"), max_length=200)
    length = models.PositiveBigIntegerField(_("length"))
    stored = models.DateTimeField(_("stored"))

    class Meta:
        verbose_name = _("xAPI attachment")
        verbose_name_plural = _("xAPI attachments")
        constraints = [
            models.UniqueConstraint(fields=["platform", "sha2"], name="learning_attachment_unique")
        ]

    def __str__(self) -> str:
        return self.sha2
