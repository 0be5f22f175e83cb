"""Domain errors of training delivery: classes, sessions and enrolment, each with a stable code."""

from __future__ import annotations

from jineng.core.errors import Conflict, ValidationFailed


class ClassFull(Conflict):
    """The class has no free seat and takes no more waitlisted people."""

    code = "class_full"


class DoubleBooked(Conflict):
    """A session overlaps another session of the same teacher or venue."""

    code = "double_booked"


class NotEligible(ValidationFailed):
    """The person does not meet the class's conditions; ``reasons`` lists every unmet one."""

    code = "not_eligible"


class ApprovalRefused(ValidationFailed):
    """The class cannot be approved; ``reasons`` lists every failed check."""

    code = "approval_refused"


class AlreadyEnrolled(Conflict):
    """The person already holds a seat or a waitlist place in the class."""

    code = "already_enrolled"


class OverlappingEnrolment(Conflict):
    """The person holds a place in another class whose sessions overlap this class's."""

    code = "overlapping_enrolment"


class SameProgrammeEnrolled(Conflict):
    """The person already holds a place in another class of the same programme."""

    code = "same_programme_enrolled"


class NotAccredited(ValidationFailed):
    """The institution is not accredited for the class's occupation and level on its dates."""

    code = "not_accredited"
