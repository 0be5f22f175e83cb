"""Row locks for people: the only place select_for_update() appears in this app."""

from __future__ import annotations

from jineng.people.models import Person


def person_for_update(person_id: int) -> None:
    """Lock a person's row until the transaction ends, so their ties change one at a time.

    Taken after any class lock (classes, then the person), so enrolments and withdrawals
    at one institution never deadlock.
    """
    list(Person.objects.select_for_update().filter(pk=person_id).values_list("pk", flat=True))


def people_for_update(person_ids: list[int]) -> None:
    """Lock several people's rows in id order (bulk enrolment), so two files never deadlock."""
    rows = Person.objects.select_for_update().filter(pk__in=person_ids).order_by("pk")
    list(rows.values_list("pk", flat=True))
