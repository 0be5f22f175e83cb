"""Choices and allowed state transitions for programmes, classes and enrolments."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class ClassMode(models.TextChoices):
    """How a class is delivered."""

    OFFLINE = "offline", _("In person (线下)")
    ONLINE = "online", _("Online (线上)")
    BLENDED = "blended", _("Blended (混合)")


class ClassStatus(models.TextChoices):
    """Workflow of a training class: 草稿 → 申报 → 审批通过/退回 → 开班 → 结业 → 归档."""

    DRAFT = "draft", _("Draft (草稿)")
    SUBMITTED = "submitted", _("Submitted for approval (申报)")
    APPROVED = "approved", _("Approved (审批通过)")
    RETURNED = "returned", _("Returned (退回)")
    RUNNING = "running", _("Running (开班)")
    CLOSED = "closed", _("Finished (结业)")
    ARCHIVED = "archived", _("Archived (归档)")


CLASS_TRANSITIONS: dict[str, frozenset[str]] = {
    ClassStatus.DRAFT: frozenset({ClassStatus.SUBMITTED, ClassStatus.APPROVED}),
    ClassStatus.SUBMITTED: frozenset({ClassStatus.APPROVED, ClassStatus.RETURNED}),
    ClassStatus.RETURNED: frozenset({ClassStatus.SUBMITTED}),
    ClassStatus.APPROVED: frozenset({ClassStatus.RUNNING}),
    ClassStatus.RUNNING: frozenset({ClassStatus.CLOSED}),
    ClassStatus.CLOSED: frozenset({ClassStatus.ARCHIVED}),
    ClassStatus.ARCHIVED: frozenset(),
}
# DRAFT → APPROVED directly is allowed only for classes that claim no subsidy (services check).

# States in which workers may enrol.
ENROLLABLE_STATUSES = frozenset({ClassStatus.APPROVED, ClassStatus.RUNNING})
# States of a class that has ended (结业, then 归档): its trainees' results are decided.
FINISHED_STATUSES = frozenset({ClassStatus.CLOSED, ClassStatus.ARCHIVED})


class EnrolmentStatus(models.TextChoices):
    """A person's place in a class."""

    ENROLLED = "enrolled", _("Enrolled")
    WAITLISTED = "waitlisted", _("Waitlisted")
    WITHDRAWN = "withdrawn", _("Withdrawn")
    TRANSFERRED = "transferred", _("Transferred to another class")
    COMPLETED = "completed", _("Completed (结业)")
    NOT_COMPLETED = "not_completed", _("Did not complete")


# Statuses that hold a seat or a waitlist place (at most one per person and class).
ACTIVE_ENROLMENT_STATUSES = (EnrolmentStatus.ENROLLED, EnrolmentStatus.WAITLISTED)
# Statuses of people who kept their seat: enrolled while the class runs, and completed or not
# once it is closed (结业). Withdrawn, transferred and waitlisted people never count.
SEATED_ENROLMENT_STATUSES = (
    EnrolmentStatus.ENROLLED,
    EnrolmentStatus.COMPLETED,
    EnrolmentStatus.NOT_COMPLETED,
)
