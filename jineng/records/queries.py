"""The lifelong training record (培训电子档案): a read model gathered from every app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from jineng.attendance import queries as attendance_queries
from jineng.learning import queries as learning_queries
from jineng.people import queries as people_queries
from jineng.people.models import Person
from jineng.people.queries import RecordEntry
from jineng.training import queries as training_queries

# Each app that knows facts about a person contributes a function here; later capabilities
# (training, attendance, certificates, credits, subsidies, outcomes) add theirs.
PROVIDERS: tuple[Callable[[Person], list[RecordEntry]], ...] = (
    people_queries.record_entries,
    learning_queries.record_entries,
    training_queries.record_entries,
    attendance_queries.record_entries,
)


@dataclass(frozen=True)
class TrainingRecord:
    """Everything the platform knows about one person over time, newest first."""

    person: Person
    entries: list[RecordEntry]

    def as_document(self, *, full_identity: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the record as a JSON-ready document; identity masked unless given in full."""
        person = self.person
        identity = full_identity or person.masked_identity()
        birth_date = identity["birth_date"]
        current = person.memberships.current().select_related("group")
        return {
            "schema": "jineng.training-record/1",
            "generated_at": timezone.now().isoformat(),
            "person": {
                "id": person.pk,
                "name": person.name,
                "id_number": identity["id_number"],
                "phone": identity["phone"],
                "birth_date": birth_date.isoformat() if birth_date else None,
                "age": identity["age"],
                "sex": person.sex,
                "region": {"code": person.region.code, "name": person.region.name},
                "town": person.town.name if person.town else None,
                "hukou_type": person.hukou_type,
                "education": person.education,
                "employment_status": person.employment_status,
                "target_groups": [m.group.code for m in current],
            },
            "entries": [entry.as_dict() for entry in self.entries],
        }


def get_record(person: Person) -> TrainingRecord:
    """Gather a person's record from every provider, newest first."""
    entries: list[RecordEntry] = []
    for provider in PROVIDERS:
        entries.extend(provider(person))
    entries.sort(key=lambda e: (e.day, e.kind), reverse=True)
    return TrainingRecord(person=person, entries=entries)
