"""Reads about people for pages, the API and the lifelong record."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from jineng.people.models import Affiliation, Person, TargetGroupMembership


@dataclass(frozen=True)
class RecordEntry:
    """One dated fact in a person's lifelong record (档案条目)."""

    day: datetime.date
    kind: str
    title: str
    details: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "kind": self.kind,
            "title": self.title,
            "details": self.details,
        }


def record_entries(person: Person) -> list[RecordEntry]:
    """Return the identity, target-group and organisation facts of a person's record."""
    entries = [
        RecordEntry(
            day=person.created_at.date(),
            kind="identity.registered",
            title=_("Registered as a worker in {region}").format(region=person.region.name),
            details={"region_code": person.region.code},
        )
    ]
    memberships = TargetGroupMembership.objects.filter(person=person).select_related("group")
    for m in memberships:
        entries.append(
            RecordEntry(
                day=m.valid_from,
                kind="target_group.joined",
                title=_("Recognised as {group}").format(group=m.group.name),
                details={
                    "group": m.group.code,
                    "source": m.get_source_display(),
                    "evidence": m.evidence,
                    "valid_until": m.valid_until.isoformat() if m.valid_until else None,
                },
            )
        )
    affiliations = Affiliation.objects.filter(person=person).select_related("organization")
    for a in affiliations:
        entries.append(
            RecordEntry(
                day=a.started_on,
                kind="organization.joined",
                title=_("{kind} at {organization}").format(
                    kind=a.get_kind_display(), organization=a.organization.name
                ),
                details={
                    "organization": a.organization.name,
                    "credit_code": a.organization.credit_code,
                    "ended_on": a.ended_on.isoformat() if a.ended_on else None,
                },
            )
        )
    return entries
