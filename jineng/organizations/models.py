"""Organisations (机构): anything with a unified social credit code."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jineng.core.models import TimeStampedModel


class OrganizationKind(models.TextChoices):
    """What an organisation is to the training system."""

    TECHNICAL_SCHOOL = "technical_school", _("Technical school (技工院校)")
    VOCATIONAL_SCHOOL = "vocational_school", _("Vocational school (职业院校)")
    PRIVATE_TRAINING = "private_training", _("Private training institution (民办培训机构)")
    PUBLIC_TRAINING_BASE = "public_training_base", _("Public training base (公共实训基地)")
    ENTERPRISE = "enterprise", _("Enterprise (企业)")
    EVALUATION_BODY = "evaluation_body", _("Evaluation body (鉴定评价机构)")
    SOCIAL_EVALUATION_ORG = (
        "social_evaluation_org",
        _("Social training evaluation organisation (社会培训评价组织)"),
    )
    GOVERNMENT = "government", _("Government department (政府部门)")


class OrganizationQuerySet(models.QuerySet["Organization"]):
    def visible_to(self, user: object) -> OrganizationQuerySet:
        """Organisations the user may see: all for city-wide roles, else their own."""
        from jineng.accounts.roles import CITY_WIDE_ROLES

        if not getattr(user, "is_authenticated", False):
            return self.none()
        if getattr(user, "role", None) in CITY_WIDE_ROLES:
            return self
        org_id = getattr(user, "organization_id", None)
        return self.filter(pk=org_id) if org_id else self.none()


class Organization(TimeStampedModel):
    """Register one organisation (机构) by its 统一社会信用代码."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=30, choices=OrganizationKind)
    region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("region"),
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=30, blank=True)
    is_synthetic = models.BooleanField(_("synthetic (demo data)"), default=False)

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name
