"""Domain errors of online learning: the record store's refusals, each with a stable code."""

from __future__ import annotations

from jineng.core.errors import DomainError, ValidationFailed


class Malformed(ValidationFailed):
    """A request to the record store breaks the xAPI 1.0.3 specification."""

    code = "xapi_malformed"


class BadSignature(Malformed):
    """A signed statement's JWS is malformed, does not verify or does not match it."""

    code = "xapi_bad_signature"


class TooLarge(Malformed):
    """A request with attachments is larger than the store takes."""

    code = "too_large"
    status = 413


class PreconditionFailed(DomainError):
    """An If-Match or If-None-Match header does not hold for the document."""

    code = "precondition_failed"
    status = 412
