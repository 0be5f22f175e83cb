"""Domain errors of people: registration and the checks on their fields, each with a stable code."""

from __future__ import annotations

from jineng.core.errors import Conflict, ValidationFailed


class PersonExists(Conflict):
    """A person with this citizen ID is already registered."""

    code = "person_exists"


class InvalidPerson(ValidationFailed):
    """One or more fields of a person's input are invalid; ``errors`` lists each of them."""

    def __init__(self, errors: list[ValidationFailed]) -> None:
        super().__init__(
            errors[0].detail,
            field=errors[0].field,
            errors=[{"field": e.field, "detail": str(e.detail)} for e in errors],
        )
        self.errors = errors
