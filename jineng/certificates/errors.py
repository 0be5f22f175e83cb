"""Domain errors of certificates: issuing, numbering and status changes, each with a code."""

from __future__ import annotations

from jineng.core.errors import Conflict, DomainError, ValidationFailed


class IssuerNotAccredited(DomainError):
    """The issuer holds no accreditation valid on the issue date for the kind, occupation and
    level of the certificate."""

    code = "issuer_not_accredited"
    status = 409


class AlreadyIssued(Conflict):
    """A certificate was already issued on the same basis (a result, a promotion, a class)."""

    code = "certificate_already_issued"


class InvalidIssueRequest(ValidationFailed):
    """A row of the batch is incomplete or inconsistent (no occupation, a date ahead …)."""

    code = "invalid_issue_request"


class NumberSpaceExhausted(Conflict):
    """Every serial of a number prefix in a year has been used."""

    code = "certificate_numbers_exhausted"


class StatusListFull(Conflict):
    """Every index of the status lists has been allocated."""

    code = "status_list_full"


class CredentialTooLarge(ValidationFailed):
    """A pasted or uploaded credential is larger than verification accepts."""

    code = "credential_too_large"
