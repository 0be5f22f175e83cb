"""Every write to people: registration, target groups, affiliations, revealing personal data."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import IntegerField, Sum
from django.db.models.fields.json import KeyTextTransform
from django.db.models.functions import Cast
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import audit, locks, pii
from jineng.core.errors import Conflict, PermissionDenied, RateLimited, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.core.validators import CitizenId, normalize_mobile, parse_citizen_id
from jineng.people import locks as people_locks
from jineng.people.choices import (
    AffiliationBasis,
    AffiliationKind,
    Education,
    EmploymentStatus,
    HukouType,
    MembershipSource,
)
from jineng.people.errors import InvalidPerson, PersonExists
from jineng.people.models import Affiliation, Person, TargetGroup, TargetGroupMembership
from jineng.regions.models import Region, RegionLevel


@dataclass(frozen=True)
class PersonInput:
    """The fields a caller supplies to register a person; the rest is derived."""

    id_number: str
    name: str
    region_code: str
    phone: str = ""
    hukou_type: str = HukouType.UNKNOWN
    education: str = Education.UNKNOWN
    employment_status: str = EmploymentStatus.UNKNOWN


# The stored codes of each choice, as sets: checking a value runs once per imported row.
_CHOICE_CODES = {
    kind: frozenset(kind.values)
    for kind in (HukouType, Education, EmploymentStatus, MembershipSource)
}


def _check_choice(value: str, choices: Any, field: str) -> str:
    if value not in _CHOICE_CODES[choices]:
        raise ValidationFailed(
            _("{value} is not one of: {allowed}.").format(
                value=value, allowed=", ".join(choices.values)
            ),
            field=field,
        ) from None
    return value


def clean_name(value: str) -> str:
    """Validate a person's name: 1–50 characters, no digits."""
    name = " ".join((value or "").split())
    if not name:
        raise ValidationFailed(_("The name is required."), field="name")
    if len(name) > 50:
        raise ValidationFailed(_("A name has at most 50 characters."), field="name")
    if any(ch.isdigit() for ch in name):
        raise ValidationFailed(_("A name cannot contain digits."), field="name")
    return name


def resolve_region(code: str, regions: dict[str, Region] | None = None) -> Region:
    """Return the township or village with this code, or explain why it is not usable."""
    code = (code or "").strip()
    if not code:
        raise ValidationFailed(_("The region code is required."), field="region_code")
    region = (
        regions.get(code)
        if regions is not None
        else (Region.objects.select_related("parent").filter(code=code).first())
    )
    if region is None:
        raise ValidationFailed(
            _("Region code {code} is not a known township or village.").format(code=code),
            field="region_code",
        )
    if region.level not in (RegionLevel.TOWN, RegionLevel.VILLAGE):
        raise ValidationFailed(
            _("Region {code} ({name}) is not a township or village.").format(
                code=code, name=region.name
            ),
            field="region_code",
        )
    return region


@dataclass(frozen=True, slots=True)
class CleanPerson:
    """A person's input after validation and normalisation, still in clear."""

    id_number: str
    name: str
    birth_date: datetime.date
    sex: str
    phone: str
    region: Region
    hukou_type: str
    education: str
    employment_status: str


def clean_person(data: PersonInput, regions: dict[str, Region] | None = None) -> CleanPerson:
    """Validate every field of a person's input, raising InvalidPerson that names all bad ones."""
    errors: list[ValidationFailed] = []
    citizen: CitizenId | None = None
    name: str | None = None
    phone: str | None = None
    region: Region | None = None
    try:
        citizen = parse_citizen_id(data.id_number)
    except ValidationFailed as exc:
        errors.append(exc)
    try:
        name = clean_name(data.name)
    except ValidationFailed as exc:
        errors.append(exc)
    try:
        phone = normalize_mobile(data.phone) if data.phone else ""
    except ValidationFailed as exc:
        errors.append(exc)
    try:
        region = resolve_region(data.region_code, regions)
    except ValidationFailed as exc:
        errors.append(exc)
    choices = (
        (data.hukou_type, HukouType, "hukou_type"),
        (data.education, Education, "education"),
        (data.employment_status, EmploymentStatus, "employment_status"),
    )
    for value, kind, field in choices:
        try:
            _check_choice(value, kind, field)
        except ValidationFailed as exc:
            errors.append(exc)
    if errors:
        raise InvalidPerson(errors)
    # Every field validated, so none of these is still None (narrowing for the type checker).
    assert citizen is not None
    assert name is not None
    assert phone is not None
    assert region is not None
    return CleanPerson(
        id_number=citizen.number,
        name=name,
        birth_date=citizen.birth_date,
        sex=citizen.sex,
        phone=phone,
        region=region,
        hukou_type=data.hukou_type,
        education=data.education,
        employment_status=data.employment_status,
    )


def person_fields(clean: CleanPerson, cipher: pii.Cipher | None = None) -> dict[str, Any]:
    """Return a validated person's model field values: encrypted, blind-indexed and derived.

    Bulk callers pass the ``cipher`` they took once (pii.cipher()) before their loop.
    """
    cipher = cipher or pii.cipher()
    phone = clean.phone
    return {
        "name": clean.name,
        "id_number_encrypted": cipher.encrypt(clean.id_number),
        "id_number_hash": cipher.blind_index(clean.id_number),
        "birth_date": clean.birth_date,
        "sex": clean.sex,
        "phone_encrypted": cipher.encrypt(phone) if phone else None,
        "phone_hash": cipher.blind_index(phone) if phone else "",
        "region": clean.region,
        "town": clean.region.town,
        "hukou_type": clean.hukou_type,
        "education": clean.education,
        "employment_status": clean.employment_status,
    }


def build_person(data: PersonInput, regions: dict[str, Region] | None = None) -> Person:
    """Validate input and return an unsaved Person with encrypted and derived fields."""
    return Person(**person_fields(clean_person(data, regions)))


def _existing_conflict(person: Person) -> PersonExists:
    existing = Person.objects.filter(id_number_hash=person.id_number_hash).first()
    return PersonExists(
        _("A person with this citizen ID is already registered (#{pk}).").format(
            pk=existing.pk if existing else "?"
        ),
        field="id_number",
        existing_id=existing.pk if existing else None,
    )


# Audit action charging rows to an organisation's daily allowance of registrations.
REGISTRATIONS_CHARGED = "people.registration.charged"


def registrations_left(actor: Actor) -> int:
    """How many more people the actor's organisation may register or import today.

    Every person an organisation registers or imports is tied to it, and a file of thousands
    of made-up IDs is how an insider would learn which are registered: each organisation has
    a daily allowance (JINENG_REGISTRATIONS_PER_DAY over the last 24 hours), charged for
    every row it sends whatever becomes of the row, counted under the lock of the
    organisation's audit stream (where its staff's events go).
    The bureau registers larger files itself.
    """
    organization_id = getattr(actor, "organization_id", None)
    if not organization_id:
        return 2**31
    locks.audit_chain_for_update(audit.stream_for(actor))
    used = AuditEvent.objects.filter(
        action=REGISTRATIONS_CHARGED,
        created_at__gte=timezone.now() - datetime.timedelta(days=1),
        data__organization_id=organization_id,
    ).aggregate(rows=Sum(Cast(KeyTextTransform("rows", "data"), IntegerField())))["rows"]
    return settings.JINENG_REGISTRATIONS_PER_DAY - (used or 0)


def charge_registrations(actor: Actor | None, rows: int) -> None:
    """Charge ``rows`` to the organisation's allowance inside the caller's transaction.

    Raises RateLimited, charging nothing, when they would pass it; the message depends only
    on the number of rows sent, never on which of them are registered.
    """
    organization_id = actor.organization_id if actor is not None else None
    if actor is None or not organization_id or rows <= 0:
        return
    if registrations_left(actor) < rows:
        raise RateLimited(
            _(
                "Your organisation may register or import {limit} people in 24 hours, and "
                "these {count} would pass that. Try again tomorrow, or ask the bureau to "
                "import the file."
            ).format(limit=settings.JINENG_REGISTRATIONS_PER_DAY, count=rows),
            retry_after=86400,
        )
    audit.record(
        actor,
        REGISTRATIONS_CHARGED,
        object_type="organizations.organization",
        object_id=str(organization_id),
        data={"organization_id": organization_id, "rows": rows},
    )


@transaction.atomic(durable=True)
def charge_import(actor: Actor | None, rows: int) -> None:
    """Charge an import's well-formed rows before any is checked against the register."""
    charge_registrations(actor, rows)


@transaction.atomic(durable=True)
def register_person(data: PersonInput, *, actor: Actor) -> Person:
    """Register a worker (登记劳动者) once per citizen ID, audited."""
    if not actor.can(Capability.CREATE_PEOPLE):
        raise PermissionDenied(_("Your role may not register people."))
    charge_registrations(actor, 1)
    person = build_person(data)
    if Person.objects.filter(id_number_hash=person.id_number_hash).exists():
        raise _existing_conflict(person)
    try:
        with transaction.atomic():
            person.save(force_insert=True)
    except IntegrityError:
        raise _existing_conflict(person) from None
    if actor.organization_id:
        # Staff who register a person tie them to their organisation, or they could not see them.
        Affiliation.objects.create(
            person=person,
            organization_id=actor.organization_id,
            kind="trainee",
            started_on=person.created_at.date(),
        )
    audit.record(
        actor,
        "people.person.created",
        person,
        person_id=person.pk,
        data={"name": person.name, "region": person.region.code, "id_number": "", "phone": ""},
    )
    return person


@transaction.atomic(durable=True)
def tie_registered_person(person: Person, *, actor: Actor) -> Person | None:
    """Tie an already registered person to the registering organisation (已登记人员关联).

    ``person`` comes from identify_person: staff who register someone the register already
    holds get that person into their scope only when the citizen ID and the name both match,
    as on the ID card. Returns None for an actor without an organisation.
    """
    if not actor.can(Capability.CREATE_PEOPLE) or not actor.organization_id:
        return None
    # The person before the audit chain (charge_registrations), the order enrolment takes.
    people_locks.person_for_update(person.pk)
    charge_registrations(actor, 1)
    tie_to_organization(
        person,
        actor.organization_id,
        kind=AffiliationKind.TRAINEE,
        basis=AffiliationBasis.REGISTERED,
        actor=actor,
    )
    return person


@transaction.atomic(durable=True)
def add_membership(
    person: Person,
    group: TargetGroup,
    *,
    source: str,
    valid_from: datetime.date,
    valid_until: datetime.date | None = None,
    evidence: str = "",
    actor: Actor | None,
) -> TargetGroupMembership:
    """Record a target-group membership (重点群体身份) with its evidence and validity.

    Memberships decide eligibility and subsidy amounts, so only the bureau and the systems
    that hold the evidence record them, never the institutions that would profit. An actor
    of None is the platform itself (reference loads, the demo city).
    """
    if actor is not None and not actor.can(Capability.RECORD_MEMBERSHIPS):
        raise PermissionDenied(_("Your role may not record target-group memberships."))
    _check_choice(source, MembershipSource, "source")
    if valid_until and valid_until < valid_from:
        raise ValidationFailed(_("A membership cannot end before it starts."), field="valid_until")
    if TargetGroupMembership.objects.filter(
        person=person, group=group, valid_from=valid_from
    ).exists():
        raise Conflict(_("This membership is already recorded."), field="group")
    membership = TargetGroupMembership.objects.create(
        person=person,
        group=group,
        source=source,
        valid_from=valid_from,
        valid_until=valid_until,
        evidence=evidence,
    )
    audit.record(
        actor,
        "people.membership.created",
        membership,
        person_id=person.pk,
        data={
            "group": group.code,
            "source": source,
            "valid_from": valid_from,
            "valid_until": valid_until,
        },
    )
    return membership


@transaction.atomic(durable=True)
def add_affiliation(
    person: Person,
    organization: Any,
    *,
    kind: str,
    started_on: datetime.date,
    actor: Actor,
    ended_on: datetime.date | None = None,
) -> Affiliation:
    """Tie a person to an organisation (所属机构), audited."""
    affiliation = Affiliation.objects.create(
        person=person,
        organization=organization,
        kind=kind,
        started_on=started_on,
        ended_on=ended_on,
    )
    audit.record(
        actor,
        "people.affiliation.created",
        affiliation,
        person_id=person.pk,
        data={"organization": organization.credit_code, "kind": kind, "started_on": started_on},
    )
    return affiliation


def tie_to_organization(
    person: Person, organization_id: int, *, kind: str, basis: str, actor: Actor
) -> Affiliation | None:
    """Tie a person to an organisation inside the caller's transaction, audited (所属机构).

    Returns None when a tie of this kind is already in force. A tie made and ended earlier
    the same day is taken up again rather than duplicated. The caller holds the person's
    lock (people.locks.person_for_update), taken before any audit event so that the order
    of ADR 0006 (class, person, then the audit stream) holds: enrolment takes it with the
    class, tie_registered_person before charging the registration.
    """
    ties = Affiliation.objects.filter(person=person, organization_id=organization_id, kind=kind)
    if ties.current().exists():
        return None
    today = timezone.localdate()
    affiliation, created = Affiliation.objects.get_or_create(
        person=person,
        organization_id=organization_id,
        kind=kind,
        started_on=today,
        defaults={"basis": basis},
    )
    if not created:
        affiliation.ended_on = None
        affiliation.basis = basis
        affiliation.save(update_fields=["ended_on", "basis", "updated_at"])
    audit.record(
        actor,
        "people.affiliation.created",
        affiliation,
        person_id=person.pk,
        data={"organization_id": organization_id, "kind": kind, "basis": basis},
    )
    return affiliation


def end_ties(person_id: int, organization_id: int, *, basis: str, actor: Actor, reason: str) -> int:
    """End today the person's ties in force with an organisation made on one basis; audited.

    Runs inside the caller's transaction and returns how many ties it ended.
    """
    people_locks.person_for_update(person_id)
    today = timezone.localdate()
    ties = Affiliation.objects.current().filter(
        person_id=person_id, organization_id=organization_id, basis=basis
    )
    ended = 0
    for affiliation in ties:
        affiliation.ended_on = today
        affiliation.save(update_fields=["ended_on", "updated_at"])
        audit.record(
            actor,
            "people.affiliation.ended",
            affiliation,
            person_id=person_id,
            data={"organization_id": organization_id, "basis": basis, "reason": reason},
        )
        ended += 1
    return ended
