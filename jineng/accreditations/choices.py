"""Choices for accreditation (资质认定): kinds, application states and their transitions."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jineng.core.errors import InvalidTransition


class AccreditationKind(models.TextChoices):
    """What an organisation is accredited to do."""

    TRAINING = "training", _("Training (培训机构)")
    EVALUATION = "evaluation", _("Evaluation (鉴定评价机构)")


class EvaluationKind(models.TextChoices):
    """The kind of evaluation an evaluation body may run."""

    QUALIFICATION = "qualification", _("Vocational qualification evaluation (职业资格评价)")
    SKILL_LEVEL = "skill_level", _("Skill-level recognition (职业技能等级认定)")
    SPECIAL_ABILITY = "special_ability", _("Special vocational ability test (专项职业能力考核)")


class ApplicationStatus(models.TextChoices):
    """Where an accreditation application stands."""

    SUBMITTED = "submitted", _("Submitted")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


# The application state machine: a decision is final; a refused organisation applies again.
APPLICATION_TRANSITIONS: dict[str, frozenset[str]] = {
    ApplicationStatus.SUBMITTED: frozenset(
        {ApplicationStatus.APPROVED, ApplicationStatus.REJECTED}
    ),
    ApplicationStatus.APPROVED: frozenset(),
    ApplicationStatus.REJECTED: frozenset(),
}


class AccreditationStatus(models.TextChoices):
    """The state of an accreditation on a given date, derived from its dates (never stored)."""

    PENDING = "pending", _("Not yet valid")
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    EXPIRED = "expired", _("Expired")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class AccreditationAction(models.TextChoices):
    """What the bureau may do to an accreditation."""

    SUSPEND = "suspend", _("Suspend")
    LIFT_SUSPENSION = "lift_suspension", _("Lift the suspension")
    WITHDRAW = "withdraw", _("Withdraw")


# Which actions each derived status allows: the accreditation's state machine as data.
ACCREDITATION_ACTIONS: dict[str, frozenset[str]] = {
    AccreditationStatus.PENDING: frozenset(
        {AccreditationAction.SUSPEND, AccreditationAction.WITHDRAW}
    ),
    AccreditationStatus.ACTIVE: frozenset(
        {AccreditationAction.SUSPEND, AccreditationAction.WITHDRAW}
    ),
    AccreditationStatus.SUSPENDED: frozenset(
        {AccreditationAction.LIFT_SUSPENSION, AccreditationAction.WITHDRAW}
    ),
    AccreditationStatus.EXPIRED: frozenset(),
    AccreditationStatus.WITHDRAWN: frozenset(),
}


def check_transition(application: Any, to: str) -> None:
    """Raise InvalidTransition unless the application may move to a new status (状态流转)."""
    current = application.status
    if to not in APPLICATION_TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(
            gettext("Application {number} is {current} and cannot become {to}.").format(
                number=application.pk,
                current=ApplicationStatus(current).label,
                to=ApplicationStatus(to).label,
            ),
            field="status",
        )


def transition(application: Any, to: str) -> None:
    """Move an application to a new status, or raise InvalidTransition."""
    check_transition(application, to)
    application.status = to


def check_action(accreditation: Any, action: str, status: str) -> None:
    """Raise InvalidTransition unless an accreditation in this status allows the action."""
    if action not in ACCREDITATION_ACTIONS.get(status, frozenset()):
        raise InvalidTransition(
            gettext(
                "Licence {licence} is {status}: it cannot be changed this way ({action})."
            ).format(
                licence=accreditation.licence_number,
                status=AccreditationStatus(status).label,
                action=AccreditationAction(action).label,
            ),
            field="status",
        )
