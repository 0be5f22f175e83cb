"""Who holds a citizen ID or phone number: ID-card checks, lookups and reveals (核验与查看).

Each of these confirms a number, so each is audited, and each is limited per account from the
audit trail (core.throttle): a card that matches nobody uses up one of the account's misses,
and lookups and reveals share an allowance. See docs/adr/0003-personal-data.md.
"""

from __future__ import annotations

import datetime
import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, TypedDict

from django.conf import settings
from django.db import transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import audit, throttle
from jineng.core.errors import PermissionDenied, RateLimited, ValidationFailed
from jineng.core.validators import normalize_mobile, parse_citizen_id
from jineng.people.access import find_person_by_identity
from jineng.people.models import Person

# Audit action of an ID-card check that matched nobody; limited per account.
IDENTITY_MISSED = "people.person.identity_missed"


class NotChecked(enum.Enum):
    """An ID-card pair left unchecked because the account used up its allowance of misses."""

    LIMITED = "limited"


NOT_CHECKED = NotChecked.LIMITED


def _miss_limits() -> list[tuple[int, int]]:
    return [
        (3600, settings.JINENG_IDENTITY_MISSES_PER_HOUR),
        (86400, settings.JINENG_IDENTITY_MISSES_PER_DAY),
    ]


def identity_misses_refused() -> RateLimited:
    """The refusal of an ID-card check once the account's allowance of misses is used."""
    return RateLimited(
        _(
            "This account gave too many citizen IDs that match no registered person under the "
            "name given. Check the ID cards and try again in an hour."
        ),
        retry_after=3600,
    )


@transaction.atomic(durable=True)
def identify_people(
    cards: Sequence[tuple[str, str]], *, actor: Actor, where: str
) -> list[Person | None | NotChecked]:
    """Find the people whose citizen ID and name both match, as on their ID cards (核验身份).

    Each well-formed pair that matches nobody is audited (``people.person.identity_missed``,
    without the numbers) and uses up one of the account's misses per hour and per day: a
    wrong guess costs, so nobody can walk the register by trying the numbers a masked ID
    leaves open, nor the names that go with a number. Once the allowance is used, the pairs
    left are not checked at all (NOT_CHECKED), so no answer tells a guess from a match.
    """
    left = throttle.remaining(actor, (IDENTITY_MISSED,), _miss_limits())
    results: list[Person | None | NotChecked] = []
    for id_number, name in cards:
        if left <= 0:
            results.append(NOT_CHECKED)
            continue
        person = find_person_by_identity(id_number, name)
        if person is None and _well_formed(id_number):
            audit.record(actor, IDENTITY_MISSED, object_type="people.person", data={"where": where})
            left -= 1
        results.append(person)
    return results


def record_identity_misses(actor: Actor | None, count: int, *, where: str) -> int:
    """Record up to ``count`` ID cards that matched nobody, inside the caller's transaction.

    Returns how many misses the account had left before them: when that is less than
    ``count`` the caller must refuse without saying which card matched what.
    """
    if count <= 0:
        return 0
    left = throttle.remaining(actor, (IDENTITY_MISSED,), _miss_limits())
    for _number in range(max(0, min(count, left))):
        audit.record(actor, IDENTITY_MISSED, object_type="people.person", data={"where": where})
    return left


def identify_person(id_number: str, name: str, *, actor: Actor, where: str) -> Person | None:
    """Check one ID card (identify_people); RateLimited once the misses are used up."""
    found = identify_people([(id_number, name)], actor=actor, where=where)[0]
    if found is NOT_CHECKED:
        raise identity_misses_refused()
    return found


def _well_formed(id_number: str) -> bool:
    try:
        parse_citizen_id(id_number)
    except ValidationFailed:
        return False
    return True


# The longest purpose a reveal may state (kept whole in its audit event).
REVEAL_PURPOSE_MAX_LENGTH = 200


def can_see_full_pii(user: Any, person: Person) -> bool:
    """Tell whether the user may see this person's full ID and phone (the person always may)."""
    return user.can(Capability.VIEW_FULL_PII) or getattr(user, "person_id", None) == person.pk


# Audit actions that disclose who holds a full ID or phone number, here or in the apps that
# show personal data in full (an alert's evidence, an objector's contact): one allowance per
# account, whichever of them it uses (check_disclosure_rate).
IDENTITY_DISCLOSURES = (
    "people.person.pii_viewed",
    "people.person.looked_up",
    "fraud.alert.viewed",
    "subsidies.objection.contact_viewed",
)


def clean_purpose(purpose: str) -> str:
    """Return the stated reason for seeing an identity, or refuse an empty or long one."""
    purpose = " ".join((purpose or "").split())
    if not purpose:
        raise ValidationFailed(
            _("State why you need the full ID and phone numbers."), field="purpose"
        )
    if len(purpose) > REVEAL_PURPOSE_MAX_LENGTH:
        raise ValidationFailed(
            _("A purpose has at most {limit} characters.").format(limit=REVEAL_PURPOSE_MAX_LENGTH),
            field="purpose",
        )
    return purpose


def check_disclosure_rate(actor: Actor) -> None:
    """Refuse a disclosure of personal data past the account's hourly and daily allowance.

    Call it inside the transaction, after recording the disclosure's own audit event (one of
    IDENTITY_DISCLOSURES): RateLimited then rolls the event back with the refusal.
    """
    _check_identity_rate(actor)


def _check_identity_rate(actor: Actor) -> None:
    """Refuse the account's lookup or reveal past the hourly and daily limits (settings)."""
    throttle.check_rate(
        actor,
        IDENTITY_DISCLOSURES,
        [
            (3600, settings.JINENG_IDENTITY_LOOKUPS_PER_HOUR),
            (86400, settings.JINENG_IDENTITY_LOOKUPS_PER_DAY),
        ],
        message=_(
            "This account has looked up or revealed {count} people's numbers in the last "
            "{minutes} minutes, the most allowed. Try again later."
        ),
    )


@dataclass(frozen=True)
class Lookup:
    """What to look a person up by: exactly one of a full citizen ID or mobile number."""

    id_number: str = ""
    phone: str = ""

    def clean(self) -> Lookup:
        """Validate the number given, or say what is missing or malformed."""
        if bool(self.id_number.strip()) == bool(self.phone.strip()):
            raise ValidationFailed(
                _("Give either the citizen ID or the mobile number."), field="id_number"
            )
        if self.id_number.strip():
            return Lookup(id_number=parse_citizen_id(self.id_number).number)
        return Lookup(phone=normalize_mobile(self.phone))


@transaction.atomic(durable=True)
def look_up_people(lookup: Lookup, *, actor: Actor, purpose: str) -> list[Person]:
    """Find the people in the actor's scope who hold a full ID or phone number (查找), audited.

    Confirming that a number belongs to someone reveals it, so a lookup is treated like a
    reveal: a stated purpose, an audit event (without the number) and a per-account limit.
    Someone outside the scope is not found, exactly as if nobody held the number.
    """
    if not actor.can(Capability.VIEW_PEOPLE):
        raise PermissionDenied(_("Your role may not look people up."))
    purpose = clean_purpose(purpose)
    lookup = lookup.clean()
    people = Person.objects.visible_to(actor)
    if lookup.id_number:
        people = people.with_id_number(lookup.id_number)
    else:
        people = people.with_phone(lookup.phone)
    found = list(people.order_by("pk")[:10])
    audit.record(
        actor,
        "people.person.looked_up",
        object_type="people.person",
        object_id=",".join(str(p.pk) for p in found),
        person_id=found[0].pk if len(found) == 1 else None,
        data={
            "purpose": purpose,
            "by": "id_number" if lookup.id_number else "phone",
            "found": len(found),
        },
    )
    _check_identity_rate(actor)
    return found


class PersonalData(TypedDict):
    """A person's full numbers and what follows from them, as a reveal returns them."""

    id_number: str
    phone: str
    age: int
    age_band: str
    birth_date: datetime.date


@transaction.atomic(durable=True)
def reveal_personal_data(person: Person, *, actor: Actor, purpose: str) -> PersonalData:
    """Return full ID and phone to a role that needs them, writing an audit event (查看明文).

    The actor states why (the purpose, kept in the audit event): a reveal without a reason
    cannot be reviewed afterwards.
    """
    if not can_see_full_pii(actor, person):
        raise PermissionDenied(_("Your role may not see full ID and phone numbers."))
    purpose = clean_purpose(purpose)
    audit.record(
        actor,
        "people.person.pii_viewed",
        person,
        person_id=person.pk,
        data={"purpose": purpose},
    )
    _check_identity_rate(actor)
    return {
        "id_number": person.id_number,
        "phone": person.phone,
        "age": person.age,
        "age_band": person.age_band,
        "birth_date": person.birth_date,
    }
