"""Errors of the catalogs domain, each with a stable code for the API and a translated reason."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext as _

from jineng.core.errors import Conflict, PermissionDenied, ValidationFailed
from jineng.core.tabular import MAX_REPORTED_ERRORS

if TYPE_CHECKING:
    from jineng.catalogs.importers.reader import RowError


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


class DuplicateEntry(Conflict):
    """The version already has an entry with this key."""

    code = "duplicate_entry"


class AppealExists(Conflict):
    """The organisation has already appealed this change."""

    code = "appeal_exists"


class ImportFailed(ValidationFailed):
    """The file has bad rows; ``errors`` lists the first MAX_REPORTED_ERRORS as row, column
    and reason, ``error_count`` says how many there are in all."""

    code = "import_failed"

    def __init__(self, errors: list[RowError]) -> None:
        first = errors[0]
        shown = errors[:MAX_REPORTED_ERRORS]
        super().__init__(
            _("{n} problems in the file; the first: row {row}, {column}: {reason}").format(
                n=len(errors), row=first.row, column=first.column, reason=first.reason
            ),
            field="file",
            errors=[e.as_dict() for e in shown],
            error_count=len(errors),
        )
        self.errors = shown
        self.error_count = len(errors)
