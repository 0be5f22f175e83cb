import datetime
import threading

import pytest
from django.db import connection
from django.utils import translation

from conftest import ID_A, ID_B
from jineng.core import pii
from jineng.core.errors import Conflict, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.people.errors import PersonExists
from jineng.people.identity import reveal_personal_data
from jineng.people.models import Affiliation, Person, TargetGroupMembership
from jineng.people.services import (
    PersonInput,
    add_membership,
    register_person,
)


def _input(**overrides):
    data = {
        "id_number": ID_B,
        "name": "李四",
        "region_code": "220581100201",
        "phone": "13900001111",
    }
    data.update(overrides)
    return PersonInput(**data)


def test_register_person_encrypts_derives_and_audits(city, bureau_admin):
    person = register_person(_input(), actor=bureau_admin)
    stored = Person.objects.get(pk=person.pk)
    assert bytes(stored.id_number_encrypted) != ID_B.encode()
    assert ID_B.encode() not in bytes(stored.id_number_encrypted)
    assert stored.id_number == ID_B
    assert stored.id_number_hash == pii.blind_index(ID_B)
    assert stored.birth_date == datetime.date(1985, 6, 15)
    assert stored.sex == "F"
    assert stored.phone == "13900001111"
    assert stored.region.code == "220581100201"
    assert stored.town.code == "220581100"
    assert stored.id_number_masked == "220581**********26"
    assert stored.phone_masked == "139******11"
    event = AuditEvent.objects.get(action="people.person.created")
    assert event.object_id == str(person.pk)
    assert event.person_id == person.pk
    assert event.actor == bureau_admin
    assert "13900001111" not in str(event.data)
    assert Person.objects.with_id_number(ID_B).get() == stored
    assert Person.objects.with_phone("13900001111").get() == stored


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"id_number": ID_B[:-1] + "1"}, "id_number"),
        ({"phone": "12345"}, "phone"),
        ({"region_code": "999999999"}, "region_code"),
        ({"region_code": "220581"}, "region_code"),
        ({"name": ""}, "name"),
        ({"education": "phd"}, "education"),
    ],
)
def test_register_person_rejects_bad_input_and_writes_nothing(city, bureau_admin, overrides, field):
    with pytest.raises(ValidationFailed) as exc:
        register_person(_input(**overrides), actor=bureau_admin)
    assert exc.value.field == field
    assert Person.objects.count() == 0
    assert not AuditEvent.objects.filter(action="people.person.created").exists()


def test_second_registration_of_the_same_id_points_to_the_first(person, bureau_admin):
    with pytest.raises(PersonExists) as exc:
        register_person(_input(id_number=ID_A), actor=bureau_admin)
    assert exc.value.status == 409
    assert exc.value.extra["existing_id"] == person.pk
    assert Person.objects.count() == 1


def test_worker_cannot_register_people(worker):
    with pytest.raises(PermissionDenied):
        register_person(_input(), actor=worker)
    assert Person.objects.count() == 1


def test_staff_registration_ties_the_person_to_their_organisation(city, staff_a, staff_b):
    person = register_person(_input(), actor=staff_a)
    assert Affiliation.objects.get(person=person).organization == staff_a.organization
    assert list(Person.objects.visible_to(staff_a)) == [person]
    assert list(Person.objects.visible_to(staff_b)) == []


def test_membership_with_evidence_and_validity(person, bureau_admin, target_groups):
    start = datetime.date(2026, 1, 1)
    membership = add_membership(
        person,
        target_groups["veteran"],
        source="veterans",
        valid_from=start,
        valid_until=datetime.date(2027, 12, 31),
        evidence="退役证 No. 123",
        actor=bureau_admin,
    )
    assert TargetGroupMembership.objects.current(on=datetime.date(2026, 6, 1)).get() == membership
    assert not TargetGroupMembership.objects.current(on=datetime.date(2028, 1, 1)).exists()
    assert (
        AuditEvent.objects.filter(action="people.membership.created", person_id=person.pk).count()
        == 1
    )
    with pytest.raises(Conflict):
        add_membership(
            person,
            target_groups["veteran"],
            source="veterans",
            valid_from=start,
            actor=bureau_admin,
        )
    with pytest.raises(ValidationFailed):
        add_membership(
            person,
            target_groups["disabled"],
            source="bureau",
            valid_from=start,
            valid_until=datetime.date(2025, 1, 1),
            actor=bureau_admin,
        )


def test_institution_staff_cannot_record_memberships(person, staff_a, target_groups):
    with pytest.raises(PermissionDenied):
        add_membership(
            person,
            target_groups["disabled"],
            source="bureau",
            valid_from=datetime.date(2026, 1, 1),
            actor=staff_a,
        )
    assert not TargetGroupMembership.objects.exists()


def test_reveal_is_audited_and_limited_to_roles_that_need_it(person, reviewer, auditor, worker):
    assert reveal_personal_data(person, actor=reviewer, purpose="claim review") == {
        "id_number": ID_A,
        "phone": "13812345678",
        "age": person.age,
        "age_band": person.age_band,
        "birth_date": datetime.date(1990, 1, 1),
    }
    assert reveal_personal_data(person, actor=worker, purpose="own")["id_number"] == ID_A
    with pytest.raises(PermissionDenied):
        reveal_personal_data(person, actor=auditor, purpose="curious")
    events = AuditEvent.objects.filter(action="people.person.pii_viewed", person_id=person.pk)
    assert [(e.actor, e.data) for e in events.order_by("id")] == [
        (reviewer, {"purpose": "claim review"}),
        (worker, {"purpose": "own"}),
    ]


@pytest.mark.parametrize(
    ("purpose", "message"),
    [
        ("", "State why you need the full ID and phone numbers."),
        ("   \t", "State why you need the full ID and phone numbers."),
        ("x" * 201, "A purpose has at most 200 characters."),
    ],
)
def test_reveal_needs_a_stated_purpose(person, reviewer, purpose, message):
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        reveal_personal_data(person, actor=reviewer, purpose=purpose)
    assert (str(caught.value.detail), caught.value.field) == (message, "purpose")
    assert not AuditEvent.objects.filter(action="people.person.pii_viewed").exists()


def test_reveal_keeps_the_stated_purpose_trimmed(person, reviewer):
    reveal_personal_data(person, actor=reviewer, purpose="  " + "x" * 200 + " ")
    event = AuditEvent.objects.get(action="people.person.pii_viewed")
    assert event.data == {"purpose": "x" * 200}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_registrations_of_one_id_create_one_person(city, bureau_admin):
    outcomes: list[str] = []
    barrier = threading.Barrier(8)

    def attempt() -> None:
        try:
            barrier.wait()
            register_person(_input(), actor=bureau_admin)
            outcomes.append("created")
        except PersonExists:
            outcomes.append("conflict")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["conflict"] * 7 + ["created"]
    assert Person.objects.count() == 1
    assert AuditEvent.objects.filter(action="people.person.created").count() == 1
