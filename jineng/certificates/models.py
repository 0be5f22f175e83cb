"""Certificates (证书) issued as verifiable credentials, their signing keys and status lists.

A certificate is issued once per basis (a passed result, an approved promotion, a completed
class) and carries its number in the national layout (data/number_layouts.yaml), the
compact VC-JWT that secures it (Open Badges 3.0), and its place in the two Bitstring Status
Lists (revocation, suspension) that verifiers fetch. See docs/adr/0021.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from jineng.core.scope import ScopedQuerySet


class CertificateKind(models.TextChoices):
    """What a certificate attests."""

    QUALIFICATION = "qualification", _("Vocational qualification certificate (职业资格证书)")
    SKILL_LEVEL = "skill_level", _("Skill-level certificate (职业技能等级证书)")
    SPECIAL_ABILITY = (
        "special_ability",
        _("Special vocational ability certificate (专项职业能力证书)"),
    )
    TRAINING = "training", _("Training certificate (培训合格证书)")


class CertificateStatus(models.TextChoices):
    """Where a certificate stands: valid, suspended (may be reinstated) or revoked (final)."""

    # Their own context: "Valid" elsewhere heads a column of validity periods (有效期).
    VALID = "valid", pgettext_lazy("certificate status", "Valid")
    SUSPENDED = "suspended", pgettext_lazy("certificate status", "Suspended")
    REVOKED = "revoked", pgettext_lazy("certificate status", "Revoked")


class StatusPurpose(models.TextChoices):
    """The purpose of a Bitstring Status List (statusPurpose)."""

    REVOCATION = "revocation", _("Revocation")
    SUSPENSION = "suspension", _("Suspension")


class SigningKeyStatus(models.TextChoices):
    """Whether a key signs new credentials or only verifies earlier ones."""

    ACTIVE = "active", _("Active")
    RETIRED = "retired", _("Retired")


class CertificateQuerySet(ScopedQuerySet["Certificate"]):
    """Certificates; ``visible_to(user, action)`` applies the data scope (access.py)."""

    def valid(self) -> CertificateQuerySet:
        """Certificates neither suspended nor revoked."""
        return self.filter(status=CertificateStatus.VALID)


class Certificate(models.Model):
    """Record one certificate issued to a person, with its signed credential (证书)."""

    number = models.CharField(_("certificate number"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=20, choices=CertificateKind)
    holder = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        related_name="certificates",
        verbose_name=_("holder"),
    )
    occupation = models.ForeignKey(
        "occupations.Occupation",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("occupation"),
    )
    level = models.ForeignKey(
        "occupations.SkillLevel",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skill level"),
    )
    issuer = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        related_name="issued_certificates",
        verbose_name=_("issuer"),
    )
    issued_on = models.DateField(_("issued on"))
    valid_until = models.DateField(
        _("valid until"),
        null=True,
        blank=True,
        help_text=_("The last day of validity; empty when the certificate does not expire."),
    )
    basis = models.CharField(
        _("basis"),
        max_length=100,
        unique=True,
        help_text=_("What the certificate was issued for, e.g. result:12; used once only."),
    )
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=CertificateStatus, default=CertificateStatus.VALID
    )
    status_reason = models.TextField(
        _("reason for the status"),
        blank=True,
        help_text=_("Why the certificate was suspended, revoked or reinstated (bureau only)."),
    )
    status_changed_at = models.DateTimeField(_("status changed at"), null=True, blank=True)
    status_index = models.PositiveIntegerField(
        _("status list index"),
        unique=True,
        help_text=_("The certificate's position in the revocation and suspension lists."),
    )
    credential_id = models.CharField(
        _("credential id"), max_length=60, unique=True, help_text=_("urn:uuid:…")
    )
    subject_id = models.CharField(
        _("credential subject id"),
        max_length=60,
        help_text=_("A pseudonymous urn:uuid of the holder: no name or ID number."),
    )
    signing_kid = models.CharField(_("signing key id"), max_length=100)
    credential = models.TextField(_("credential (VC-JWT)"))
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("issued by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = CertificateQuerySet.as_manager()

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        ordering = ["-issued_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status=CertificateStatus.VALID) | ~Q(status_reason=""),
                name="certificates_certificate_status_has_reason",
                violation_error_message=_("A suspension or revocation must give its reason."),
            ),
        ]
        indexes = [
            models.Index(fields=["holder", "kind"], name="certificates_holder_kind"),
            models.Index(fields=["issuer", "issued_on"], name="certificates_issuer_date"),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def is_valid(self) -> bool:
        """Tell whether the certificate is neither suspended nor revoked."""
        return self.status == CertificateStatus.VALID


class NumberCounter(models.Model):
    """Count the serials issued under one number prefix in one year (证书编号流水号)."""

    prefix = models.CharField(_("number prefix"), max_length=40)
    year = models.PositiveSmallIntegerField(_("year"))
    last_serial = models.PositiveIntegerField(_("last serial issued"), default=0)

    class Meta:
        verbose_name = _("certificate number counter")
        verbose_name_plural = _("certificate number counters")
        constraints = [
            models.UniqueConstraint(
                fields=["prefix", "year"], name="certificates_counter_prefix_year"
            )
        ]

    def __str__(self) -> str:
        return f"{self.prefix}/{self.year}: {self.last_serial}"


class SigningKey(models.Model):
    """Keep one RS256 key of the issuer (签名密钥); the private half encrypted at rest.

    Exactly one key is active and signs new credentials; retired keys stay published in
    /.well-known/jwks.json and the did:web document so earlier credentials still verify.
    """

    kid = models.CharField(
        _("key id"), max_length=100, unique=True, help_text=_("The RFC 7638 JWK thumbprint.")
    )
    algorithm = models.CharField(_("algorithm"), max_length=10, default="RS256")
    public_jwk = models.JSONField(_("public key (JWK)"))
    private_key_encrypted = models.BinaryField(_("private key (encrypted)"))
    status = models.CharField(
        _("status"), max_length=10, choices=SigningKeyStatus, default=SigningKeyStatus.ACTIVE
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    retired_at = models.DateTimeField(_("retired at"), null=True, blank=True)

    class Meta:
        verbose_name = _("signing key")
        verbose_name_plural = _("signing keys")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["status"],
                condition=Q(status=SigningKeyStatus.ACTIVE),
                name="certificates_signingkey_one_active",
                violation_error_message=_("Only one signing key can be active."),
            )
        ]

    def __str__(self) -> str:
        return self.kid


class StatusList(models.Model):
    """Hold one W3C Bitstring Status List (状态列表) and its latest signed credential."""

    purpose = models.CharField(_("purpose"), max_length=20, choices=StatusPurpose, unique=True)
    size = models.PositiveIntegerField(_("number of entries"), default=131072)
    bits = models.BinaryField(_("bitstring"))
    allocated = models.PositiveIntegerField(
        _("entries allocated"), default=0, help_text=_("How many indexes have been handed out.")
    )
    credential = models.TextField(_("status list credential (VC-JWT)"), blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        verbose_name = _("status list")
        verbose_name_plural = _("status lists")
        ordering = ["purpose"]

    def __str__(self) -> str:
        return str(self.purpose)
