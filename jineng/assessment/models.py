"""Assessment sessions (考核/认定批次): plans, candidates, examiners, scores, results, findings.

A session is run by an evaluation body (``evaluator``) accredited for the route, occupation and
level on every one of its days. Its plan is filed with the bureau before it is held (计划备案);
the bureau may assign a quality supervisor (质量督导员) and draws the examiners from the judge
pool. Examiners enter scores; closing the session locks them and decides each candidate's
result. A locked score changes only through a ``ScoreChange``: asked by one bureau user with a
reason, approved by another. The component and eligibility rules are data (``ComponentRule``,
``EligibilityRule``, loaded from ``data/*.yaml``); a filed session keeps a snapshot of its
components, so a later change to the rules never rewrites a session's pass marks.
"""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from jineng.accreditations.choices import EvaluationKind
from jineng.assessment.choices import (
    CandidateSource,
    ComponentKey,
    ConditionKind,
    FindingSeverity,
    ScoreChangeStatus,
    SessionStatus,
)
from jineng.core.models import TimeStampedModel
from jineng.core.scope import ScopedQuerySet

SCORE_DIGITS = 6
SCORE_PLACES = 2


class ComponentRule(models.Model):
    """One scored part of an assessment for a route and level (data, ``load-rules``).

    ``level_code`` empty applies to every level of the route (and to routes without levels);
    ``occupation_code`` set overrides the general rules for that occupation.
    """

    route = models.CharField(_("route"), max_length=20, choices=EvaluationKind)
    level_code = models.CharField(_("skill level"), max_length=20, blank=True)
    occupation_code = models.CharField(_("occupation"), max_length=20, blank=True)
    key = models.CharField(_("component"), max_length=20, choices=ComponentKey)
    name = models.CharField(_("name"), max_length=100)
    max_score = models.DecimalField(_("full marks"), max_digits=SCORE_DIGITS, decimal_places=2)
    pass_score = models.DecimalField(_("pass mark"), max_digits=SCORE_DIGITS, decimal_places=2)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    confirmed = models.BooleanField(_("confirmed against the standard"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("component rule")
        verbose_name_plural = _("component rules")
        ordering = ["route", "occupation_code", "level_code", "position", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["route", "level_code", "occupation_code", "key"],
                name="assessment_component_rule_unique",
            ),
            models.CheckConstraint(
                condition=Q(pass_score__lte=F("max_score")) & Q(pass_score__gte=0),
                name="assessment_component_rule_pass_within",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.route} {self.level_code or '*'} {self.occupation_code or '*'} {self.key}"


class EligibilityRule(models.Model):
    """One way to meet the conditions of application for a level (申报条件, data).

    A candidate is eligible when any one rule of the level holds. Rules with an
    ``occupation_code`` replace the general ones (empty code) for that occupation. A level
    code of ``*`` stands for a route without levels (专项职业能力).
    """

    route = models.CharField(_("route"), max_length=20, choices=EvaluationKind, blank=True)
    level_code = models.CharField(_("skill level"), max_length=20)
    occupation_code = models.CharField(_("occupation"), max_length=20, blank=True)
    position = models.PositiveSmallIntegerField(_("order"), default=0)
    kind = models.CharField(_("kind"), max_length=20, choices=ConditionKind)
    prior_level_code = models.CharField(_("certificate held"), max_length=20, blank=True)
    years = models.PositiveSmallIntegerField(_("years in the occupation"), default=0)
    schooling = models.JSONField(_("schooling accepted"), default=list, blank=True)
    text = models.CharField(_("condition in words"), max_length=300)
    confirmed = models.BooleanField(_("confirmed against the standard"), default=False)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("eligibility rule")
        verbose_name_plural = _("eligibility rules")
        ordering = ["route", "occupation_code", "level_code", "position", "pk"]

    def __str__(self) -> str:
        return self.text


class SessionQuerySet(ScopedQuerySet["AssessmentSession"]):
    """Sessions; ``visible_to(user, action)`` applies the data scope (access.py)."""

    def awaiting_filing(self) -> SessionQuerySet:
        return self.filter(status=SessionStatus.DRAFT)

    def filed(self) -> SessionQuerySet:
        return self.filter(status=SessionStatus.FILED)


class AssessmentSession(TimeStampedModel):
    """One assessment (考核/认定批次) for an occupation and level on some days at a venue."""

    evaluator = models.ForeignKey(
        "organizations.Organization",
        models.PROTECT,
        related_name="assessment_sessions",
        verbose_name=_("evaluation body"),
    )
    route = models.CharField(_("route"), max_length=20, choices=EvaluationKind)
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
        help_text=_("Empty for a special vocational ability test (专项职业能力)."),
    )
    title = models.CharField(_("title"), max_length=200)
    venue = models.CharField(_("venue"), max_length=200, blank=True)
    starts_on = models.DateField(_("first day"))
    ends_on = models.DateField(_("last day"))
    capacity = models.PositiveIntegerField(
        _("places"), default=60, validators=[MinValueValidator(1)]
    )
    status = models.CharField(
        _("status"), max_length=20, choices=SessionStatus, default=SessionStatus.DRAFT
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("created by")
    )
    filed_at = models.DateTimeField(_("plan filed at"), null=True, blank=True)
    filed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("plan filed by"),
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="supervised_assessment_sessions",
        verbose_name=_("quality supervisor"),
    )
    draw = models.ForeignKey(
        "experts.Draw",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("examiner draw"),
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    closed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("closed by"),
    )

    objects = SessionQuerySet.as_manager()

    class Meta:
        verbose_name = _("assessment session")
        verbose_name_plural = _("assessment sessions")
        ordering = ["-starts_on", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__gte=F("starts_on")),
                name="assessment_session_dates",
                violation_error_message=_("A session cannot end before it starts."),
            ),
            models.CheckConstraint(
                condition=Q(route=EvaluationKind.SPECIAL_ABILITY) | Q(level__isnull=False),
                name="assessment_session_level_given",
                violation_error_message=_("Only a special ability test has no level."),
            ),
        ]
        indexes = [models.Index(fields=["status", "starts_on"], name="assessment_status_start")]

    def __str__(self) -> str:
        return f"#{self.pk} {self.title}"

    @property
    def is_locked(self) -> bool:
        """Tell whether the scores are locked (closed or certified)."""
        return self.status in (SessionStatus.CLOSED, SessionStatus.CERTIFIED)


class SessionComponent(models.Model):
    """A component of one session, copied from the rules when its plan is filed."""

    session = models.ForeignKey(
        AssessmentSession, models.CASCADE, related_name="components", verbose_name=_("session")
    )
    key = models.CharField(_("component"), max_length=20, choices=ComponentKey)
    name = models.CharField(_("name"), max_length=100)
    max_score = models.DecimalField(_("full marks"), max_digits=SCORE_DIGITS, decimal_places=2)
    pass_score = models.DecimalField(_("pass mark"), max_digits=SCORE_DIGITS, decimal_places=2)
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ScopedQuerySet["SessionComponent"].as_manager()

    class Meta:
        verbose_name = _("session component")
        verbose_name_plural = _("session components")
        ordering = ["session", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "key"], name="assessment_component_once")
        ]

    def __str__(self) -> str:
        return self.name


class Candidate(models.Model):
    """A person sitting one session (考生), from a completed class or by direct application."""

    session = models.ForeignKey(
        AssessmentSession, models.PROTECT, related_name="candidates", verbose_name=_("session")
    )
    person = models.ForeignKey(
        "people.Person",
        models.PROTECT,
        related_name="assessment_candidacies",
        verbose_name=_("person"),
    )
    source = models.CharField(_("source"), max_length=20, choices=CandidateSource)
    enrolment = models.ForeignKey(
        "training.Enrolment",
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("completed enrolment"),
    )
    years_in_occupation = models.PositiveSmallIntegerField(
        _("years in the occupation (declared)"), null=True, blank=True
    )
    education = models.CharField(_("schooling (declared)"), max_length=30, blank=True)
    eligibility_reason = models.TextField(_("why eligible"))
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("added by")
    )
    created_at = models.DateTimeField(_("added at"), auto_now_add=True)

    objects = ScopedQuerySet["Candidate"].as_manager()

    class Meta:
        verbose_name = _("candidate")
        verbose_name_plural = _("candidates")
        ordering = ["session", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["session", "person"],
                name="assessment_candidate_once",
                violation_error_message=_("This person is already a candidate in this session."),
            )
        ]

    def __str__(self) -> str:
        return f"{self.person.name} @ {self.session_id}"


class SessionExaminer(models.Model):
    """An examiner (考评员) drawn for a session."""

    session = models.ForeignKey(
        AssessmentSession, models.PROTECT, related_name="examiners", verbose_name=_("session")
    )
    expert = models.ForeignKey(
        "experts.Expert", models.PROTECT, related_name="+", verbose_name=_("examiner")
    )
    draw = models.ForeignKey(
        "experts.Draw", models.PROTECT, related_name="+", verbose_name=_("draw")
    )
    position = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = ScopedQuerySet["SessionExaminer"].as_manager()

    class Meta:
        verbose_name = _("session examiner")
        verbose_name_plural = _("session examiners")
        ordering = ["session", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["session", "expert"], name="assessment_examiner_once")
        ]

    def __str__(self) -> str:
        return f"{self.expert_id} @ {self.session_id}"


class Score(models.Model):
    """One candidate's score on one component, entered by an examiner."""

    candidate = models.ForeignKey(
        Candidate, models.PROTECT, related_name="scores", verbose_name=_("candidate")
    )
    component = models.ForeignKey(
        SessionComponent, models.PROTECT, related_name="scores", verbose_name=_("component")
    )
    value = models.DecimalField(
        _("score"),
        max_digits=SCORE_DIGITS,
        decimal_places=SCORE_PLACES,
        validators=[MinValueValidator(Decimal(0))],
    )
    entered_by = models.ForeignKey(
        "experts.Expert", models.PROTECT, related_name="+", verbose_name=_("entered by")
    )
    entered_at = models.DateTimeField(_("entered at"))

    objects = ScopedQuerySet["Score"].as_manager()

    class Meta:
        verbose_name = _("score")
        verbose_name_plural = _("scores")
        ordering = ["candidate", "component__position"]
        constraints = [
            models.UniqueConstraint(
                fields=["candidate", "component"], name="assessment_score_once"
            ),
            models.CheckConstraint(condition=Q(value__gte=0), name="assessment_score_not_negative"),
        ]

    def __str__(self) -> str:
        return f"{self.candidate_id} {self.component_id} {self.value}"


class ScoreChange(models.Model):
    """A change to a locked score: a bureau user's reason, a second bureau user's decision."""

    score = models.ForeignKey(
        Score, models.PROTECT, related_name="changes", verbose_name=_("score")
    )
    old_value = models.DecimalField(
        _("old score"), max_digits=SCORE_DIGITS, decimal_places=SCORE_PLACES
    )
    new_value = models.DecimalField(
        _("new score"), max_digits=SCORE_DIGITS, decimal_places=SCORE_PLACES
    )
    reason = models.TextField(_("reason"))
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ScoreChangeStatus,
        default=ScoreChangeStatus.REQUESTED,
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("requested by")
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("decided by"),
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision note"), blank=True)

    objects = ScopedQuerySet["ScoreChange"].as_manager()

    class Meta:
        verbose_name = _("score change")
        verbose_name_plural = _("score changes")
        ordering = ["-requested_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(reason=""), name="assessment_change_has_reason"),
            models.CheckConstraint(
                condition=Q(approved_by__isnull=True) | ~Q(approved_by=F("requested_by")),
                name="assessment_change_second_person",
                violation_error_message=_("A score change is decided by a second person."),
            ),
            models.UniqueConstraint(
                fields=["score"],
                condition=Q(status="requested"),
                name="assessment_change_one_open",
                violation_error_message=_("This score already has a change awaiting approval."),
            ),
        ]

    def __str__(self) -> str:
        return f"{self.score_id}: {self.old_value} → {self.new_value}"


class Result(models.Model):
    """Whether a candidate passed: decided at closing, re-decided by an approved change."""

    candidate = models.OneToOneField(
        Candidate, models.PROTECT, related_name="result", verbose_name=_("candidate")
    )
    passed = models.BooleanField(_("passed"))
    decided_at = models.DateTimeField(_("decided at"))

    objects = ScopedQuerySet["Result"].as_manager()

    class Meta:
        verbose_name = _("result")
        verbose_name_plural = _("results")
        ordering = ["candidate"]

    def __str__(self) -> str:
        return f"{self.candidate_id}: {'pass' if self.passed else 'fail'}"

    @property
    def basis(self) -> str:
        """The basis of the certificate issued for this result."""
        return f"result:{self.pk}"


class SupervisionFinding(models.Model):
    """What a quality supervisor (质量督导员) saw at a session."""

    session = models.ForeignKey(
        AssessmentSession, models.PROTECT, related_name="findings", verbose_name=_("session")
    )
    supervisor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, related_name="+", verbose_name=_("supervisor")
    )
    text = models.TextField(_("finding"))
    severity = models.CharField(
        _("severity"), max_length=10, choices=FindingSeverity, default=FindingSeverity.NOTE
    )
    recorded_at = models.DateTimeField(_("recorded at"), auto_now_add=True)

    objects = ScopedQuerySet["SupervisionFinding"].as_manager()

    class Meta:
        verbose_name = _("supervision finding")
        verbose_name_plural = _("supervision findings")
        ordering = ["-recorded_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="assessment_finding_has_text")
        ]

    def __str__(self) -> str:
        return self.text[:50]
