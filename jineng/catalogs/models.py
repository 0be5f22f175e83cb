"""The public catalogs (目录清单): versions, entries, the change log and appeals."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jineng.catalogs.choices import (
    PUBLIC_STATUSES,
    AppealStatus,
    CatalogKind,
    ChangeReason,
    EntryStatus,
    GroundsKind,
    TrainingType,
    VersionStatus,
)
from jineng.core.models import DecisionModel, TimeStampedModel
from jineng.core.scope import ScopedQuerySet

# Upper bound of one subsidy amount (fen): 1,000,000 yuan, far above any real standard.
MAX_SUBSIDY_FEN = 100_000_000


class Catalog(models.Model):
    """Name one of the four public catalogs; its content lives in versions."""

    kind = models.CharField(_("kind"), max_length=30, choices=CatalogKind, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    class Meta:
        verbose_name = _("catalog")
        verbose_name_plural = _("catalogs")
        ordering = ["id"]

    def __str__(self) -> str:
        return str(self.get_kind_display())


class CatalogVersionQuerySet(ScopedQuerySet["CatalogVersion"]):
    def public(self) -> CatalogVersionQuerySet:
        """Versions anyone may read: published, current or superseded."""
        return self.filter(status__in=PUBLIC_STATUSES)


class CatalogVersion(TimeStampedModel):
    """Hold one version of a catalog (目录版本): a draft, under review, published or superseded."""

    catalog = models.ForeignKey(
        Catalog, models.PROTECT, related_name="versions", verbose_name=_("catalog")
    )
    number = models.PositiveIntegerField(_("version number"))
    title = models.CharField(_("title"), max_length=200)
    note = models.TextField(_("note"), blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=VersionStatus, default=VersionStatus.DRAFT
    )
    effective_from = models.DateField(
        _("effective from"),
        null=True,
        blank=True,
        help_text=_("The day this version takes over; set at the latest when it is published."),
    )
    based_on = models.ForeignKey(
        "self",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="successors",
        verbose_name=_("based on"),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )
    editors = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        blank=True,
        related_name="+",
        verbose_name=_("editors"),
        help_text=_("Everyone who changed this version while it was a draft."),
    )
    submitted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("submitted by"),
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("published by"),
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    objects = CatalogVersionQuerySet.as_manager()

    class Meta:
        verbose_name = _("catalog version")
        verbose_name_plural = _("catalog versions")
        ordering = ["catalog", "-number"]
        constraints = [
            models.UniqueConstraint(
                fields=["catalog", "number"],
                name="catalogs_version_number_unique",
                violation_error_message=_("This catalog already has a version with this number."),
            ),
            models.UniqueConstraint(
                fields=["catalog"],
                condition=Q(status="published"),
                name="catalogs_version_one_published",
                violation_error_message=_("A catalog has at most one latest published version."),
            ),
            models.UniqueConstraint(
                fields=["catalog", "effective_from"],
                condition=Q(status__in=["published", "superseded"]),
                name="catalogs_version_one_per_day",
                violation_error_message=_("Another version of this catalog takes effect that day."),
            ),
            models.CheckConstraint(
                condition=Q(status__in=["draft", "in_review"]) | Q(effective_from__isnull=False),
                name="catalogs_version_published_has_date",
                violation_error_message=_("A published version needs an effective date."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.catalog} v{self.number}"

    @property
    def is_open(self) -> bool:
        """Tell whether the version is still being prepared (draft or in review)."""
        return self.status in (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)

    @property
    def is_public(self) -> bool:
        """Tell whether the public may read this version."""
        return self.status in (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)


class CatalogEntry(models.Model):
    """Hold one line of a catalog version (目录条目), identified across versions by its key."""

    version = models.ForeignKey(
        CatalogVersion, models.CASCADE, related_name="entries", verbose_name=_("version")
    )
    key = models.CharField(
        _("key"),
        max_length=200,
        help_text=_("Stable identity across versions, e.g. 6-31-01-03/level5/employment."),
    )
    title = models.CharField(
        _("title"),
        max_length=200,
        blank=True,
        help_text=_("Name of an item without an occupation, e.g. a local special ability."),
    )
    occupation = models.ForeignKey(
        "occupations.Occupation",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("occupation"),
    )
    skill_level = models.ForeignKey(
        "occupations.SkillLevel",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skill level"),
    )
    training_type = models.CharField(
        _("training type"), max_length=20, choices=TrainingType, blank=True
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="catalog_entries",
        verbose_name=_("organisation"),
    )
    region = models.ForeignKey(
        "regions.Region",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("township"),
    )
    target_groups = models.ManyToManyField(
        "people.TargetGroup",
        blank=True,
        related_name="+",
        verbose_name=_("eligible target groups"),
    )
    subsidy_fen = models.BigIntegerField(_("subsidy per person (fen)"), null=True, blank=True)
    min_hours = models.PositiveIntegerField(_("minimum class hours"), null=True, blank=True)
    age_min = models.PositiveSmallIntegerField(_("minimum age"), null=True, blank=True)
    age_max = models.PositiveSmallIntegerField(_("maximum age"), null=True, blank=True)
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_until = models.DateField(_("valid until"), null=True, blank=True)
    status = models.CharField(
        _("status"), max_length=20, choices=EntryStatus, default=EntryStatus.ACTIVE
    )
    attributes = models.JSONField(
        _("attributes"),
        default=dict,
        blank=True,
        help_text=_("Kind-specific details: venues, faculty, licence, evaluation kind, …"),
    )

    objects = ScopedQuerySet["CatalogEntry"].as_manager()

    class Meta:
        verbose_name = _("catalog entry")
        verbose_name_plural = _("catalog entries")
        ordering = ["version", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "key"],
                name="catalogs_entry_key_unique",
                violation_error_message=_("This version already has an entry with this key."),
            ),
            models.CheckConstraint(
                condition=Q(subsidy_fen__isnull=True) | Q(subsidy_fen__gte=0),
                name="catalogs_entry_subsidy_not_negative",
                violation_error_message=_("A subsidy cannot be negative."),
            ),
            models.CheckConstraint(
                condition=Q(age_min__isnull=True)
                | Q(age_max__isnull=True)
                | Q(age_min__lte=models.F("age_max")),
                name="catalogs_entry_age_range",
                violation_error_message=_("The minimum age is above the maximum age."),
            ),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True)
                | Q(valid_until__isnull=True)
                | Q(valid_from__lte=models.F("valid_until")),
                name="catalogs_entry_validity",
                violation_error_message=_("The validity ends before it starts."),
            ),
        ]
        indexes = [models.Index(fields=["key"], name="catalogs_entry_key")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        """The entry as a reader names it: occupation or item, level, organisation."""
        parts = []
        if self.organization is not None:
            parts.append(self.organization.name)
        if self.occupation is not None:
            parts.append(self.occupation.name)
        elif self.title:
            parts.append(self.title)
        if self.skill_level is not None:
            parts.append(self.skill_level.name)
        return " · ".join(parts) or self.key

    @property
    def group_amounts(self) -> dict[str, int]:
        """The entry's subsidies by target group, {group code: fen}, ordered by code. Load
        entries with queries.with_relations so a list reads them in one query."""
        if self.pk is None:
            return {}
        if "group_subsidies" in getattr(self, "_prefetched_objects_cache", {}):
            rows = list(self.group_subsidies.all())
        else:
            rows = list(self.group_subsidies.select_related("target_group"))
        rows.sort(key=lambda row: row.target_group.code)
        return {row.target_group.code: row.amount_fen for row in rows}


class EntrySubsidy(models.Model):
    """Hold the subsidy an entry pays a person of one target group (重点群体补贴标准),
    instead of the entry's base amount. Its dates are those of the entry's version."""

    entry = models.ForeignKey(
        CatalogEntry, models.CASCADE, related_name="group_subsidies", verbose_name=_("entry")
    )
    target_group = models.ForeignKey(
        "people.TargetGroup",
        models.PROTECT,
        related_name="+",
        verbose_name=_("target group"),
    )
    amount_fen = models.BigIntegerField(_("subsidy per person (fen)"))

    class Meta:
        verbose_name = _("subsidy for a target group")
        verbose_name_plural = _("subsidies for target groups")
        ordering = ["entry", "target_group__code"]
        constraints = [
            models.UniqueConstraint(
                fields=["entry", "target_group"],
                name="catalogs_entry_subsidy_one_per_group",
                violation_error_message=_("This entry already has a subsidy for this group."),
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0) & Q(amount_fen__lte=MAX_SUBSIDY_FEN),
                name="catalogs_entry_subsidy_amount_range",
                violation_error_message=_("A subsidy must be between 0 and 1,000,000 yuan."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.entry.key}: {self.target_group.code}"


class CatalogChange(models.Model):
    """Record why one entry differs from the version before (变动记录): reason and grounds."""

    version = models.ForeignKey(
        CatalogVersion, models.CASCADE, related_name="changes", verbose_name=_("version")
    )
    key = models.CharField(_("entry key"), max_length=200)
    reason = models.CharField(_("reason"), max_length=20, choices=ChangeReason)
    grounds_kind = models.CharField(_("grounds"), max_length=20, choices=GroundsKind)
    grounds_reference = models.CharField(
        _("grounds reference"),
        max_length=300,
        help_text=_("Which scorecard, inspection, complaint, licence or application."),
    )
    note = models.TextField(_("note"), blank=True)
    organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="catalog_changes",
        verbose_name=_("organisation concerned"),
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("recorded by"),
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now=True)

    objects = ScopedQuerySet["CatalogChange"].as_manager()

    class Meta:
        verbose_name = _("catalog change")
        verbose_name_plural = _("catalog changes")
        ordering = ["version", "key"]
        constraints = [
            models.UniqueConstraint(
                fields=["version", "key"],
                name="catalogs_change_one_per_key",
                violation_error_message=_("This entry already has a change reason."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.key}: {self.get_reason_display()}"


class CatalogAppealQuerySet(ScopedQuerySet["CatalogAppeal"]):
    """Appeals; ``visible_to(user, action)`` applies the data scope (access.py)."""


class CatalogAppeal(TimeStampedModel, DecisionModel):
    """Hold an organisation's appeal against its removal or suspension (申诉) and its decision."""

    change = models.ForeignKey(
        CatalogChange, models.PROTECT, related_name="appeals", verbose_name=_("change")
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        related_name="catalog_appeals",
        verbose_name=_("organisation"),
    )
    grounds = models.TextField(_("grounds of the appeal"))
    status = models.CharField(
        _("status"), max_length=20, choices=AppealStatus, default=AppealStatus.FILED
    )
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        related_name="+",
        verbose_name=_("filed by"),
    )
    decision = models.TextField(_("decision"), blank=True)

    objects = CatalogAppealQuerySet.as_manager()

    class Meta:
        verbose_name = _("catalog appeal")
        verbose_name_plural = _("catalog appeals")
        ordering = ["-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["change", "organization"],
                name="catalogs_appeal_once_per_change",
                violation_error_message=_("This organisation has already appealed this change."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.organization} → {self.change}"
