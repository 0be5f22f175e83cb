"""People (劳动者), their target-group memberships and organisation ties."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jineng.core import pii, scope
from jineng.core.fields import LookupHashField
from jineng.core.models import TimeStampedModel
from jineng.people.choices import (
    AffiliationBasis,
    AffiliationKind,
    Education,
    EmploymentStatus,
    HukouType,
    MembershipSource,
    Sex,
)


class TargetGroup(models.Model):
    """Name one target group (重点群体), e.g. 农民工 or 退役军人; loaded as reference data."""

    code = models.CharField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    name_en = models.CharField(_("English name"), max_length=100, blank=True)
    description = models.TextField(_("description"), blank=True)
    is_sensitive = models.BooleanField(
        _("sensitive"),
        default=False,
        help_text=_(
            "Membership reveals sensitive personal information (health, criminal justice, "
            "financial hardship): organisations never see it on a record."
        ),
    )

    class Meta:
        verbose_name = _("target group")
        verbose_name_plural = _("target groups")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class PersonQuerySet(models.QuerySet["Person"]):
    def visible_to(self, user: Any, action: str = scope.VIEW) -> PersonQuerySet:
        """Apply the user's data scope: the people rule registered in jineng/people/access.py."""
        return scope.restrict(self, user, action)

    def with_id_number(self, id_number: str) -> PersonQuerySet:
        """Find by citizen ID through its keyed hash."""
        return self.filter(id_number_hash=pii.blind_index(id_number.strip().upper()))

    def with_phone(self, phone: str) -> PersonQuerySet:
        """Find by mobile number through its keyed hash."""
        return self.filter(phone_hash=pii.blind_index(phone.strip()))


class Person(TimeStampedModel):
    """Register one worker (劳动者), identified by the citizen ID (GB 11643)."""

    name = models.CharField(_("name"), max_length=50)
    id_number_encrypted = models.BinaryField(_("citizen ID (encrypted)"))
    id_number_hash = LookupHashField(_("citizen ID lookup hash"))
    birth_date = models.DateField(_("birth date"), help_text=_("Derived from the citizen ID."))
    sex = models.CharField(
        _("sex"), max_length=1, choices=Sex, help_text=_("Derived from the citizen ID.")
    )
    phone_encrypted = models.BinaryField(_("mobile phone (encrypted)"), null=True, blank=True)
    phone_hash = LookupHashField(_("mobile phone lookup hash"), blank=True)
    region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        related_name="people",
        verbose_name=_("region"),
        help_text=_("Township or village of residence."),
    )
    town = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        related_name="+",
        verbose_name=_("township"),
        null=True,
        blank=True,
    )
    hukou_type = models.CharField(
        _("household registration"), max_length=20, choices=HukouType, default=HukouType.UNKNOWN
    )
    education = models.CharField(
        _("education"), max_length=30, choices=Education, default=Education.UNKNOWN
    )
    employment_status = models.CharField(
        _("employment status"),
        max_length=20,
        choices=EmploymentStatus,
        default=EmploymentStatus.UNKNOWN,
    )
    is_synthetic = models.BooleanField(_("synthetic (demo data)"), default=False)

    objects = PersonQuerySet.as_manager()

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["-id"]
        # Constraints and indexes in Meta, not unique=/db_index= on the fields: on PostgreSQL
        # those also add a LIKE (pattern-ops) index that exact hash lookups never use and
        # that costs a third of the bulk-import time. Names are searched by substring
        # (name__contains), which no B-tree index serves, so the name has none.
        constraints = [
            models.UniqueConstraint(
                fields=["id_number_hash"],
                name="people_person_one_per_id_number",
                violation_error_message=_("A person with this citizen ID is already registered."),
            )
        ]
        indexes = [
            models.Index(fields=["phone_hash"], name="people_person_phone_hash"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def id_number(self) -> str:
        """The full citizen ID; showing it to a user must go through people.services."""
        return pii.decrypt(self.id_number_encrypted)

    @property
    def phone(self) -> str:
        """The full mobile number, or ''; showing it must go through people.services."""
        return pii.decrypt(self.phone_encrypted) if self.phone_encrypted else ""

    @property
    def id_number_masked(self) -> str:
        return pii.mask_id_number(self.id_number)

    @property
    def phone_masked(self) -> str:
        return pii.mask_phone(self.phone) if self.phone_encrypted else ""

    @property
    def age(self) -> int:
        """Age in whole years today."""
        return self.age_on(timezone.localdate())

    @property
    def age_band(self) -> str:
        """The age reached this year as a five-year band (30–34), shown beside masked numbers.

        Counted by birth year, so the band moves on 1 January for everyone: one that moved on
        the day a person turned 35 would tell whoever watches it their birthday.
        """
        return pii.age_band(timezone.localdate().year - self.birth_date.year)

    def masked_identity(self) -> dict[str, Any]:
        """Identity as shown by default: masked numbers and an age band, never the birth date.

        The exact age would narrow the birth date the masked ID hides, so only a revealed
        identity carries it and the birth date (see people.identity.reveal_personal_data).
        """
        return {
            "id_number": self.id_number_masked,
            "phone": self.phone_masked,
            "age": None,
            "age_band": self.age_band,
            "birth_date": None,
        }

    def age_on(self, day: Any) -> int:
        """Age in whole years on a given day."""
        return age_on(self.birth_date, day)


def age_on(born: Any, day: Any) -> int:
    """Age in whole years on a day of someone born on ``born`` (for rows read as values)."""
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


class MembershipQuerySet(models.QuerySet["TargetGroupMembership"]):
    def current(self, on: Any = None) -> MembershipQuerySet:
        """Memberships valid on a day (today by default)."""
        day = on or timezone.localdate()
        return self.filter(valid_from__lte=day).filter(
            Q(valid_until__isnull=True) | Q(valid_until__gte=day)
        )


class TargetGroupMembership(TimeStampedModel):
    """Record that a person belongs to a target group (重点群体身份), with evidence and validity."""

    person = models.ForeignKey(
        Person, models.CASCADE, related_name="memberships", verbose_name=_("person")
    )
    group = models.ForeignKey(
        TargetGroup, models.PROTECT, related_name="memberships", verbose_name=_("target group")
    )
    source = models.CharField(_("source"), max_length=30, choices=MembershipSource)
    evidence = models.CharField(
        _("evidence"),
        max_length=300,
        blank=True,
        help_text=_("Document or register entry that proves the membership."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(_("valid until"), null=True, blank=True)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("target group membership")
        verbose_name_plural = _("target group memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "group", "valid_from"],
                name="people_membership_unique",
                violation_error_message=_("This membership is already recorded."),
            ),
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="people_membership_valid_range",
                violation_error_message=_("A membership cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} – {self.group}"


class AffiliationQuerySet(models.QuerySet["Affiliation"]):
    def current(self, on: datetime.date | None = None) -> AffiliationQuerySet:
        """Ties in force on a day (today by default): started, and not yet ended on that day."""
        day = on or timezone.localdate()
        return self.filter(Q(ended_on__isnull=True) | Q(ended_on__gt=day), started_on__lte=day)


class Affiliation(TimeStampedModel):
    """Tie a person to an organisation (所属机构) as employee, trainee, apprentice or candidate."""

    person = models.ForeignKey(
        Person, models.CASCADE, related_name="affiliations", verbose_name=_("person")
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        related_name="affiliations",
        verbose_name=_("organisation"),
    )
    kind = models.CharField(_("kind"), max_length=20, choices=AffiliationKind)
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)
    basis = models.CharField(
        _("basis"),
        max_length=20,
        choices=AffiliationBasis,
        default=AffiliationBasis.REGISTERED,
        db_default=AffiliationBasis.REGISTERED,
        help_text=_(
            "A tie made by an enrolment ends when the enrolment is withdrawn before "
            "the class starts."
        ),
    )

    objects = AffiliationQuerySet.as_manager()

    class Meta:
        verbose_name = _("affiliation")
        verbose_name_plural = _("affiliations")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "organization", "kind", "started_on"],
                name="people_affiliation_unique",
            )
        ]

    def __str__(self) -> str:
        return f"{self.person} @ {self.organization}"
