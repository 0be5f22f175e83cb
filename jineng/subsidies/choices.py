"""The fixed vocabularies of subsidies: kinds of subsidy, units, claim and line states."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class SubsidyKind(models.TextChoices):
    """What a claim pays for; each kind has its own rule amounts and its own claimant."""

    TRAINING = "training", _("Training subsidy (培训补贴)")
    SKILL_UPGRADE = "skill_upgrade", _("Skill upgrade subsidy (技能提升补贴)")
    EVALUATION = "evaluation", _("Evaluation subsidy (鉴定评价补贴)")
    LIVING = "living", _("Living allowance during training (生活费补贴)")
    APPRENTICESHIP = "apprenticeship", _("New enterprise apprenticeship (企业新型学徒制)")
    WORK_FOR_TRAINING = "work_for_training", _("Training on the job (以工代训)")


class AmountUnit(models.TextChoices):
    """What one rule amount is counted per."""

    PERSON = "person", _("per person")
    DAY = "day", _("per training day")
    MONTH = "month", _("per month")
    YEAR = "year", _("per year")


class RuleSetStatus(models.TextChoices):
    DRAFT = "draft", _("Draft (for simulation)")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")


class ClaimStatus(models.TextChoices):
    """The claim workflow (申领流程): two reviews by different people, the public notice (公示),
    approval, payment; or a rejection with reasons at any step before payment."""

    SUBMITTED = "submitted", _("Submitted")
    FIRST_REVIEWED = "first_reviewed", _("First review passed")
    SECOND_REVIEWED = "second_reviewed", _("Second review passed")
    IN_NOTICE = "in_notice", _("In public notice (公示)")
    APPROVED = "approved", _("Approved")
    PAID = "paid", _("Paid")
    REJECTED = "rejected", _("Rejected")


# The states from which nothing moves on: a claim here holds no money and takes no holds.
CLOSED_STATUSES = frozenset({ClaimStatus.PAID.value, ClaimStatus.REJECTED.value})


class Confirmation(models.TextChoices):
    """The worker's own word on a line in their name (本人确认)."""

    PENDING = "pending", _("Waiting for the worker")
    CONFIRMED = "confirmed", _("Confirmed by the worker")
    DISPUTED = "disputed", _("The worker says it is not right")


class ObjectionKind(models.TextChoices):
    PUBLIC = "public", _("Objection during the public notice")
    WORKER = "worker", _("The worker says it is not right")


class ObjectionStatus(models.TextChoices):
    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")
