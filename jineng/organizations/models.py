"""Organisations (机构): anything with a unified social credit code."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from jineng.core import scope
from jineng.core.models import TimeStampedModel
from jineng.core.scope import ScopedQuerySet


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


class OrganizationQuerySet(ScopedQuerySet["Organization"]):
    """Organisations; ``visible_to(user, action)``: city-wide roles all (or those of their
    region), staff their own (jineng/core/scope.py)."""


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


# Data scope (jineng/core/scope.py, ADR 0005): an organisation owns itself and lies in its
# region; a town-level bureau account sees the organisations registered in its town.
scope.register(Organization, organization="pk", region="region", url_params=("organization_id",))
