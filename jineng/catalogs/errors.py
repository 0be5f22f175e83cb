"""Errors of the catalogs domain, each with a stable code for the API and a translated reason."""

from __future__ import annotations

from jineng.core.errors import Conflict, PermissionDenied, ValidationFailed


class FourEyesRequired(PermissionDenied):
    """The person who prepared a version tried to publish it: a second person must."""

    code = "four_eyes_required"


class BackDated(ValidationFailed):
    """A version would take effect in the past or not after the version it follows."""

    code = "back_dated"


class StaleDraft(Conflict):
    """The draft was based on a version that has since been superseded."""

    code = "stale_draft"


class ReasonsMissing(ValidationFailed):
    """Differences from the previous version lack a change reason, or reasons lack a change."""

    code = "reasons_missing"


class InvalidEntry(ValidationFailed):
    """One or more fields of a catalog entry are invalid; ``errors`` lists each of them."""

    def __init__(self, errors: list[ValidationFailed]) -> None:
        super().__init__(
            errors[0].detail,
            field=errors[0].field,
            errors=[{"field": e.field, "detail": str(e.detail)} for e in errors],
        )
        self.errors = errors
