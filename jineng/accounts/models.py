"""Accounts: users with a role and a data scope, API tokens, security policy."""

from __future__ import annotations

import hashlib
import secrets

from django.contrib.auth.models import AbstractUser
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jineng.accounts.roles import Role, has_capability
from jineng.core import pii
from jineng.core.fields import LookupHashField


class User(AbstractUser):
    """An account (账号): a role plus the data scope the role applies to."""

    role = models.CharField(_("role"), max_length=30, choices=Role, default=Role.WORKER)
    organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("organisation"),
        help_text=_("Staff of institutions, evaluators and employers see only this organisation."),
    )
    region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region scope"),
        help_text=_("Bureau accounts limited to a town see only people of that town."),
    )
    person = models.OneToOneField(
        "people.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="account",
        verbose_name=_("person"),
        help_text=_("The worker this account belongs to."),
    )
    is_organization_admin = models.BooleanField(
        _("organisation administrator"),
        default=False,
        help_text=_("Manages the staff accounts of its own organisation."),
    )
    # The account's own mobile number, for one-time codes and notices: encrypted at rest and
    # found through a keyed hash, like people.Person's (core.pii).
    phone_encrypted = models.BinaryField(_("mobile phone (encrypted)"), null=True, blank=True)
    phone_hash = LookupHashField(_("mobile phone lookup hash"), blank=True, db_index=True)
    phone_confirmed_at = models.DateTimeField(_("mobile phone confirmed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        constraints = [
            # A confirmed phone resets one account's password: it belongs to one account only.
            models.UniqueConstraint(
                fields=["phone_hash"],
                condition=models.Q(phone_confirmed_at__isnull=False) & ~models.Q(phone_hash=""),
                name="accounts_user_one_confirmed_phone",
                violation_error_message=_("This mobile number is confirmed for another account."),
            ),
            models.CheckConstraint(
                condition=~models.Q(role__in=["institution_staff", "evaluator", "employer"])
                | models.Q(organization__isnull=False),
                name="accounts_user_org_role_has_org",
                violation_error_message=_("Organisation staff need an organisation."),
            ),
        ]

    def can(self, capability: str) -> bool:
        """Tell whether this user's role grants a capability."""
        return has_capability(self, capability)

    @property
    def phone(self) -> str:
        """The account's mobile number in clear ("" when none is set)."""
        return pii.decrypt(self.phone_encrypted) if self.phone_encrypted else ""

    @property
    def phone_masked(self) -> str:
        """The account's mobile number masked for display: 138******78."""
        return pii.mask_phone(self.phone) if self.phone_encrypted else ""

    @property
    def has_confirmed_phone(self) -> bool:
        """Tell whether the account's phone was confirmed by a one-time code (or the bureau)."""
        return bool(self.phone_encrypted) and self.phone_confirmed_at is not None


class SecurityPolicy(models.Model):
    """Set per role whether a second factor (TOTP) is required at login (安全策略)."""

    role = models.CharField(_("role"), max_length=30, choices=Role, unique=True)
    requires_second_factor = models.BooleanField(_("requires a second factor"), default=False)

    class Meta:
        verbose_name = _("security policy")
        verbose_name_plural = _("security policies")

    def __str__(self) -> str:
        return f"{self.get_role_display()}"


def _hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def usable(self) -> ApiTokenQuerySet:
        """Tokens not revoked and not expired."""
        now = timezone.now()
        return self.filter(revoked_at__isnull=True).filter(
            models.Q(expires_at__isnull=True) | models.Q(expires_at__gt=now)
        )


class ApiToken(models.Model):
    """Let another system call the API as a user (令牌); only a hash of the secret is kept."""

    user = models.ForeignKey(
        User, models.CASCADE, related_name="api_tokens", verbose_name=_("user")
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    prefix = models.CharField(_("prefix"), max_length=12, db_index=True)
    token_hash = models.CharField(_("token hash"), max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"

    @staticmethod
    def generate() -> tuple[str, str, str]:
        """Return a new raw token with its display prefix and stored hash."""
        raw = "jn_" + secrets.token_urlsafe(32)
        return raw, raw[:10], _hash_token(raw)

    @classmethod
    def find(cls, raw: str) -> ApiToken | None:
        """Return the usable token matching a raw secret, if any."""
        return (
            cls.objects.usable().select_related("user").filter(token_hash=_hash_token(raw)).first()
        )


class CodePurpose(models.TextChoices):
    """What a one-time code proves the holder of a phone wants to do."""

    REGISTER = "register", _("Register an account")
    RESET = "reset", _("Reset a password")


class OneTimeCode(models.Model):
    """Hold one code sent by text message to prove a phone's holder (短信验证码); hashed at rest.

    Only a keyed hash of the code is kept, and the number and client address only as keyed
    hashes: the rows count the codes sent per number and per address for the resend limits.
    A code serves one purpose, lives ten minutes and allows five tries (accounts.otp).
    """

    purpose = models.CharField(_("purpose"), max_length=20, choices=CodePurpose)
    phone_hash = LookupHashField(_("mobile phone lookup hash"))
    address_hash = LookupHashField(_("client address hash"), blank=True)
    code_hash = models.CharField(_("code hash"), max_length=64)
    user = models.ForeignKey(
        User,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    created_at = models.DateTimeField(_("sent at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)
    # Set when a self-registration with this code was refused because the name did not match
    # the citizen ID: the refusals per number and address are limited per day.
    identity_missed = models.BooleanField(_("name did not match the ID"), default=False)

    class Meta:
        verbose_name = _("one-time code")
        verbose_name_plural = _("one-time codes")
        indexes = [
            models.Index(fields=["phone_hash", "created_at"], name="accounts_otp_phone"),
            models.Index(fields=["address_hash", "created_at"], name="accounts_otp_address"),
        ]

    def __str__(self) -> str:
        return f"{self.purpose} #{self.pk}"
