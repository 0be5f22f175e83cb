"""Domain errors of attendance: codes, check-ins and their review, each with a stable code."""

from __future__ import annotations

from jineng.core.errors import Conflict, DomainError


class InvalidCode(DomainError):
    """A QR code that is forged, expired, from the future or for another session."""

    code = "invalid_code"
    status = 400


class NotEnrolled(DomainError):
    """The person holds no enrolled place in the session's class."""

    code = "not_enrolled"
    status = 403


class AlreadyCheckedIn(Conflict):
    """The trainee has checked in to this session before; nothing new is written."""

    code = "already_checked_in"


class ManualCheckInClosed(DomainError):
    """The session is not open to manual check-ins: it has not begun, or its grace has passed."""

    code = "manual_check_in_closed"
    status = 409


class NotYetEnrolled(DomainError):
    """The trainee's place took its seat after the session ended (or after the check-in time
    given): they were not a trainee of the class when it was held."""

    code = "not_yet_enrolled"
    status = 409


class AlreadyReviewed(Conflict):
    """A reviewer has decided this check-in before; a decision is final."""

    code = "check_in_already_reviewed"
