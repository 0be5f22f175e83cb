"""The lifelong training record (培训电子档案): a read model gathered from every app."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.utils import timezone

from jineng.accounts.actors import Viewer
from jineng.assessment import queries as assessment_queries
from jineng.attendance import queries as attendance_queries
from jineng.certificates import queries as certificates_queries
from jineng.learning import queries as learning_queries
from jineng.people import queries as people_queries
from jineng.people.models import Affiliation, Person
from jineng.people.queries import GroupDisclosure, GroupFact, RecordEntry, RecordScope
from jineng.records import policy
from jineng.records.models import ShareLink
from jineng.subsidies import queries as subsidies_queries
from jineng.talent import queries as talent_queries
from jineng.training import queries as training_queries

# Each app that knows facts about a person contributes a function here; later capabilities
# (certificates, credits, subsidies, outcomes) add theirs. Each applies the scope it is given
# in its own query, so a fact outside the viewer's scope is never read.
PROVIDERS: tuple[Callable[[Person, RecordScope], list[RecordEntry]], ...] = (
    people_queries.record_entries,
    learning_queries.record_entries,
    training_queries.record_entries,
    attendance_queries.record_entries,
    assessment_queries.record_entries,
    certificates_queries.record_entries,
    talent_queries.record_entries,
    subsidies_queries.record_entries,
)


@dataclass(frozen=True)
class TrainingRecord:
    """Everything a viewer may see of one person over time, entries newest first."""

    person: Person
    scope: RecordScope
    entries: list[RecordEntry]
    groups: list[GroupFact]
    affiliations: list[Affiliation]

    @property
    def shows_group_evidence(self) -> bool:
        """Tell whether the groups come with their source, evidence and history."""
        return self.scope.groups == GroupDisclosure.FULL

    @property
    def hides_groups(self) -> bool:
        """Tell whether target groups are withheld altogether (a share link's choice)."""
        return self.scope.groups == GroupDisclosure.NONE

    @property
    def is_one_organization(self) -> bool:
        """Tell whether only one organisation's facts are shown (its staff's view)."""
        return self.scope.organization_ids is not None

    def as_document(self, *, full_identity: dict[str, Any] | None = None) -> dict[str, Any]:
        """Return the record as a JSON-ready document; identity masked unless given in full."""
        person = self.person
        identity = full_identity or person.masked_identity()
        birth_date = identity["birth_date"]
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
                "age_band": identity["age_band"],
                "sex": person.sex,
                "region": {"code": person.region.code, "name": person.region.name},
                "town": person.town.name if person.town else None,
                "hukou_type": person.hukou_type,
                "education": person.education,
                "employment_status": person.employment_status,
                "target_groups": sorted({g.group.code for g in self.groups if g.is_current}),
            },
            "entries": [entry.as_dict() for entry in self.entries],
        }


def get_record(person: Person, scope: RecordScope) -> TrainingRecord:
    """Gather a person's record within a scope from every provider, newest first.

    Pages and downloads do not call this directly: they use record_for() or shared_record(),
    which take the scope from records.policy.
    """
    entries: list[RecordEntry] = []
    for provider in PROVIDERS:
        entries.extend(provider(person, scope))
    entries.sort(key=lambda e: (e.day, e.kind), reverse=True)
    return TrainingRecord(
        person=person,
        scope=scope,
        entries=entries,
        groups=people_queries.record_groups(person, scope),
        affiliations=people_queries.record_affiliations(person, scope),
    )


def record_for(person: Person, viewer: Viewer | None) -> TrainingRecord:
    """Return the record as a signed-in viewer may see it (see records.policy).

    ``person`` must come from people.access.get_person_for_user(viewer, …): this decides how
    much the viewer sees, not whether they may see the person at all.
    """
    return get_record(person, policy.scope_for(viewer, person))


def shared_record(link: ShareLink) -> TrainingRecord:
    """Return the record as a share link shows it: target groups only if the worker chose."""
    return get_record(link.person, policy.shared_scope(link))
