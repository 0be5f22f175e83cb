"""Models of talent (高技能人才): awards, master studios, competitions, promotions, goals.

The talent pool itself is never stored: it is read from certificates, published awards and
competition medals (queries.pool). Everything here is the bureau's and city-wide.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jineng.core.scope import ScopedQuerySet
from jineng.talent.choices import (
    CompetitionLevel,
    Decision,
    ObjectionStatus,
    Prize,
    ProposalStatus,
    RoundStatus,
    StudioKind,
)

_USER = settings.AUTH_USER_MODEL


class AwardTitle(models.Model):
    """Name an honour awarded in rounds (表彰称号), e.g. 梅河口技能名师: data, not code."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.TextField(_("description"), blank=True)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet["AwardTitle"].as_manager()

    class Meta:
        verbose_name = _("award title")
        verbose_name_plural = _("award titles")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class AwardRound(models.Model):
    """Run one round of an award (评选批次): nominations, review, public notice, publication."""

    title = models.ForeignKey(
        AwardTitle, models.PROTECT, related_name="rounds", verbose_name=_("award title")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    period = models.CharField(_("period"), max_length=30, blank=True)
    nominations_open_on = models.DateField(_("nominations open on"))
    nominations_close_on = models.DateField(_("nominations close on"))
    notice_days = models.PositiveSmallIntegerField(
        _("days of public notice"),
        default=7,
        help_text=_("How many days the list of nominees is on public notice (公示)."),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=RoundStatus, default=RoundStatus.NOMINATING
    )
    notice_starts_on = models.DateField(_("public notice starts on"), null=True, blank=True)
    notice_ends_on = models.DateField(_("public notice ends on"), null=True, blank=True)
    published_on = models.DateField(_("published on"), null=True, blank=True)
    created_by = models.ForeignKey(
        _USER, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet["AwardRound"].as_manager()

    class Meta:
        verbose_name = _("award round")
        verbose_name_plural = _("award rounds")
        ordering = ["-year", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["title", "year", "period"],
                name="talent_round_unique",
                violation_error_message=_("This award already has a round for this period."),
            ),
            models.CheckConstraint(
                condition=Q(nominations_close_on__gte=models.F("nominations_open_on")),
                name="talent_round_window",
            ),
            models.CheckConstraint(condition=Q(notice_days__gte=1), name="talent_round_notice"),
        ]

    def __str__(self) -> str:
        period = f" {self.period}" if self.period else ""
        return f"{self.year}{period} {self.title.name}"

    def is_on_notice(self, day: datetime.date) -> bool:
        """Tell whether the public notice runs on the day (objections are taken)."""
        return bool(
            self.status == RoundStatus.NOTICE
            and self.notice_starts_on
            and self.notice_ends_on
            and self.notice_starts_on <= day < self.notice_ends_on
        )


class Nomination(models.Model):
    """Put a person forward in an award round (推荐), with the bureau's review decision."""

    award_round = models.ForeignKey(
        AwardRound, models.CASCADE, related_name="nominations", verbose_name=_("award round")
    )
    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="+", verbose_name=_("person")
    )
    occupation = models.ForeignKey(
        "occupations.Occupation",
        models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("occupation"),
    )
    employer = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("employer"),
    )
    nominated_by_organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("nominating organisation"),
    )
    nominated_by = models.ForeignKey(
        _USER, models.PROTECT, related_name="+", verbose_name=_("nominated by")
    )
    statement = models.TextField(_("reasons for the nomination"))
    decision = models.CharField(
        _("decision"), max_length=20, choices=Decision, default=Decision.PENDING
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        _USER,
        models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    published_on = models.DateField(_("awarded on"), null=True, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet["Nomination"].as_manager()

    class Meta:
        verbose_name = _("nomination")
        verbose_name_plural = _("nominations")
        ordering = ["pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["award_round", "person"],
                name="talent_nomination_once",
                violation_error_message=_("This person is already nominated in this round."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.award_round} #{self.pk}"


class Objection(models.Model):
    """Record an objection to a nominee raised during the public notice (公示异议)."""

    nomination = models.ForeignKey(
        Nomination, models.CASCADE, related_name="objections", verbose_name=_("nomination")
    )
    objector_name = models.CharField(_("your name"), max_length=50)
    contact = models.CharField(_("how to reach you"), max_length=100)
    text = models.TextField(_("objection"))
    status = models.CharField(
        _("status"), max_length=20, choices=ObjectionStatus, default=ObjectionStatus.OPEN
    )
    resolution_reason = models.TextField(_("reason for the resolution"), blank=True)
    resolved_by = models.ForeignKey(
        _USER,
        models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)
    created_at = models.DateTimeField(_("received at"), auto_now_add=True)

    objects = ScopedQuerySet["Objection"].as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"{self.nomination} / {self.pk}"


class MasterStudio(models.Model):
    """Recognise a master's studio (技能大师工作室, 首席技师工作室) at a host organisation."""

    kind = models.CharField(_("kind"), max_length=20, choices=StudioKind)
    name = models.CharField(_("name"), max_length=200)
    host = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        related_name="+",
        verbose_name=_("host organisation"),
    )
    master = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="+", verbose_name=_("master")
    )
    occupation = models.ForeignKey(
        "occupations.Occupation", models.PROTECT, related_name="+", verbose_name=_("occupation")
    )
    recognised_on = models.DateField(_("recognised on"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet["MasterStudio"].as_manager()

    class Meta:
        verbose_name = _("master studio")
        verbose_name_plural = _("master studios")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class StudioApprenticeship(models.Model):
    """Record an apprentice learning from a studio's master (带徒传技)."""

    studio = models.ForeignKey(
        MasterStudio, models.CASCADE, related_name="apprenticeships", verbose_name=_("studio")
    )
    apprentice = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="+", verbose_name=_("apprentice")
    )
    started_on = models.DateField(_("started on"))
    ended_on = models.DateField(_("ended on"), null=True, blank=True)

    objects = ScopedQuerySet["StudioApprenticeship"].as_manager()

    class Meta:
        verbose_name = _("apprenticeship")
        verbose_name_plural = _("apprenticeships")
        ordering = ["started_on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["studio", "apprentice"],
                condition=Q(ended_on__isnull=True),
                name="talent_apprentice_once",
                violation_error_message=_("This person is already an apprentice of this studio."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=models.F("started_on")),
                name="talent_apprentice_dates",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.studio} / {self.apprentice_id}"


class Competition(models.Model):
    """Hold a skills competition (技能竞赛) at a level, for one or more occupations."""

    name = models.CharField(_("name"), max_length=200)
    level = models.CharField(_("level"), max_length=20, choices=CompetitionLevel)
    occupations = models.ManyToManyField(
        "occupations.Occupation", related_name="+", verbose_name=_("occupations")
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    organizer = models.CharField(_("organiser"), max_length=200)
    created_by = models.ForeignKey(
        _USER, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet["Competition"].as_manager()

    class Meta:
        verbose_name = _("competition")
        verbose_name_plural = _("competitions")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=models.F("starts_on")), name="talent_competition_dates"
            )
        ]

    def __str__(self) -> str:
        return self.name


class CompetitionEntry(models.Model):
    """Record one entrant's result in a competition (参赛成绩)."""

    competition = models.ForeignKey(
        Competition, models.CASCADE, related_name="entries", verbose_name=_("competition")
    )
    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="+", verbose_name=_("entrant")
    )
    occupation = models.ForeignKey(
        "occupations.Occupation", models.PROTECT, related_name="+", verbose_name=_("occupation")
    )
    rank = models.PositiveIntegerField(_("place"), null=True, blank=True)
    prize = models.CharField(_("prize"), max_length=20, choices=Prize, default=Prize.NONE)
    recorded_by = models.ForeignKey(
        _USER, models.PROTECT, related_name="+", verbose_name=_("recorded by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet["CompetitionEntry"].as_manager()

    class Meta:
        verbose_name = _("competition entry")
        verbose_name_plural = _("competition entries")
        ordering = ["competition", "rank", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["competition", "person", "occupation"],
                name="talent_entry_once",
                violation_error_message=_("This person is already entered for this occupation."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.competition} / {self.person_id}"


class PromotionRule(models.Model):
    """Say how far a prize at a competition level may promote its winner (破格晋升规则, data)."""

    code = models.SlugField(_("code"), max_length=50, unique=True)
    competition_level = models.CharField(
        _("competition level"), max_length=20, choices=CompetitionLevel
    )
    prizes = models.JSONField(_("prizes"), default=list)
    levels_up = models.PositiveSmallIntegerField(_("levels up"))
    max_level = models.ForeignKey(
        "occupations.SkillLevel",
        models.PROTECT,
        related_name="+",
        verbose_name=_("highest level it may give"),
    )
    description = models.TextField(_("description"), blank=True)
    confirmed = models.BooleanField(_("confirmed against the regulation"), default=False)
    is_active = models.BooleanField(_("active"), default=True)

    objects = ScopedQuerySet["PromotionRule"].as_manager()

    class Meta:
        verbose_name = _("promotion rule")
        verbose_name_plural = _("promotion rules")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.code


class PromotionProposal(models.Model):
    """Propose promoting a competition winner to a higher level (破格晋升), for the bureau."""

    entry = models.OneToOneField(
        CompetitionEntry, models.CASCADE, related_name="proposal", verbose_name=_("entry")
    )
    rule = models.ForeignKey(
        PromotionRule, models.PROTECT, related_name="proposals", verbose_name=_("rule")
    )
    current_level = models.ForeignKey(
        "occupations.SkillLevel",
        models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("current level"),
    )
    proposed_level = models.ForeignKey(
        "occupations.SkillLevel",
        models.PROTECT,
        related_name="+",
        verbose_name=_("proposed level"),
    )
    status = models.CharField(
        _("status"), max_length=20, choices=ProposalStatus, default=ProposalStatus.PROPOSED
    )
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    decided_by = models.ForeignKey(
        _USER,
        models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    certificate_number = models.CharField(_("certificate number"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet["PromotionProposal"].as_manager()

    class Meta:
        verbose_name = _("promotion proposal")
        verbose_name_plural = _("promotion proposals")
        ordering = ["-pk"]

    def __str__(self) -> str:
        return f"#{self.pk}"

    @property
    def basis(self) -> str:
        """The certificate basis an approval issues under (certificates' unique basis)."""
        return f"promotion:{self.pk}"


class TalentGoal(models.Model):
    """Set the bureau's target for the size of the talent pool in a year (目标)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    target = models.PositiveIntegerField(_("target number of high-skill workers"))
    note = models.TextField(_("note"), blank=True)
    set_by = models.ForeignKey(_USER, models.PROTECT, related_name="+", verbose_name=_("set by"))
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = ScopedQuerySet["TalentGoal"].as_manager()

    class Meta:
        verbose_name = _("talent goal")
        verbose_name_plural = _("talent goals")
        ordering = ["year"]

    def __str__(self) -> str:
        return f"{self.year}: {self.target}"
