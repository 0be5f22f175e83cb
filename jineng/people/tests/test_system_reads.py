"""The platform's own reads of people's numbers (people.system_reads): one query for any
number of people, only what the caller's work needs, never an audit event."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from conftest import ID_B
from jineng.core import pii
from jineng.core.models import AuditEvent
from jineng.people import system_reads
from jineng.people.models import Person
from jineng.people.services import PersonInput, register_person

pytestmark = pytest.mark.django_db


@pytest.fixture
def other(person: Person, bureau_admin: Any) -> Person:
    return register_person(
        PersonInput(id_number=ID_B, name="李四", region_code="220581001001"), actor=bureau_admin
    )


def test_phones_of_reads_the_numbers_on_record_in_one_query(
    person: Person, other: Person, django_assert_num_queries: Any
) -> None:
    events = AuditEvent.objects.count()
    with django_assert_num_queries(1):
        phones = system_reads.phones_of([person.pk, other.pk, 999_999])
    assert phones == {person.pk: "13812345678"}
    assert system_reads.phones_of([]) == {}
    assert AuditEvent.objects.count() == events


def test_citizen_id_problems_gives_reasons_never_numbers(
    person: Person, other: Person, django_assert_num_queries: Any
) -> None:
    broken = Person.objects.get(pk=other.pk)
    Person.objects.filter(pk=broken.pk).update(
        id_number_encrypted=pii.encrypt("220581199001011230")
    )
    Person.objects.filter(pk=person.pk).update(birth_date=datetime.date(1991, 1, 1))
    with django_assert_num_queries(1):
        problems = system_reads.citizen_id_problems([person.pk, other.pk])
    assert problems == {
        person.pk: system_reads.ID_NUMBER_MISMATCH,
        other.pk: system_reads.ID_NUMBER_INVALID,
    }
    Person.objects.filter(pk=person.pk).update(birth_date=datetime.date(1990, 1, 1))
    assert system_reads.citizen_id_problems([person.pk]) == {}


def test_phone_keys_are_the_lookup_hashes(person: Person, other: Person) -> None:
    rows = list(system_reads.phone_keys(Person.objects.all()).order_by("who"))
    assert rows == [{"value": pii.blind_index("13812345678"), "who": person.pk}]
    assert "13812345678" not in str(rows)
