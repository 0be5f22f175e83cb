"""Data scope for people: the only place that decides who sees which person."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Exists, OuterRef
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor, Viewer
from jineng.accounts.roles import CITY_WIDE_ROLES, ORGANIZATION_ROLES, Capability, Role
from jineng.core import scope
from jineng.core.errors import NotFound, ValidationFailed
from jineng.core.validators import parse_citizen_id
from jineng.people.models import Affiliation, Person, PersonQuerySet, TargetGroupMembership


def scope_people(queryset: PersonQuerySet, user: Viewer) -> PersonQuerySet:
    """Restrict people to the user's scope: region subtree, own organisation or own record."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    role = user.role
    if role in CITY_WIDE_ROLES:
        if user.region is not None:
            return queryset.filter(region__code__startswith=user.region.code)
        return queryset
    if role in ORGANIZATION_ROLES and user.organization_id:
        # Only a tie in force counts: one that ended (an enrolment withdrawn before its class
        # started, an employment that ended) no longer lets the organisation see the person.
        tied = Affiliation.objects.current().filter(
            person=OuterRef("pk"), organization_id=user.organization_id
        )
        return queryset.filter(Exists(tied))
    if role == Role.WORKER and user.person_id:
        return queryset.filter(pk=user.person_id)
    return queryset.none()


def get_person_for_user(user: Actor, pk: int, *, action: str = Capability.VIEW_PEOPLE) -> Person:
    """Return a person the user may act on, or NotFound for missing and out-of-scope alike."""
    is_self = getattr(user, "person_id", None) == pk and getattr(user, "is_authenticated", False)
    if not is_self and not user.can(action):
        raise NotFound(_("No such person."))
    person = Person.objects.visible_to(user).select_related("region", "town").filter(pk=pk).first()
    if person is None:
        raise NotFound(_("No such person."))
    return person


def find_person_by_identity(id_number: str, name: str) -> Person | None:
    """Return the person whose citizen ID and name both match, or None (also for a bad ID).

    This is the one read of a person outside the reader's scope. Both values are printed on
    the ID card that a person shows when they come to enrol, and neither alone finds anyone:
    a wrong name answers exactly like an unknown ID, so the register cannot be walked with it.
    """
    cleaned = " ".join((name or "").split())
    if not cleaned:
        return None
    try:
        number = parse_citizen_id(id_number).number
    except ValidationFailed:
        return None
    person = Person.objects.with_id_number(number).select_related("region").first()
    if person is None or person.name != cleaned:
        return None
    return person


def phone_on_file_matches(person: Person, phone: str) -> bool:
    """Tell whether the register's phone for a person is this number (by its keyed hash).

    Self-registration links an account to a register entry found by find_person_by_identity
    only when the phone just proven by a code is the one on file; the number is never read.
    """
    return Person.objects.filter(pk=person.pk).with_phone(phone).exists()


def own_person(user: Viewer) -> Person | None:
    """Return the person of a signed-in worker's own account, or None when it has none."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return None
    return Person.objects.visible_to(user).filter(pk=person_id).first()


def is_visible_to(user: Viewer, person: Person) -> bool:
    """Tell whether the person is in the user's scope (their own record counts)."""
    return Person.objects.visible_to(user).filter(pk=person.pk).exists()


def sees_sensitive_groups(user: Viewer) -> bool:
    """Tell whether lists and exports show the user target groups flagged sensitive.

    Only the bureau's city-wide roles do (the person sees their own record in full through
    records.policy); an organisation sees the non-sensitive groups its eligibility checks need.
    """
    return bool(
        getattr(user, "is_authenticated", False) and user.is_active and user.role in CITY_WIDE_ROLES
    )


def group_memberships_for(user: Viewer) -> Any:
    """Current target-group memberships the user may see on lists (sensitive: bureau only)."""
    current = TargetGroupMembership.objects.current()
    if not sees_sensitive_groups(user):
        current = current.filter(group__is_sensitive=False)
    return current


def registered_person_ids(person_ids: Iterable[int]) -> set[int]:
    """Return those of the ids that belong to registered people (for the platform's own links).

    Learning platforms name workers by the ids the register gave them; linking their
    statements needs only to know which ids exist, never anything about the people.
    """
    ids = set(person_ids)
    if not ids:
        return set()
    return set(Person.objects.filter(pk__in=ids).values_list("pk", flat=True))


def _people_in_scope(queryset: PersonQuerySet, user: Viewer, action: str) -> PersonQuerySet:
    """The people rule of the data scope (Affiliation ties), in the registry's signature."""
    return scope_people(queryset, user)


# Data scope (jineng/core/scope.py, ADR 0005): people keep their own rule (an organisation
# sees the people tied to it by an Affiliation); it is registered so the registry lists them.
scope.register(
    Person,
    rule=_people_in_scope,
    region="region",
    person="pk",
    url_params=(
        "person_id",
        "people:detail/pk",
        "people:reveal/pk",
        "people:membership_add/pk",
        "records:person_json/pk",
        "records:person_pdf/pk",
    ),
    notes="organisation staff: people with a current Affiliation to their organisation",
)
