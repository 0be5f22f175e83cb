"""REST API for people: register, find, look up, reveal, memberships (happy paths and bad input)."""

import datetime

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.utils import translation

from conftest import ID_A, ID_B
from jineng.api.tests.helpers import ID_C, api_client, register_for_school
from jineng.core.errors import ValidationFailed
from jineng.core.models import AuditEvent
from jineng.core.validators import normalize_mobile, parse_citizen_id
from jineng.people.models import Affiliation, Person, TargetGroupMembership
from jineng.people.services import add_membership, resolve_region

EN = {"Accept-Language": "en"}


def _body(**overrides):
    body = {
        "id_number": ID_C,
        "name": "王五",
        "phone": "13900001111",
        "region_code": "220581001001",
        "education": "senior_secondary",
    }
    body.update(overrides)
    return body


def _expected_person(person, **overrides):
    data = {
        "id": person.pk,
        "url": f"/api/v1/people/{person.pk}",
        "name": person.name,
        "id_number": person.id_number_masked,
        "phone": person.phone_masked,
        "birth_date": None,
        "age_band": person.age_band,
        "sex": person.sex,
        "region": {"code": person.region.code, "name": person.region.name},
        "town": {"code": person.town.code, "name": person.town.name} if person.town else None,
        "hukou_type": person.hukou_type,
        "education": person.education,
        "employment_status": person.employment_status,
        "target_groups": [],
        "created_at": DjangoJSONEncoder().default(person.created_at),
    }
    data.update(overrides)
    return data


def test_create_person_derives_masks_and_audits(city, bureau_admin):
    response = api_client(bureau_admin).post("/api/v1/people", _body())
    assert response.status_code == 201
    person = Person.objects.get()
    assert response["Location"] == f"/api/v1/people/{person.pk}"
    assert response.json() == _expected_person(person)
    assert response.json()["id_number"] == "220581**********20"
    assert response.json()["phone"] == "139******11"
    assert response.json()["town"] == {"code": "220581001", "name": "新华街道"}
    assert (person.id_number, person.phone, person.name) == (ID_C, "13900001111", "王五")
    assert (person.birth_date, person.sex) == (datetime.date(1995, 3, 8), "F")
    assert (person.region.code, person.town.code) == ("220581001001", "220581001")
    assert person.education == "senior_secondary"
    assert not Affiliation.objects.exists()
    event = AuditEvent.objects.get(action="people.person.created")
    assert (event.actor_id, event.person_id, event.object_id) == (
        bureau_admin.pk,
        person.pk,
        str(person.pk),
    )
    assert event.request_id == response["X-Request-ID"]


def test_create_person_by_staff_ties_them_to_the_school(city, staff_a, school_a):
    client = api_client(staff_a)
    response = client.post("/api/v1/people", _body())
    assert response.status_code == 201
    person = Person.objects.get()
    affiliation = Affiliation.objects.get()
    assert (affiliation.person, affiliation.organization) == (person, school_a)
    assert client.get(f"/api/v1/people/{person.pk}").status_code == 200


def _reason(check, value):
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        check(value)
    return str(caught.value.detail)


@pytest.mark.parametrize(
    ("overrides", "field", "check", "value"),
    [
        ({"id_number": "220581199503080021"}, "id_number", parse_citizen_id, None),
        ({"id_number": "220581194902310011"}, "id_number", parse_citizen_id, None),
        ({"id_number": "220581209901010016"}, "id_number", parse_citizen_id, None),
        ({"id_number": "22058119950308002"}, "id_number", parse_citizen_id, None),
        ({"phone": "12345678901"}, "phone", normalize_mobile, None),
        ({"region_code": "220581999999"}, "region_code", resolve_region, None),
        ({"region_code": "220581"}, "region_code", resolve_region, None),
    ],
    ids=[
        "bad-checksum",
        "19490231",
        "future-birth-date",
        "17-characters",
        "bad-phone",
        "unknown-region",
        "county-level-region",
    ],
)
def test_create_person_rejects_bad_input_and_writes_nothing(
    city, bureau_admin, overrides, field, check, value
):
    body = _body(**overrides)
    response = api_client(bureau_admin).post("/api/v1/people", body, headers=EN)
    assert response.status_code == 400
    payload = response.json()
    assert (payload["code"], payload["field"]) == ("invalid", field)
    assert payload["detail"] == _reason(check, body[field])
    assert payload["errors"] == [{"field": field, "detail": payload["detail"]}]
    assert not Person.objects.exists()
    assert not AuditEvent.objects.filter(action="people.person.created").exists()


def test_create_person_names_every_bad_field(city, bureau_admin):
    body = _body(id_number="220581199503080021", phone="123", region_code="220581")
    response = api_client(bureau_admin).post("/api/v1/people", body)
    assert response.status_code == 400
    assert [e["field"] for e in response.json()["errors"]] == ["id_number", "phone", "region_code"]
    assert not Person.objects.exists()


def test_create_person_rejects_unknown_choice_by_field(city, bureau_admin):
    response = api_client(bureau_admin).post("/api/v1/people", _body(education="phd"))
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid", "education")
    assert not Person.objects.exists()


def test_duplicate_id_points_to_the_visible_record(person, bureau_admin):
    client = api_client(bureau_admin)
    events = AuditEvent.objects.count()
    response = client.post("/api/v1/people", _body(id_number=ID_A))
    assert response.status_code == 409
    payload = response.json()
    assert payload["code"] == "person_exists"
    assert payload["field"] == "id_number"
    assert payload["existing_id"] == person.pk
    assert payload["existing_url"] == f"/api/v1/people/{person.pk}"
    assert response["Location"] == payload["existing_url"]
    assert Person.objects.count() == 1
    assert AuditEvent.objects.count() == events


def test_duplicate_id_outside_scope_is_only_a_conflict(person, staff_a):
    response = api_client(staff_a).post("/api/v1/people", _body(id_number=ID_A))
    assert response.status_code == 409
    payload = response.json()
    assert set(payload) == {"code", "detail", "field"}
    assert (payload["code"], payload["field"]) == ("person_exists", "id_number")
    assert str(person.pk) not in payload["detail"]
    assert "Location" not in response
    assert Person.objects.count() == 1
    assert not Affiliation.objects.exists()


def test_registering_a_registered_person_with_the_card_name_ties_them(person, staff_a, school_a):
    client = api_client(staff_a)
    assert client.get(f"/api/v1/people/{person.pk}").status_code == 404
    response = client.post("/api/v1/people", _body(id_number=ID_A, name="张三"))
    assert response.status_code == 200
    assert response.json()["id"] == person.pk
    assert response["Location"] == f"/api/v1/people/{person.pk}"
    tie = Affiliation.objects.get(person=person)
    assert (tie.organization, tie.basis) == (school_a, "registered")
    assert AuditEvent.objects.filter(
        action="people.affiliation.created", person_id=person.pk
    ).exists()
    assert client.get(f"/api/v1/people/{person.pk}").status_code == 200
    assert Person.objects.count() == 1


def test_get_person_returns_masked_person(person, bureau_admin):
    response = api_client(bureau_admin).get(f"/api/v1/people/{person.pk}")
    assert response.status_code == 200
    assert response.json() == _expected_person(person)
    assert ID_A not in response.content.decode()


def test_get_missing_person_is_404(city, bureau_admin):
    response = api_client(bureau_admin).get("/api/v1/people/999999")
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


@pytest.fixture
def three_people(person, staff_a, target_groups, bureau_admin, today):
    other = register_for_school(staff_a)
    third = register_for_school(staff_a, id_number=ID_C, name="王五")
    add_membership(
        third,
        target_groups["migrant_worker"],
        source="bureau",
        valid_from=today - datetime.timedelta(days=1),
        actor=bureau_admin,
    )
    return person, other, third


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"name": "王"}, [2]),
        ({"region_code": "220581001"}, [0]),
        ({"region_code": "220581"}, [2, 1, 0]),
        ({"target_group": "migrant_worker"}, [2]),
        ({"name": "李", "region_code": "220581100"}, [1]),
        ({}, [2, 1, 0]),
    ],
)
def test_list_people_filters(three_people, bureau_admin, params, expected):
    response = api_client(bureau_admin).get("/api/v1/people", **params)
    assert response.status_code == 200
    payload = response.json()
    assert payload["count"] == len(expected)
    assert [item["id"] for item in payload["items"]] == [three_people[i].pk for i in expected]


def test_list_people_shows_current_target_groups(three_people, bureau_admin):
    payload = api_client(bureau_admin).get("/api/v1/people", target_group="migrant_worker").json()
    assert payload["items"][0]["target_groups"] == ["migrant_worker"]


def test_list_people_paginates_with_total_count(three_people, bureau_admin):
    payload = api_client(bureau_admin).get("/api/v1/people", limit=1, offset=1).json()
    assert (payload["count"], payload["limit"], payload["offset"]) == (3, 1, 1)
    assert [item["id"] for item in payload["items"]] == [three_people[1].pk]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"id_number": ID_A}, "id_number"),
        ({"phone": "13812345678"}, "phone"),
        ({"region_code": "999999"}, "region_code"),
        ({"target_group": "astronauts"}, "target_group"),
        ({"limit": 0}, "limit"),
        ({"limit": 201}, "limit"),
        ({"offset": -1}, "offset"),
        ({"limit": "many"}, "limit"),
    ],
)
def test_list_people_rejects_bad_filters(three_people, bureau_admin, params, field):
    response = api_client(bureau_admin).get("/api/v1/people", **params)
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid", field)


def test_list_people_query_count_does_not_grow(
    three_people, bureau_admin, django_assert_num_queries
):
    client = api_client(bureau_admin)
    client.get("/api/v1/people")  # first use stamps the token's last_used_at
    # token + count + page + current memberships
    with django_assert_num_queries(4):
        response = client.get("/api/v1/people")
    assert response.json()["count"] == 3
    with django_assert_num_queries(4):
        client.get("/api/v1/people", limit=1)


def test_reveal_returns_full_identity_and_audits(person, reviewer):
    response = api_client(reviewer).post(
        f"/api/v1/people/{person.pk}/reveal", {"purpose": "claim review"}
    )
    assert response.status_code == 200
    assert response.json() == {"id": person.pk, "id_number": ID_A, "phone": "13812345678"}
    assert response["Cache-Control"] == "private, no-store"
    event = AuditEvent.objects.get(action="people.person.pii_viewed")
    assert (event.actor_id, event.person_id) == (reviewer.pk, person.pk)
    assert event.data == {"purpose": "claim review"}


def test_reveal_refused_to_role_without_capability_writes_no_audit(person, auditor):
    response = api_client(auditor).post(
        f"/api/v1/people/{person.pk}/reveal", {"purpose": "claim review"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "permission_denied"
    assert not AuditEvent.objects.filter(action="people.person.pii_viewed").exists()


@pytest.mark.parametrize("body", [{}, {"purpose": ""}, {"purpose": "   "}, {"purpose": "x" * 201}])
def test_reveal_without_a_purpose_is_400_and_reveals_nothing(person, reviewer, body):
    response = api_client(reviewer).post(f"/api/v1/people/{person.pk}/reveal", body, headers=EN)
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid", "purpose")
    assert ID_A not in response.content.decode()
    assert not AuditEvent.objects.filter(action="people.person.pii_viewed").exists()


@pytest.mark.parametrize("raw", ["null", "[]", '"x"'])
def test_reveal_refuses_a_body_that_is_not_an_object(person, reviewer, raw):
    client = api_client(reviewer)
    events = AuditEvent.objects.count()
    response = client.client.post(
        f"/api/v1/people/{person.pk}/reveal",
        raw,
        content_type="application/json",
        headers={**client.headers, **EN},
    )
    assert response.status_code == 400
    assert response.json() == {
        "code": "invalid",
        "detail": "The request body must be a JSON object.",
        "field": "body",
    }
    assert AuditEvent.objects.count() == events
    assert not AuditEvent.objects.filter(action="people.person.pii_viewed").exists()


def test_add_membership_records_and_audits(person, bureau_admin, target_groups, today):
    body = {
        "group": "veteran",
        "source": "veterans",
        "valid_from": today.isoformat(),
        "evidence": "退役证 123",
    }
    response = api_client(bureau_admin).post(f"/api/v1/people/{person.pk}/memberships", body)
    assert response.status_code == 201
    membership = TargetGroupMembership.objects.get()
    assert response.json() == {
        "id": membership.pk,
        "person_id": person.pk,
        "group": {"code": "veteran", "name": target_groups["veteran"].name},
        "source": "veterans",
        "evidence": "退役证 123",
        "valid_from": today.isoformat(),
        "valid_until": None,
    }
    event = AuditEvent.objects.get(action="people.membership.created")
    assert (event.actor_id, event.person_id) == (bureau_admin.pk, person.pk)
    assert event.data["group"] == "veteran"


@pytest.mark.parametrize(
    ("overrides", "status", "code", "field"),
    [
        ({"group": "astronauts"}, 400, "invalid", "group"),
        ({"source": "rumour"}, 400, "invalid", "source"),
        ({"valid_from": "2024-02-30"}, 400, "invalid", "valid_from"),
        ({"valid_until": "2000-01-01"}, 400, "invalid", "valid_until"),
    ],
)
def test_add_membership_rejects_bad_input(
    person, bureau_admin, target_groups, today, overrides, status, code, field
):
    body = {"group": "veteran", "source": "veterans", "valid_from": today.isoformat()}
    body.update(overrides)
    response = api_client(bureau_admin).post(f"/api/v1/people/{person.pk}/memberships", body)
    assert response.status_code == status
    assert (response.json()["code"], response.json()["field"]) == (code, field)
    assert not TargetGroupMembership.objects.exists()


def test_add_membership_twice_is_a_conflict(person, bureau_admin, target_groups, today):
    body = {"group": "veteran", "source": "veterans", "valid_from": today.isoformat()}
    client = api_client(bureau_admin)
    assert client.post(f"/api/v1/people/{person.pk}/memberships", body).status_code == 201
    response = client.post(f"/api/v1/people/{person.pk}/memberships", body)
    assert response.status_code == 409
    assert (response.json()["code"], response.json()["field"]) == ("conflict", "group")
    assert TargetGroupMembership.objects.count() == 1


def test_registering_past_the_daily_allowance_is_refused(settings, city, staff_a, bureau_admin):
    settings.JINENG_REGISTRATIONS_PER_DAY = 1
    assert api_client(staff_a).post("/api/v1/people", _body()).status_code == 201
    refused = api_client(staff_a).post("/api/v1/people", _body(id_number=ID_B, name="李四"))
    assert (refused.status_code, refused.json()["code"]) == (429, "rate_limited")
    assert refused["Retry-After"] == "86400"
    # The bureau registers without an allowance.
    assert api_client(bureau_admin).post("/api/v1/people", _body(id_number=ID_B)).status_code == 201
