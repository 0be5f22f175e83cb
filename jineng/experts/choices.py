"""Choices of the judge pool (评委库): qualification kinds, relation kinds, exclusion reasons."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class QualificationKind(models.TextChoices):
    """What a qualification lets an expert do."""

    EXAMINER = "examiner", _("Examiner (考评员)")
    SUPERVISOR = "supervisor", _("Quality supervisor (质量督导员)")
    JUDGE = "judge", _("Judge (评委)")


class RelationKind(models.TextChoices):
    """How an expert is related to a person they declared (利害关系)."""

    FAMILY = "family", _("Family member")
    TEACHER = "teacher", _("Teacher or trainer")
    COLLEAGUE = "colleague", _("Colleague")
    OTHER = "other", _("Other")


class Exclusion(models.TextChoices):
    """Why an expert in the pool of a draw may not be picked (the snapshot's reason codes)."""

    LEVEL_TOO_LOW = "level_too_low", _("May examine only up to a lower level")
    NO_VALID_QUALIFICATION = (
        "no_valid_qualification",
        _("Has no examiner qualification valid on the day"),
    )
    SAME_ORGANIZATION = (
        "same_organization",
        _("Works for the evaluating body or a candidate's institution or employer"),
    )
    IS_CANDIDATE = "is_candidate", _("Is a candidate")
    DECLARED_RELATION = "declared_relation", _("Declared a relation to a candidate")
