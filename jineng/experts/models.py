"""The judge pool (评委库 / 考评员库): experts, their occupations, qualifications and relations,
and the draws that pick examiners for an assessment.

A draw stores everything needed to repeat it: the seed, the algorithm and the pool as it
stood (each expert with their workload and, when they could not be picked, the reason in
words). Recomputing the picks from those (``draw.reproduce``) must give the stored picks.
"""

from __future__ import annotations

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jineng.core.models import TimeStampedModel
from jineng.core.scope import ScopedQuerySet
from jineng.experts.choices import QualificationKind, RelationKind


class ExpertQuerySet(ScopedQuerySet["Expert"]):
    """Experts; ``visible_to(user, action)`` applies the data scope (access.py)."""

    def active(self) -> ExpertQuerySet:
        """Experts who may still be drawn."""
        return self.filter(active=True)


class Expert(TimeStampedModel):
    """Keep one person in the judge pool (评委/考评员), with the organisation they work for."""

    person = models.OneToOneField(
        "people.Person",
        models.PROTECT,
        related_name="expert",
        verbose_name=_("person"),
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="expert",
        verbose_name=_("account"),
        help_text=_("The account the expert signs in with to enter scores."),
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="experts",
        verbose_name=_("organisation"),
        help_text=_("Where the expert works; they are never drawn for its candidates."),
    )
    title = models.CharField(
        _("professional title"),
        max_length=100,
        blank=True,
        help_text=_("For example 高级技师 or 高级工程师."),
    )
    active = models.BooleanField(_("in the pool"), default=True)
    note = models.TextField(_("note"), blank=True)

    objects = ExpertQuerySet.as_manager()

    class Meta:
        verbose_name = _("expert")
        verbose_name_plural = _("experts")
        ordering = ["person__name", "pk"]

    def __str__(self) -> str:
        return f"#{self.pk} {self.person.name}"


class ExpertOccupation(models.Model):
    """Let an expert examine an occupation up to a skill level (可考评的职业和等级)."""

    expert = models.ForeignKey(
        Expert, models.PROTECT, related_name="occupations", verbose_name=_("expert")
    )
    occupation = models.ForeignKey(
        "occupations.Occupation", models.PROTECT, related_name="+", verbose_name=_("occupation")
    )
    max_level = models.ForeignKey(
        "occupations.SkillLevel",
        models.PROTECT,
        related_name="+",
        verbose_name=_("highest level examined"),
        help_text=_("The highest skill level this expert may examine in the occupation."),
    )
    started_on = models.DateField(_("since"), default=timezone.localdate)
    ended_on = models.DateField(
        _("ended on"),
        null=True,
        blank=True,
        help_text=_("The first day on which the expert no longer examines this occupation."),
    )

    objects = ScopedQuerySet["ExpertOccupation"].as_manager()

    class Meta:
        verbose_name = _("expert occupation")
        verbose_name_plural = _("expert occupations")
        ordering = ["occupation__code", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "occupation"],
                condition=Q(ended_on__isnull=True),
                name="experts_occupation_one_current",
                violation_error_message=_("The expert already examines this occupation."),
            ),
            models.CheckConstraint(
                condition=Q(ended_on__isnull=True) | Q(ended_on__gte=F("started_on")),
                name="experts_occupation_range",
                violation_error_message=_("An occupation cannot end before it starts."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.occupation_id} ≤ {self.max_level_id}"

    @property
    def is_current(self) -> bool:
        """Tell whether the expert still examines this occupation."""
        return self.ended_on is None


class ExpertQualification(models.Model):
    """Record a qualification card an expert holds, with its validity (考评员证/督导员证)."""

    expert = models.ForeignKey(
        Expert, models.PROTECT, related_name="qualifications", verbose_name=_("expert")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=QualificationKind)
    number = models.CharField(_("certificate number"), max_length=60)
    issued_by = models.CharField(_("issued by"), max_length=200, blank=True)
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), help_text=_("The last day of validity (inclusive).")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet["ExpertQualification"].as_manager()

    class Meta:
        verbose_name = _("expert qualification")
        verbose_name_plural = _("expert qualifications")
        ordering = ["kind", "-valid_until", "pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__gte=F("valid_from")),
                name="experts_qualification_valid_range",
                violation_error_message=_("A qualification cannot end before it starts."),
            ),
            models.UniqueConstraint(
                fields=["kind", "number"],
                name="experts_qualification_unique_number",
                violation_error_message=_("A qualification of this kind already has this number."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.number}"

    def is_valid_on(self, on_date: datetime.date) -> bool:
        """Tell whether the qualification is in force on a date."""
        return self.valid_from <= on_date <= self.valid_until


class ExpertRelation(models.Model):
    """Record a relation an expert declared to a person (申报的利害关系): never drawn for them."""

    expert = models.ForeignKey(
        Expert, models.PROTECT, related_name="relations", verbose_name=_("expert")
    )
    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="+", verbose_name=_("related person")
    )
    kind = models.CharField(_("relation"), max_length=20, choices=RelationKind)
    note = models.CharField(_("note"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("declared at"), auto_now_add=True)

    objects = ScopedQuerySet["ExpertRelation"].as_manager()

    class Meta:
        verbose_name = _("declared relation")
        verbose_name_plural = _("declared relations")
        ordering = ["created_at", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["expert", "person"],
                name="experts_relation_one_per_person",
                violation_error_message=_("The expert already declared a relation to this person."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.expert_id} ~ {self.person_id}"


class DrawQuerySet(ScopedQuerySet["Draw"]):
    """Draws; ``visible_to(user, action)`` applies the data scope (access.py)."""

    def standing(self) -> DrawQuerySet:
        """Draws that still count (not cancelled)."""
        return self.filter(cancelled_at__isnull=True)


class Draw(models.Model):
    """Pick examiners at random from the qualified, conflict-free pool (抽取考评员), reproducibly.

    ``pool`` is the snapshot: a list of ``{"expert_id", "workload", "eligible", "code",
    "reason"}`` in the order the draw considered them. ``purpose`` names what the examiners
    are for (e.g. ``session:12``); one standing draw per purpose.
    """

    purpose = models.CharField(_("purpose"), max_length=100)
    occupation = models.ForeignKey(
        "occupations.Occupation", models.PROTECT, related_name="+", verbose_name=_("occupation")
    )
    level = models.ForeignKey(
        "occupations.SkillLevel",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skill level"),
    )
    on_date = models.DateField(_("examination day"))
    end_date = models.DateField(
        _("last examination day"),
        null=True,
        blank=True,
        help_text=_("The examiner cards were checked on every day up to this one."),
    )
    count = models.PositiveSmallIntegerField(_("number of examiners"))
    seed = models.CharField(_("seed"), max_length=128)
    algorithm = models.CharField(_("algorithm"), max_length=40, default="sha256-workload-v1")
    pool = models.JSONField(_("pool"), default=list)
    excluded_organization_ids = models.JSONField(_("excluded organisations"), default=list)
    candidate_person_ids = models.JSONField(_("candidates"), default=list)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("drawn by")
    )
    created_at = models.DateTimeField(_("drawn at"), auto_now_add=True)
    cancelled_at = models.DateTimeField(_("cancelled at"), null=True, blank=True)
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancel_reason = models.TextField(_("reason for cancelling"), blank=True)

    objects = DrawQuerySet.as_manager()

    class Meta:
        verbose_name = _("examiner draw")
        verbose_name_plural = _("examiner draws")
        ordering = ["-created_at", "-pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["purpose"],
                condition=Q(cancelled_at__isnull=True),
                name="experts_draw_one_standing_per_purpose",
                violation_error_message=_("Examiners have already been drawn for this purpose."),
            ),
            models.CheckConstraint(
                condition=Q(count__gte=1),
                name="experts_draw_count_positive",
                violation_error_message=_("A draw picks at least one examiner."),
            ),
            models.CheckConstraint(
                condition=Q(cancelled_at__isnull=True) | ~Q(cancel_reason=""),
                name="experts_draw_cancel_has_reason",
                violation_error_message=_("Cancelling a draw must give its reason."),
            ),
        ]
        indexes = [models.Index(fields=["created_at"], name="experts_draw_created")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.purpose}"

    @property
    def is_standing(self) -> bool:
        """Tell whether the draw still counts."""
        return self.cancelled_at is None

    def picked_experts(self) -> list[Expert]:
        """Return the picked experts in the order they were drawn."""
        return [
            pick.expert
            for pick in self.picks.select_related("expert__person", "expert__organization")
        ]

    def picked_ids(self) -> list[int]:
        """Return the picked experts' ids in order."""
        return [pick.expert_id for pick in self.picks.all()]


class DrawPick(models.Model):
    """One expert picked by a draw, in the order drawn (抽中的考评员)."""

    draw = models.ForeignKey(Draw, models.PROTECT, related_name="picks", verbose_name=_("draw"))
    expert = models.ForeignKey(
        Expert, models.PROTECT, related_name="draw_picks", verbose_name=_("expert")
    )
    order = models.PositiveSmallIntegerField(_("order"))

    objects = ScopedQuerySet["DrawPick"].as_manager()

    class Meta:
        verbose_name = _("picked examiner")
        verbose_name_plural = _("picked examiners")
        ordering = ["draw", "order"]
        constraints = [
            models.UniqueConstraint(fields=["draw", "order"], name="experts_pick_order"),
            models.UniqueConstraint(fields=["draw", "expert"], name="experts_pick_once"),
        ]

    def __str__(self) -> str:
        return f"{self.draw_id}.{self.order} {self.expert_id}"
