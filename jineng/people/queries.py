"""Reads about people for pages, the API and the lifelong record."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.core.errors import ValidationFailed
from jineng.core.validators import normalize_mobile
from jineng.people.models import Affiliation, Person, PersonQuerySet, TargetGroupMembership

# The filters search_people() understands; pages, exports and the API pass these keys.
SEARCH_KEYS = ("name", "id_number", "phone", "town", "group")


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
            day=timezone.localdate(person.created_at),
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


def search_people(user: Any, params: Mapping[str, Any]) -> PersonQuerySet:
    """Find the people in the user's scope that match every given filter, newest first.

    ``params`` may hold ``name`` (part of the name), ``id_number`` (the full citizen ID,
    matched exactly through its keyed hash), ``phone`` (the full mobile number), ``town``
    (a township code) and ``group`` (a target-group code, current memberships only). Empty
    values are ignored. Each person comes with ``town``, ``region`` and a
    ``current_memberships`` list (with their groups) already loaded, so listing any number
    of them costs a fixed number of queries.
    """
    people = Person.objects.visible_to(user)
    name = _param(params, "name")
    if name:
        people = people.filter(name__contains=name)
    id_number = _param(params, "id_number")
    if id_number:
        people = people.with_id_number(id_number)
    phone = _param(params, "phone")
    if phone:
        try:
            phone = normalize_mobile(phone)
        except ValidationFailed:
            return people.none()
        people = people.with_phone(phone)
    town = _param(params, "town")
    if town:
        people = people.filter(town__code=town)
    group = _param(params, "group")
    if group:
        current = TargetGroupMembership.objects.current().filter(
            person=OuterRef("pk"), group__code=group
        )
        people = people.filter(Exists(current))
    return people.select_related("town", "region").prefetch_related(
        Prefetch(
            "memberships",
            queryset=TargetGroupMembership.objects.current()
            .select_related("group")
            .order_by("group__code"),
            to_attr="current_memberships",
        )
    )


def _param(params: Mapping[str, Any], key: str) -> str:
    value = params.get(key) or ""
    return " ".join(str(value).split())
