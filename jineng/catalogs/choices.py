"""Choices for the public catalogs (目录清单) and their allowed state transitions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class CatalogKind(models.TextChoices):
    """The four public catalogs of the lifelong training system."""

    SUBSIDISED_TRAINING = "subsidised_training", _("Subsidised training catalog (政府补贴培训目录)")
    TRAINING_INSTITUTIONS = "training_institutions", _("Training institutions (培训机构目录)")
    EVALUATION_BODIES = "evaluation_bodies", _("Evaluation bodies (鉴定评价机构目录)")
    QUALIFICATIONS = "qualifications", _("Qualifications (职业资格目录)")


class VersionStatus(models.TextChoices):
    """Where a catalog version is in its life."""

    DRAFT = "draft", _("Draft")
    IN_REVIEW = "in_review", _("In review")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")


# A version is edited as a draft, submitted for review (or sent back), published by a second
# person, and superseded when a later version is published.
VERSION_TRANSITIONS: dict[str, frozenset[str]] = {
    VersionStatus.DRAFT: frozenset({VersionStatus.IN_REVIEW}),
    VersionStatus.IN_REVIEW: frozenset({VersionStatus.DRAFT, VersionStatus.PUBLISHED}),
    VersionStatus.PUBLISHED: frozenset({VersionStatus.SUPERSEDED}),
    VersionStatus.SUPERSEDED: frozenset(),
}
# Versions the public may read: published ones, current or past.
PUBLIC_STATUSES = (VersionStatus.PUBLISHED, VersionStatus.SUPERSEDED)
# Versions still being prepared.
OPEN_STATUSES = (VersionStatus.DRAFT, VersionStatus.IN_REVIEW)


class TrainingType(models.TextChoices):
    """Kinds of subsidised training."""

    EMPLOYMENT = "employment", _("Employment skills training (就业技能培训)")
    UPSKILLING = "upskilling", _("On-the-job upskilling (岗位技能提升培训)")
    ENTREPRENEURSHIP = "entrepreneurship", _("Entrepreneurship training (创业创新培训)")
    PRE_EMPLOYMENT = "pre_employment", _("Pre-employment training (劳动预备制培训)")
    APPRENTICESHIP = "apprenticeship", _("Enterprise apprenticeship (企业新型学徒制)")


class EntryStatus(models.TextChoices):
    """Whether a catalog entry is in force or suspended."""

    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")


class ChangeReason(models.TextChoices):
    """Why an entry differs from the version before (变动原因)."""

    ADDED = "added", _("Added (新增)")
    CHANGED = "changed", _("Adjusted (调整)")
    SUSPENDED = "suspended", _("Suspended (暂停)")
    REMOVED = "removed", _("Removed (退出)")
    RESTORED = "restored", _("Restored (恢复)")


# Reasons that take something away from an organisation, which it may appeal.
APPEALABLE_REASONS = (ChangeReason.SUSPENDED, ChangeReason.REMOVED)


class GroundsKind(models.TextChoices):
    """What a change rests on (调整依据)."""

    SCORECARD = "scorecard", _("Performance scorecard (绩效评估)")
    INSPECTION = "inspection", _("Inspection (检查)")
    COMPLAINT = "complaint", _("Complaint (投诉)")
    LICENCE_EXPIRY = "licence_expiry", _("Licence expiry (资质到期)")
    APPLICATION = "application", _("Application (申请)")
    POLICY = "policy", _("Policy (政策调整)")
    APPEAL = "appeal", _("Appeal decision (申诉决定)")


class AppealStatus(models.TextChoices):
    """Where an appeal against a removal or suspension is."""

    FILED = "filed", _("Filed")
    UPHELD = "upheld", _("Upheld")
    DISMISSED = "dismissed", _("Dismissed")


APPEAL_TRANSITIONS: dict[str, frozenset[str]] = {
    AppealStatus.FILED: frozenset({AppealStatus.UPHELD, AppealStatus.DISMISSED}),
    AppealStatus.UPHELD: frozenset(),
    AppealStatus.DISMISSED: frozenset(),
}


class EvaluationKind(models.TextChoices):
    """How an evaluation body assesses (评价类型)."""

    QUALIFICATION = "qualification", _("Vocational qualification evaluation (职业资格评价)")
    SKILL_LEVEL = "skill_level", _("Skill level recognition (职业技能等级认定)")
    SPECIAL_ABILITY = "special_ability", _("Special vocational ability test (专项职业能力考核)")


class QualificationType(models.TextChoices):
    """Kinds of item in the qualifications catalog."""

    ACCESS = "access", _("Access qualification (准入类)")
    LEVEL_EVALUATION = "level_evaluation", _("Level evaluation (水平评价类)")
    SPECIAL_ABILITY = "special_ability", _("Local special vocational ability (专项职业能力)")
