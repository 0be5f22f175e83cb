"""The access layer's two narrow reads: a worker's own person, and the phone-on-file match."""

from __future__ import annotations

import pytest

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.people.access import own_person, phone_on_file_matches

pytestmark = pytest.mark.django_db


def test_a_worker_gets_their_own_person(worker, person):
    assert own_person(worker) == person


def test_an_account_without_a_person_gets_none(bureau_admin):
    assert own_person(bureau_admin) is None


def test_a_deactivated_account_gets_none(worker):
    worker.is_active = False
    worker.save(update_fields=["is_active"])
    assert own_person(worker) is None


def test_an_organisation_account_does_not_reach_a_person_outside_its_scope(person, school_a):
    staff = make_user("staff_linked", Role.INSTITUTION_STAFF, organization=school_a, person=person)
    assert own_person(staff) is None


def test_the_phone_on_file_matches_only_the_same_number(person):
    assert phone_on_file_matches(person, "13812345678")
    assert not phone_on_file_matches(person, "13912345678")
