"""Reads of people's personal data by the platform itself, for another app's work (系统读取).

Only people decrypts a person's citizen ID and phone number. An app that needs them for work
no account sees (a text message telling a worker of a claim in their name, a fraud rule
checking that a citizen ID holds together) asks here, and gets only what that work needs:
the phone numbers to text, or the reason a number is wrong, never the number itself. These
reads are not disclosures to a person, so they write no audit event; the apps record what
they do with the result (the message sent, the alert raised).

Every function takes the people it concerns by id and reads them in one query; the callers
bound how many (a claim's lines, a check on write of a few people).
"""

from __future__ import annotations

from collections.abc import Collection
from typing import Any

from django.db.models import F, QuerySet

from jineng.core import pii
from jineng.core.errors import ValidationFailed
from jineng.core.validators import parse_citizen_id
from jineng.people.models import Person

# Why a stored citizen ID does not hold together (citizen_id_problems).
ID_NUMBER_INVALID = "number"  # its check digit, birth date or region code is wrong
ID_NUMBER_MISMATCH = "mismatch"  # the birth date or sex recorded differs from the number's

_CHUNK = 500


def phones_of(person_ids: Collection[int]) -> dict[int, str]:
    """The mobile number on record of each person who has one, by person id."""
    if not person_ids:
        return {}
    rows = (
        Person.objects.filter(pk__in=list(person_ids), phone_encrypted__isnull=False)
        .order_by("pk")
        .values_list("pk", "phone_encrypted")
    )
    phones: dict[int, str] = {}
    for pk, sealed in rows.iterator(chunk_size=_CHUNK):
        phone = pii.decrypt(sealed) if sealed is not None else ""
        if phone:
            phones[pk] = phone
    return phones


def citizen_id_problems(person_ids: Collection[int]) -> dict[int, str]:
    """Why the citizen ID stored for each person does not hold together, for those whose
    does not (ID_NUMBER_INVALID or ID_NUMBER_MISMATCH); people whose number is right are left
    out. The numbers are read here and never returned."""
    if not person_ids:
        return {}
    rows = (
        Person.objects.filter(pk__in=list(person_ids))
        .order_by("pk")
        .values_list("pk", "id_number_encrypted", "birth_date", "sex")
    )
    problems: dict[int, str] = {}
    for pk, sealed, birth_date, sex in rows.iterator(chunk_size=_CHUNK):
        try:
            citizen = parse_citizen_id(pii.decrypt(sealed))
        except (ValidationFailed, ValueError):
            problems[pk] = ID_NUMBER_INVALID
            continue
        if citizen.birth_date != birth_date or citizen.sex != sex:
            problems[pk] = ID_NUMBER_MISMATCH
    return problems


def phone_keys(people: QuerySet[Person]) -> QuerySet[Person, Any]:
    """(value, who) rows of the people's phone lookup keys (a keyed hash, never the number),
    for comparing who shares a phone in SQL; people without a phone are left out."""
    return people.exclude(phone_hash="").values(value=F("phone_hash"), who=F("pk"))
