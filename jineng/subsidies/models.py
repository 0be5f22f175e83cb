"""Models of subsidies (培训补贴): the policy's rules as versioned data, and claims.

Training standards per catalog entry and target group live in the catalog
(``CatalogEntry.subsidy_fen`` and ``EntrySubsidy``); what the policy adds — caps per person,
the amounts of the other kinds of subsidy, the days of public notice — is a ``RuleSet``
version with its ``RuleAmount`` rows, loaded from a file by the bureau. Every claim names the
rule set it was computed under and every line keeps its computation in words.

Money is integer fen. Nothing here is paid: funds keeps the ledger (commitment on approval,
disbursement on payment), referenced as ``subsidies.claim:<id>``.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q, Value
from django.db.models.functions import Coalesce
from django.utils.translation import gettext_lazy as _

from jineng.core.models import TimeStampedModel
from jineng.core.scope import ScopedQuerySet
from jineng.subsidies.choices import (
    AmountUnit,
    ClaimStatus,
    Confirmation,
    ObjectionKind,
    ObjectionStatus,
    RuleSetStatus,
    SubsidyKind,
)

_USER = settings.AUTH_USER_MODEL
# The most one amount or one claim may be: 1,000,000 yuan (as the catalog's bound).
MAX_AMOUNT_FEN = 100_000_000
MAX_CLAIM_FEN = 10_000_000_000


class RuleSet(TimeStampedModel):
    """One version of the city's subsidy policy (补贴政策), in force from a date.

    ``is_example`` marks values typed in for the demo city: pages say so beside every amount
    computed under them. A bureau loads its own from a file (``jineng subsidies load-rules``).
    """

    number = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200)
    source = models.CharField(
        _("source document"),
        max_length=300,
        blank=True,
        help_text=_("The policy document and article the values come from."),
    )
    is_example = models.BooleanField(_("example values"), default=False)
    status = models.CharField(
        _("status"), max_length=12, choices=RuleSetStatus.choices, default=RuleSetStatus.DRAFT
    )
    effective_from = models.DateField(_("in force from"))
    effective_until = models.DateField(_("in force until"), null=True, blank=True)
    max_trainings_per_year = models.PositiveSmallIntegerField(
        _("subsidised trainings per person and year"), null=True, blank=True
    )
    once_per_occupation_level = models.BooleanField(
        _("the same occupation and level is subsidised once"), default=True
    )
    no_lower_level_after_higher = models.BooleanField(
        _("no subsidy for a lower level after a higher one"), default=True
    )
    min_insured_months = models.PositiveSmallIntegerField(
        _("months insured before a skill upgrade subsidy"), null=True, blank=True
    )
    upgrade_claim_months = models.PositiveSmallIntegerField(
        _("months after the certificate to claim a skill upgrade subsidy"), null=True, blank=True
    )
    notice_days = models.PositiveSmallIntegerField(_("days of public notice (公示)"), default=7)
    created_by = models.ForeignKey(
        _USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("loaded by")
    )

    objects = ScopedQuerySet["RuleSet"].as_manager()

    class Meta:
        verbose_name = _("subsidy rule set")
        verbose_name_plural = _("subsidy rule sets")
        ordering = ("-effective_from", "-number")
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_until__isnull=True)
                | Q(effective_until__gte=models.F("effective_from")),
                name="subsidies_ruleset_dates_ordered",
            ),
            models.CheckConstraint(
                condition=Q(status__in=RuleSetStatus.values), name="subsidies_ruleset_status_known"
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.number} {self.title}"


class RuleAmount(models.Model):
    """One amount of a rule set: a kind of subsidy, optionally for a level and a target group,
    counted per person, day, month or year, up to ``max_units`` of them."""

    rule_set = models.ForeignKey(
        RuleSet, models.CASCADE, related_name="amounts", verbose_name=_("rule set")
    )
    kind = models.CharField(_("kind of subsidy"), max_length=20, choices=SubsidyKind.choices)
    skill_level = models.ForeignKey(
        "occupations.SkillLevel",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("skill level"),
    )
    target_group = models.ForeignKey(
        "people.TargetGroup",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("target group"),
    )
    unit = models.CharField(_("counted"), max_length=8, choices=AmountUnit.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    max_units = models.PositiveIntegerField(_("at most (units)"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = ScopedQuerySet["RuleAmount"].as_manager()

    class Meta:
        verbose_name = _("subsidy rule amount")
        verbose_name_plural = _("subsidy rule amounts")
        ordering = ("rule_set", "kind", "skill_level", "target_group")
        constraints = [
            # One amount per kind, level and group, "any level" and "any group" included:
            # an empty level or group counts as one value (0), on every database.
            models.UniqueConstraint(
                "rule_set",
                "kind",
                Coalesce("skill_level", Value(0)),
                Coalesce("target_group", Value(0)),
                name="subsidies_amount_once",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0) & Q(amount_fen__lte=MAX_AMOUNT_FEN),
                name="subsidies_amount_in_range",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SubsidyKind.values), name="subsidies_amount_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(unit__in=AmountUnit.values), name="subsidies_amount_unit_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.rule_set_id}:{self.kind}:{self.amount_fen}"


class ClaimQuerySet(ScopedQuerySet["Claim"]):
    def open(self) -> ClaimQuerySet:
        """Claims neither paid nor rejected."""
        return self.exclude(status__in=(ClaimStatus.PAID, ClaimStatus.REJECTED))


class Claim(TimeStampedModel):
    """A request to pay one kind of subsidy (补贴申领) for one or more people.

    The claimant is an organisation (an institution for its class's completers, an employer
    for its apprentices) or a worker (a skill upgrade after a certificate). Each step of the
    workflow keeps who took it and when; the same account never takes two of them
    (separation of duties, enforced in services and by constraints below).
    """

    number = models.CharField(_("claim number"), max_length=30, unique=True)
    kind = models.CharField(_("kind of subsidy"), max_length=20, choices=SubsidyKind.choices)
    status = models.CharField(
        _("status"), max_length=16, choices=ClaimStatus.choices, default=ClaimStatus.SUBMITTED
    )
    organization = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
        verbose_name=_("claimant organisation"),
    )
    person = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
        verbose_name=_("claimant worker"),
    )
    training_class = models.ForeignKey(
        "training.TrainingClass",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_claims",
        verbose_name=_("class"),
    )
    rule_set = models.ForeignKey(
        RuleSet, models.PROTECT, related_name="claims", verbose_name=_("rule set")
    )
    fund_source = models.CharField(_("paid from"), max_length=40, blank=True)
    year = models.PositiveSmallIntegerField(_("budget year"))
    total_fen = models.BigIntegerField(_("amount (fen)"), default=0)
    submitted_by = models.ForeignKey(
        _USER, models.PROTECT, related_name="+", verbose_name=_("submitted by")
    )
    submitted_at = models.DateTimeField(_("submitted at"))
    first_reviewed_by = models.ForeignKey(
        _USER,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("first reviewer"),
    )
    first_reviewed_at = models.DateTimeField(_("first reviewed at"), null=True, blank=True)
    first_review_note = models.TextField(_("first review note"), blank=True)
    second_reviewed_by = models.ForeignKey(
        _USER,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("second reviewer"),
    )
    second_reviewed_at = models.DateTimeField(_("second reviewed at"), null=True, blank=True)
    second_review_note = models.TextField(_("second review note"), blank=True)
    notice_starts_on = models.DateField(_("public notice from"), null=True, blank=True)
    notice_ends_on = models.DateField(_("public notice until"), null=True, blank=True)
    approved_by = models.ForeignKey(
        _USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("approver")
    )
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    paid_by = models.ForeignKey(
        _USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("paid by")
    )
    paid_at = models.DateTimeField(_("paid at"), null=True, blank=True)
    payment_reference = models.CharField(_("payment batch"), max_length=60, blank=True)
    rejected_by = models.ForeignKey(
        _USER,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("rejected by"),
    )
    rejected_at = models.DateTimeField(_("rejected at"), null=True, blank=True)
    rejection_reasons = models.TextField(_("reasons for rejection"), blank=True)
    # The people of the class not claimed for, each with why: [{"person_id", "enrolment_id",
    # "rule", "reason"}], so nobody is silently dropped from a claim.
    ineligible = models.JSONField(_("not claimed for, and why"), default=list, blank=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("subsidy claim")
        verbose_name_plural = _("subsidy claims")
        ordering = ("-submitted_at", "-id")
        indexes = [
            models.Index(fields=("status", "kind"), name="subsidies_claim_status_kind"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=ClaimStatus.values), name="subsidies_claim_status_known"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=SubsidyKind.values), name="subsidies_claim_kind_known"
            ),
            models.CheckConstraint(
                condition=Q(organization__isnull=False) | Q(person__isnull=False),
                name="subsidies_claim_has_claimant",
            ),
            models.CheckConstraint(
                condition=Q(total_fen__gte=0) & Q(total_fen__lte=MAX_CLAIM_FEN),
                name="subsidies_claim_total_in_range",
            ),
            # Separation of duties, as data: no account takes two steps of one claim.
            models.CheckConstraint(
                condition=~Q(first_reviewed_by=models.F("submitted_by")),
                name="subsidies_claim_first_review_not_by_submitter",
            ),
            models.CheckConstraint(
                condition=~Q(second_reviewed_by=models.F("first_reviewed_by"))
                & ~Q(second_reviewed_by=models.F("submitted_by")),
                name="subsidies_claim_second_review_by_another",
            ),
            models.CheckConstraint(
                condition=~Q(approved_by=models.F("submitted_by"))
                & ~Q(approved_by=models.F("first_reviewed_by"))
                & ~Q(approved_by=models.F("second_reviewed_by")),
                name="subsidies_claim_approved_by_another",
            ),
            models.CheckConstraint(
                condition=~Q(paid_by=models.F("submitted_by"))
                & ~Q(paid_by=models.F("approved_by")),
                name="subsidies_claim_paid_by_another",
            ),
            models.CheckConstraint(
                condition=~Q(paid_by=models.F("first_reviewed_by"))
                & ~Q(paid_by=models.F("second_reviewed_by")),
                name="subsidies_claim_paid_by_not_a_reviewer",
            ),
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.REJECTED) | ~Q(rejection_reasons=""),
                name="subsidies_claim_rejected_with_reasons",
            ),
            models.CheckConstraint(
                condition=~Q(status=ClaimStatus.PAID)
                | (Q(paid_at__isnull=False) & Q(approved_at__isnull=False)),
                name="subsidies_claim_paid_after_approval",
            ),
        ]

    def __str__(self) -> str:
        return self.number

    @property
    def reference(self) -> str:
        """The claim's reference in the funds ledger."""
        return f"subsidies.claim:{self.pk}"


class ClaimNumberCounter(models.Model):
    """The last serial of the claim numbers of one year (locked in locks.py to take the next)."""

    year = models.PositiveSmallIntegerField(_("year"), unique=True)
    last_serial = models.PositiveIntegerField(_("last serial"), default=0)

    class Meta:
        verbose_name = _("claim number counter")
        verbose_name_plural = _("claim number counters")

    def __str__(self) -> str:
        return f"{self.year}:{self.last_serial}"


class ClaimLine(models.Model):
    """One person's part of a claim: the amount and the computation that explains it.

    ``computation`` is a list of steps, each ``{"text": str, "amount_fen": int | None}``, in
    the words a reviewer and the worker read (which rule, which standard, which days or
    hours, which cap). ``active`` turns false when the line is removed or the claim rejected,
    so the same enrolment or certificate is in at most one live claim of a kind.
    """

    claim = models.ForeignKey(Claim, models.CASCADE, related_name="lines", verbose_name=_("claim"))
    kind = models.CharField(_("kind of subsidy"), max_length=20, choices=SubsidyKind.choices)
    person = models.ForeignKey(
        "people.Person", models.PROTECT, related_name="subsidy_lines", verbose_name=_("person")
    )
    enrolment = models.ForeignKey(
        "training.Enrolment",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_lines",
        verbose_name=_("enrolment"),
    )
    certificate = models.ForeignKey(
        "certificates.Certificate",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="subsidy_lines",
        verbose_name=_("certificate"),
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    computation = models.JSONField(_("how the amount was computed"), default=list)
    active = models.BooleanField(_("in the claim"), default=True)
    removed_reason = models.TextField(_("why it was removed"), blank=True)
    confirmation = models.CharField(
        _("worker's confirmation"),
        max_length=10,
        choices=Confirmation.choices,
        default=Confirmation.PENDING,
    )
    confirmed_at = models.DateTimeField(_("confirmed at"), null=True, blank=True)

    objects = ScopedQuerySet["ClaimLine"].as_manager()

    class Meta:
        verbose_name = _("claim line")
        verbose_name_plural = _("claim lines")
        ordering = ("claim", "id")
        constraints = [
            models.UniqueConstraint(fields=("claim", "person"), name="subsidies_line_person_once"),
            models.UniqueConstraint(
                fields=("kind", "enrolment"),
                condition=Q(active=True, enrolment__isnull=False),
                name="subsidies_line_enrolment_claimed_once",
            ),
            models.UniqueConstraint(
                fields=("kind", "certificate"),
                condition=Q(active=True, certificate__isnull=False),
                name="subsidies_line_certificate_claimed_once",
            ),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0) & Q(amount_fen__lte=MAX_AMOUNT_FEN),
                name="subsidies_line_amount_in_range",
            ),
            models.CheckConstraint(
                condition=Q(confirmation__in=Confirmation.values),
                name="subsidies_line_confirmation_known",
            ),
            models.CheckConstraint(
                condition=Q(active=True) | ~Q(removed_reason=""),
                name="subsidies_line_removed_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}:{self.person_id}"


class ClaimHold(models.Model):
    """A hold on a claim (暂停拨付): while any hold is open the claim is neither approved nor
    paid. ``source`` names who placed it: ``fraud.alert:<id>``, ``subsidies.objection:<id>``.
    One open hold per claim and source; releasing keeps the row, with who and why."""

    claim = models.ForeignKey(Claim, models.CASCADE, related_name="holds", verbose_name=_("claim"))
    source = models.CharField(_("placed by"), max_length=60)
    reason = models.TextField(_("reason"))
    placed_at = models.DateTimeField(_("placed at"))
    placed_by = models.ForeignKey(
        _USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("placed by")
    )
    released_at = models.DateTimeField(_("released at"), null=True, blank=True)
    released_by = models.ForeignKey(
        _USER,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("released by"),
    )
    release_reason = models.TextField(_("why it was released"), blank=True)

    objects = ScopedQuerySet["ClaimHold"].as_manager()

    class Meta:
        verbose_name = _("claim hold")
        verbose_name_plural = _("claim holds")
        ordering = ("claim", "-placed_at")
        constraints = [
            models.UniqueConstraint(
                fields=("claim", "source"),
                condition=Q(released_at__isnull=True),
                name="subsidies_hold_open_once_per_source",
            ),
            models.CheckConstraint(
                condition=Q(released_at__isnull=True) | ~Q(release_reason=""),
                name="subsidies_hold_released_with_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}:{self.source}"

    @property
    def is_open(self) -> bool:
        return self.released_at is None


class Objection(models.Model):
    """An objection to a claim: from anyone during its public notice (公示异议), or the
    worker's own "this is not right" on their line. Open objections hold the claim."""

    claim = models.ForeignKey(
        Claim, models.CASCADE, related_name="objections", verbose_name=_("claim")
    )
    line = models.ForeignKey(
        ClaimLine,
        models.CASCADE,
        null=True,
        blank=True,
        related_name="objections",
        verbose_name=_("claim line"),
    )
    kind = models.CharField(_("kind"), max_length=8, choices=ObjectionKind.choices)
    text = models.TextField(_("what is not right"))
    # The objector's phone or other contact, encrypted (core.pii), shown to reviewers only.
    contact_encrypted = models.BinaryField(
        _("how to reach the objector (encrypted)"), null=True, blank=True
    )
    raised_by = models.ForeignKey(
        _USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("raised by")
    )
    raised_at = models.DateTimeField(_("raised at"))
    status = models.CharField(
        _("status"), max_length=10, choices=ObjectionStatus.choices, default=ObjectionStatus.OPEN
    )
    resolution = models.TextField(_("resolution"), blank=True)
    resolved_by = models.ForeignKey(
        _USER,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("resolved by"),
    )
    resolved_at = models.DateTimeField(_("resolved at"), null=True, blank=True)

    objects = ScopedQuerySet["Objection"].as_manager()

    class Meta:
        verbose_name = _("objection")
        verbose_name_plural = _("objections")
        ordering = ("-raised_at", "-id")
        constraints = [
            models.CheckConstraint(
                condition=Q(status=ObjectionStatus.OPEN) | ~Q(resolution=""),
                name="subsidies_objection_resolved_with_reason",
            ),
            models.CheckConstraint(
                condition=Q(kind__in=ObjectionKind.values), name="subsidies_objection_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.claim_id}:{self.kind}:{self.pk}"
