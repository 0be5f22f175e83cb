"""Domain errors of accreditation: applications and licences, each with a stable code."""

from __future__ import annotations

from jineng.core.errors import Conflict


class ApplicationPending(Conflict):
    """The organisation already has an undecided application for the same scope."""

    code = "application_pending"


class LicenceNumberTaken(Conflict):
    """Another licence already has this number."""

    code = "licence_number_taken"
