"""Write an institution's venues (培训场地) and teachers (师资).

A venue's seats may not shrink below a planned class that books it; venues and teachers
are changed under the same row locks as the sessions that book them.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import audit
from jineng.core.errors import ValidationFailed
from jineng.core.scope import CHANGE
from jineng.regions.models import Region
from jineng.training import access, locks
from jineng.training.choices import ClassStatus
from jineng.training.models import Teacher, TrainingClass, Venue
from jineng.training.services.common import (
    organization_of,
    require,
)

# Classes still to be held: a venue they book must keep seats for all their places.
PLANNED_STATUSES = (
    ClassStatus.DRAFT,
    ClassStatus.SUBMITTED,
    ClassStatus.RETURNED,
    ClassStatus.APPROVED,
    ClassStatus.RUNNING,
)


def _venue_fields(
    name: str,
    address: str,
    capacity: int,
    region_code: str,
    latitude: Decimal | None,
    longitude: Decimal | None,
) -> dict[str, Any]:
    """Check a venue's fields; return them cleaned, ready for the model."""
    from jineng.people.services import resolve_region

    if not (name or "").strip():
        raise ValidationFailed(_("Give the venue a name."), field="name")
    if capacity is None or capacity < 1:
        raise ValidationFailed(_("The registered capacity must be at least 1."), field="capacity")
    if (latitude is None) != (longitude is None):
        raise ValidationFailed(
            _("Give both latitude and longitude, or neither."),
            field="latitude" if latitude is None else "longitude",
        )
    if latitude is not None and not -90 <= latitude <= 90:
        raise ValidationFailed(_("Latitude must be between -90 and 90."), field="latitude")
    if longitude is not None and not -180 <= longitude <= 180:
        raise ValidationFailed(_("Longitude must be between -180 and 180."), field="longitude")
    region = None
    if (region_code or "").strip():
        try:
            region = resolve_region(region_code)
        except ValidationFailed as error:
            raise ValidationFailed(error.detail, field="region_code") from None
    return {
        "name": name.strip()[:200],
        "address": (address or "").strip()[:300],
        "capacity": capacity,
        "region": region,
        "latitude": latitude,
        "longitude": longitude,
    }


@transaction.atomic(durable=True)
def create_venue(
    name: str,
    address: str,
    capacity: int,
    *,
    actor: Actor,
    region_code: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Venue:
    """Register a training venue of the actor's institution (培训场地)."""
    require(actor, Capability.MANAGE_CLASSES)
    fields = _venue_fields(name, address, capacity, region_code, latitude, longitude)
    venue = Venue.objects.create(organization_id=organization_of(actor), **fields)
    audit.record(actor, "training.venue.created", venue, data={"name": venue.name})
    return venue


def _shown(value: Any) -> Any:
    """A field's value as the audit row keeps it: a region by code, a decimal as text."""
    if isinstance(value, Region):
        return value.code
    if isinstance(value, Decimal):
        return str(value)
    return value


def _venue_for_update(venue_id: int, actor: Actor) -> Venue:
    """Lock a venue the actor may change (NotFound alike for anyone else's) and re-read it."""
    venue = access.get_venue_for_user(actor, venue_id, action=CHANGE)
    locks.venues_and_teachers_for_update([venue.pk], [])
    venue.refresh_from_db()
    return venue


def _teacher_for_update(teacher_id: int, actor: Actor) -> Teacher:
    """Lock a teacher the actor may change (NotFound alike for anyone else's) and re-read it."""
    teacher = access.get_teacher_for_user(actor, teacher_id, action=CHANGE)
    locks.venues_and_teachers_for_update([], [teacher.pk])
    teacher.refresh_from_db()
    return teacher


def _check_classes_fit(venue: Venue, capacity: int) -> None:
    """Refuse a registered capacity below the places of a class still to be held there.

    Runs under the venue's lock: a class booking the venue takes the same lock (class, then
    venues), so the two never pass each other.
    """
    largest = (
        TrainingClass.objects.filter(sessions__venue=venue, status__in=PLANNED_STATUSES)
        .distinct()
        .order_by("-capacity", "code")
        .first()
    )
    if largest is not None and largest.capacity > capacity:
        raise ValidationFailed(
            _(
                "Class {code} has {places} places and holds sessions in this venue: the "
                "registered capacity cannot go below {places} until that class is finished "
                "or has fewer places."
            ).format(code=largest.code, places=largest.capacity),
            field="capacity",
        )


@transaction.atomic(durable=True)
def update_venue(
    venue_id: int,
    name: str,
    address: str,
    capacity: int,
    *,
    actor: Actor,
    region_code: str = "",
    latitude: Decimal | None = None,
    longitude: Decimal | None = None,
) -> Venue:
    """Correct a venue of the actor's institution; audit the fields that changed."""
    require(actor, Capability.MANAGE_CLASSES)
    venue = _venue_for_update(venue_id, actor)
    fields = _venue_fields(name, address, capacity, region_code, latitude, longitude)
    _check_classes_fit(venue, fields["capacity"])
    changed = {}
    for key, value in fields.items():
        before = getattr(venue, key)
        if before != value:
            changed[key] = [_shown(before), _shown(value)]
            setattr(venue, key, value)
    if changed:
        venue.save()
        audit.record(actor, "training.venue.updated", venue, data={"changed": changed})
    return venue


def _teacher_fields(name: str, qualification: str) -> dict[str, Any]:
    if not (name or "").strip():
        raise ValidationFailed(_("Give the teacher a name."), field="name")
    return {"name": name.strip()[:50], "qualification": (qualification or "").strip()[:200]}


@transaction.atomic(durable=True)
def create_teacher(name: str, *, actor: Actor, qualification: str = "") -> Teacher:
    """Register a teacher of the actor's institution (师资)."""
    require(actor, Capability.MANAGE_CLASSES)
    teacher = Teacher.objects.create(
        organization_id=organization_of(actor), **_teacher_fields(name, qualification)
    )
    audit.record(actor, "training.teacher.created", teacher, data={"name": teacher.name})
    return teacher


@transaction.atomic(durable=True)
def update_teacher(teacher_id: int, name: str, *, actor: Actor, qualification: str = "") -> Teacher:
    """Correct a teacher of the actor's institution; audit the fields that changed."""
    require(actor, Capability.MANAGE_CLASSES)
    teacher = _teacher_for_update(teacher_id, actor)
    changed = {}
    for key, value in _teacher_fields(name, qualification).items():
        if getattr(teacher, key) != value:
            changed[key] = [getattr(teacher, key), value]
            setattr(teacher, key, value)
    if changed:
        teacher.save()
        audit.record(actor, "training.teacher.updated", teacher, data={"changed": changed})
    return teacher
