"""Choices of assessment (考核/认定): session states, components, sources, changes, findings."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class SessionStatus(models.TextChoices):
    """Where a session stands: 草稿 → 计划备案 → 已抽取考评员 → 评分中 → 已结束 → 已发证."""

    DRAFT = "draft", _("Draft")
    FILED = "filed", _("Plan filed with the bureau")
    EXAMINERS_DRAWN = "examiners_drawn", _("Examiners drawn")
    SCORING = "scoring", _("Scoring")
    CLOSED = "closed", _("Closed, scores locked")
    CERTIFIED = "certified", _("Certificates issued")


SESSION_TRANSITIONS: dict[str, frozenset[str]] = {
    SessionStatus.DRAFT: frozenset({SessionStatus.FILED}),
    SessionStatus.FILED: frozenset({SessionStatus.EXAMINERS_DRAWN}),
    SessionStatus.EXAMINERS_DRAWN: frozenset({SessionStatus.SCORING, SessionStatus.CLOSED}),
    SessionStatus.SCORING: frozenset({SessionStatus.CLOSED}),
    SessionStatus.CLOSED: frozenset({SessionStatus.CERTIFIED}),
    SessionStatus.CERTIFIED: frozenset(),
}
# States in which candidates may still be added (before the plan is filed, or after it is
# filed and before examiners are drawn: the draw excludes the candidates' ties).
OPEN_FOR_CANDIDATES = frozenset({SessionStatus.DRAFT})
# States in which examiners enter scores.
SCORING_STATUSES = frozenset({SessionStatus.EXAMINERS_DRAWN, SessionStatus.SCORING})
# States after the scores are locked.
LOCKED_STATUSES = frozenset({SessionStatus.CLOSED, SessionStatus.CERTIFIED})


class ComponentKey(models.TextChoices):
    """The parts of an assessment, each scored and passed separately."""

    THEORY = "theory", _("Theory test")
    PRACTICAL = "practical", _("Practical test")
    REVIEW = "review", _("Comprehensive review")


class CandidateSource(models.TextChoices):
    """How a candidate came to the session."""

    CLASS_COMPLETION = "class_completion", _("Completed a training class")
    APPLICATION = "application", _("Applied directly")


class ScoreChangeStatus(models.TextChoices):
    """A change to a locked score: asked with a reason, decided by a second person."""

    REQUESTED = "requested", _("Awaiting approval")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class FindingSeverity(models.TextChoices):
    """How serious a supervisor's finding is."""

    NOTE = "note", _("Observation")
    MINOR = "minor", _("Minor irregularity")
    MAJOR = "major", _("Serious irregularity")


class ConditionKind(models.TextChoices):
    """One way to meet a level's conditions of application (申报条件)."""

    PRIOR_CERTIFICATE = "prior_certificate", _("A certificate one level below, plus years")
    YEARS = "years", _("Years in the occupation")
    SCHOOLING = "schooling", _("Schooling")
    TRAINING = "training", _("A completed training class for the occupation")
    OPEN = "open", _("No conditions")
