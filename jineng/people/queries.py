"""Reads about people for pages, the API and the lifelong record."""

from __future__ import annotations

import datetime
import enum
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Prefetch, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.core.errors import ValidationFailed
from jineng.people.access import group_memberships_for, sees_sensitive_groups
from jineng.people.filters import FILTER_KEYS, PersonFilters
from jineng.people.models import (
    Affiliation,
    MembershipQuerySet,
    Person,
    PersonQuerySet,
    TargetGroup,
    TargetGroupMembership,
)

# The filters search_people() understands; pages, exports and the API pass these keys.
SEARCH_KEYS = FILTER_KEYS


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


class GroupDisclosure(enum.StrEnum):
    """How much of a person's target-group memberships a record shows."""

    # Every membership, past ones too, with its source and evidence.
    FULL = "full"
    # Memberships valid today: the group and until when, never source, evidence or history.
    CURRENT = "current"
    # No target groups at all.
    NONE = "none"


@dataclass(frozen=True)
class RecordScope:
    """What one viewer may see of a person's record (档案可见范围); records.policy builds it.

    ``organization_ids`` keeps only the facts tied to these organisations (enrolments,
    attendance, learning in their classes, affiliations); None keeps every organisation's.
    ``sensitive_groups`` False leaves out the groups flagged ``is_sensitive`` altogether.
    Every record feed takes a scope and applies it in its own query.
    """

    organization_ids: frozenset[int] | None = None
    groups: GroupDisclosure = GroupDisclosure.FULL
    sensitive_groups: bool = True

    def by_organization(self, queryset: QuerySet[Any], path: str) -> QuerySet[Any]:
        """Keep the rows whose organisation, reached through ``path``, the scope covers."""
        if self.organization_ids is None:
            return queryset
        return queryset.filter(**{f"{path}__in": self.organization_ids})


# The whole record: the worker themself and the bureau within its region.
EVERYTHING = RecordScope()


@dataclass(frozen=True)
class GroupFact:
    """One target-group membership as a record shows it; source and evidence only in full."""

    group: TargetGroup
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    is_current: bool
    source: str | None = None
    evidence: str | None = None


def _memberships(person: Person, scope: RecordScope) -> MembershipQuerySet:
    memberships = TargetGroupMembership.objects.filter(person=person).select_related("group")
    if scope.groups == GroupDisclosure.NONE:
        return memberships.none()
    if not scope.sensitive_groups:
        memberships = memberships.filter(group__is_sensitive=False)
    return memberships


def record_groups(person: Person, scope: RecordScope) -> list[GroupFact]:
    """Return the person's target groups as far as the scope discloses them."""
    memberships = _memberships(person, scope)
    if scope.groups == GroupDisclosure.FULL:
        current = set(memberships.current().values_list("pk", flat=True))
        return [
            GroupFact(
                group=m.group,
                valid_from=m.valid_from,
                valid_until=m.valid_until,
                is_current=m.pk in current,
                source=m.get_source_display(),
                evidence=m.evidence,
            )
            for m in memberships.order_by("-valid_from", "group__code")
        ]
    return [
        GroupFact(group=m.group, valid_from=None, valid_until=m.valid_until, is_current=True)
        for m in memberships.current().order_by("group__code")
    ]


def record_affiliations(person: Person, scope: RecordScope) -> list[Affiliation]:
    """Return the person's ties to organisations that the scope covers, newest first."""
    affiliations = scope.by_organization(
        Affiliation.objects.filter(person=person), "organization_id"
    )
    return list(affiliations.select_related("organization").order_by("-started_on"))


def record_entries(person: Person, scope: RecordScope) -> list[RecordEntry]:
    """Return the identity, target-group and organisation facts of a person's record.

    Target-group entries carry evidence, so they appear only when the scope discloses the
    groups in full; other viewers read the groups from record_groups() instead.
    """
    entries = [
        RecordEntry(
            day=timezone.localdate(person.created_at),
            kind="identity.registered",
            title=_("Registered as a worker in {region}").format(region=person.region.name),
            details={"region_code": person.region.code},
        )
    ]
    memberships = _memberships(person, scope)
    if scope.groups != GroupDisclosure.FULL:
        memberships = memberships.none()
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
    for a in record_affiliations(person, scope):
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


def search_people(user: Any, filters: PersonFilters | Mapping[str, Any]) -> PersonQuerySet:
    """Find the people in the user's scope that match every filter (people.filters), newest first.

    ``filters`` is a PersonFilters or request parameters to read one from (ValidationFailed
    names a filter with an unknown code). Each person comes with ``town``, ``region`` and a
    ``current_memberships`` list (with their groups) already loaded, so listing any number
    of them costs a fixed number of queries.
    """
    if not isinstance(filters, PersonFilters):
        filters = PersonFilters.from_params(filters)
    sensitive = TargetGroup.objects.filter(code=filters.target_group, is_sensitive=True)
    if filters.target_group and not sees_sensitive_groups(user) and sensitive.exists():
        raise ValidationFailed(
            _("Your role may not search by this target group."), field="target_group"
        )
    return with_list_details(filters.apply(Person.objects.visible_to(user)), user)


def with_list_details(people: PersonQuerySet, user: Any) -> PersonQuerySet:
    """Load what a list of people shows (town, region, the groups the user may see)."""
    return people.select_related("town", "region").prefetch_related(
        Prefetch(
            "memberships",
            queryset=group_memberships_for(user).select_related("group").order_by("group__code"),
            to_attr="current_memberships",
        )
    )
