"""The training API: class search, enrolment with its refusals, workflow, scope, query counts."""

from __future__ import annotations

import pytest
from django.utils import translation

from conftest import ID_B
from jineng.api.tests.helpers import api_client
from jineng.core.models import AuditEvent
from jineng.training.models import Enrolment

from .helpers import START, approved_class, draft_class, enrol, member, person, programme


@pytest.fixture
def english(settings):
    """These tests match messages in their English source text."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield


CLASSES = "/api/v1/training/classes"


@pytest.fixture
def open_class(staff_a, bureau_admin, catalog_entry, accredited):
    return approved_class(staff_a, bureau_admin, programme(staff_a), capacity=1)


def test_worker_finds_and_enrols_in_a_class(
    worker, person, bureau_admin, target_groups, open_class
):
    member(bureau_admin, person, target_groups["unemployed"])
    client = api_client(worker)
    found = client.get(CLASSES + "?occupation=电工&subsidised=true").json()
    assert [c["code"] for c in found["items"]] == [open_class.code]
    response = client.post(
        f"{CLASSES}/{open_class.pk}/enrolments", {"person_id": person.pk}, headers={}
    )
    assert response.status_code == 201, response.content
    assert response.json()["status"] == "enrolled"
    twice = client.post(f"{CLASSES}/{open_class.pk}/enrolments", {"person_id": person.pk})
    assert (twice.status_code, twice.json()["code"]) == (409, "already_enrolled")
    mine = client.get("/api/v1/training/enrolments").json()
    assert [e["class_code"] for e in mine["items"]] == [open_class.code]


@pytest.mark.usefixtures("english")
def test_ineligible_worker_gets_the_reasons(worker, person, open_class):
    response = api_client(worker).post(
        f"{CLASSES}/{open_class.pk}/enrolments", {"person_id": person.pk}
    )
    body = response.json()
    assert (response.status_code, body["code"]) == (400, "not_eligible")
    assert body["reasons"] == [
        f"On {START} you are not recognised in any of these groups: 农民工、失业人员."
    ]
    assert not Enrolment.objects.exists()


def test_worker_does_not_see_draft_classes(worker, staff_a, catalog_entry, accredited):
    c = draft_class(staff_a, programme(staff_a))
    assert api_client(worker).get(f"{CLASSES}/{c.pk}").status_code == 404
    assert api_client(worker).get(CLASSES).json()["count"] == 0


@pytest.mark.parametrize(
    ("actor_name", "status"),
    [("staff_a", 200), ("bureau_admin", 200), ("staff_b", 404), ("worker", 404)],
)
def test_draft_class_permission_matrix(
    request, actor_name, status, staff_a, catalog_entry, accredited
):
    c = draft_class(staff_a, programme(staff_a))
    user = request.getfixturevalue(actor_name)
    assert api_client(user).get(f"{CLASSES}/{c.pk}").status_code == status


def test_staff_b_cannot_enrol_into_staff_a_class(staff_b, bureau_admin, open_class):
    p = person(bureau_admin, ID_B)
    client = api_client(staff_b)
    events = AuditEvent.objects.count()
    response = client.post(f"{CLASSES}/{open_class.pk}/enrolments", {"person_id": p.pk})
    assert response.status_code == 404
    assert not Enrolment.objects.exists()
    assert AuditEvent.objects.count() == events


def test_bureau_returns_a_class_through_the_api(staff_a, bureau_admin, catalog_entry, accredited):
    c = draft_class(staff_a, programme(staff_a))
    submitted = api_client(staff_a).post(f"{CLASSES}/{c.pk}/transitions", {"to": "submitted"})
    assert submitted.json()["status"] == "submitted"
    returned = api_client(bureau_admin).post(
        f"{CLASSES}/{c.pk}/transitions", {"to": "returned", "note": "补充师资"}
    )
    assert (returned.status_code, returned.json()["status"]) == (200, "returned")
    again = api_client(bureau_admin).post(f"{CLASSES}/{c.pk}/transitions", {"to": "approved"})
    assert (again.status_code, again.json()["code"]) == (409, "invalid_transition")


def test_class_list_query_count_is_flat(
    bureau_admin, staff_a, catalog_entry, accredited, django_assert_max_num_queries
):
    prog = programme(staff_a)
    for _ in range(5):
        draft_class(staff_a, prog, sessions=[])
    client = api_client(bureau_admin)
    with django_assert_max_num_queries(6):
        response = client.get(CLASSES)
    assert response.json()["count"] == 5


def test_staff_transfers_through_the_api(staff_a, bureau_admin, open_class, target_groups):
    other = approved_class(staff_a, bureau_admin, open_class.programme, capacity=3)
    p = person(bureau_admin, ID_B)
    member(bureau_admin, p, target_groups["unemployed"])

    e = enrol(open_class.pk, p, actor=staff_a)
    response = api_client(staff_a).post(
        f"/api/v1/training/enrolments/{e.pk}/transfer", {"to_class_id": other.pk}
    )
    assert response.status_code == 200, response.content
    assert (response.json()["class_code"], response.json()["status"]) == (other.code, "enrolled")
    assert Enrolment.objects.get(pk=e.pk).status == "transferred"
