"""Organisations: registration service and REST endpoints."""

import pytest
from django.utils import translation

from jineng.api.tests.helpers import api_client
from jineng.core.errors import PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.core.validators import validate_credit_code
from jineng.organizations.errors import OrganizationExists
from jineng.organizations.models import Organization
from jineng.organizations.services import (
    OrganizationInput,
    register_organization,
)

CREDIT_CODE = "91220581MA0000001K"


def _body(**overrides):
    body = {
        "credit_code": CREDIT_CODE.lower(),
        "name": "梅河口市丙机械有限公司",
        "kind": "enterprise",
        "region_code": "220581001",
        "address": "新华街道 1 号",
        "contact_phone": "0435-4221234",
    }
    body.update(overrides)
    return body


def test_register_organization_normalises_and_audits(city, bureau_admin):
    organization = register_organization(OrganizationInput(**_body()), actor=bureau_admin)
    stored = Organization.objects.get()
    assert stored == organization
    assert (stored.credit_code, stored.kind, stored.region.code) == (
        CREDIT_CODE,
        "enterprise",
        "220581001",
    )
    event = AuditEvent.objects.get(action="organizations.organization.created")
    assert event.actor_id == bureau_admin.pk
    assert event.object_id == str(organization.pk)
    assert event.data == {
        "credit_code": CREDIT_CODE,
        "name": "梅河口市丙机械有限公司",
        "kind": "enterprise",
        "region": "220581001",
    }


def test_register_organization_refuses_roles_without_capability(city, staff_a):
    with pytest.raises(PermissionDenied):
        register_organization(OrganizationInput(**_body()), actor=staff_a)
    assert not Organization.objects.filter(credit_code=CREDIT_CODE).exists()


def test_register_organization_twice_is_a_conflict(city, bureau_admin):
    first = register_organization(OrganizationInput(**_body()), actor=bureau_admin)
    with pytest.raises(OrganizationExists) as caught:
        register_organization(OrganizationInput(**_body(name="Other")), actor=bureau_admin)
    assert caught.value.extra["existing_id"] == first.pk
    assert Organization.objects.count() == 1


def test_create_organization_endpoint(city, bureau_admin):
    response = api_client(bureau_admin).post("/api/v1/organizations", _body())
    assert response.status_code == 201
    organization = Organization.objects.get()
    payload = response.json()
    payload.pop("created_at")
    assert payload == {
        "id": organization.pk,
        "url": f"/api/v1/organizations/{organization.pk}",
        "credit_code": CREDIT_CODE,
        "name": "梅河口市丙机械有限公司",
        "kind": "enterprise",
        "region": {"code": "220581001", "name": "新华街道"},
        "address": "新华街道 1 号",
        "contact_phone": "0435-4221234",
    }
    assert response["Location"] == payload["url"]
    assert AuditEvent.objects.filter(action="organizations.organization.created").count() == 1


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"credit_code": "91220581MA0000001J"}, "credit_code"),
        ({"credit_code": "91220581MA000000"}, "credit_code"),
        ({"kind": "club"}, "kind"),
        ({"name": "   "}, "name"),
        ({"region_code": "999999"}, "region_code"),
        ({"contact_phone": "call me"}, "contact_phone"),
    ],
)
def test_create_organization_rejects_bad_input(city, bureau_admin, overrides, field):
    response = api_client(bureau_admin).post(
        "/api/v1/organizations", _body(**overrides), headers={"Accept-Language": "en"}
    )
    assert response.status_code == 400
    assert (response.json()["code"], response.json()["field"]) == ("invalid", field)
    assert not Organization.objects.exists()
    assert not AuditEvent.objects.filter(action="organizations.organization.created").exists()


def test_bad_credit_code_names_the_reason(city, bureau_admin):
    bad = "91220581MA0000001J"
    response = api_client(bureau_admin).post(
        "/api/v1/organizations", _body(credit_code=bad), headers={"Accept-Language": "en"}
    )
    with translation.override("en"), pytest.raises(ValidationFailed) as caught:
        validate_credit_code(bad)
    assert response.json()["detail"] == caught.value.detail


def test_duplicate_credit_code_is_409_with_pointer(city, bureau_admin, school_a):
    response = api_client(bureau_admin).post(
        "/api/v1/organizations", _body(credit_code=school_a.credit_code)
    )
    assert response.status_code == 409
    payload = response.json()
    assert (payload["code"], payload["field"]) == ("organization_exists", "credit_code")
    assert payload["existing_id"] == school_a.pk
    assert payload["existing_url"] == f"/api/v1/organizations/{school_a.pk}"
    assert Organization.objects.count() == 1


def test_list_organizations_filters(bureau_admin, school_a, school_b):
    client = api_client(bureau_admin)
    payload = client.get("/api/v1/organizations").json()
    assert payload["count"] == 2
    # Ordered by name, whose collation of Chinese differs between databases.
    assert {o["id"] for o in payload["items"]} == {school_a.pk, school_b.pk}
    payload = client.get("/api/v1/organizations", name="乙").json()
    assert [o["id"] for o in payload["items"]] == [school_b.pk]
    payload = client.get("/api/v1/organizations", credit_code=school_a.credit_code.lower()).json()
    assert [o["id"] for o in payload["items"]] == [school_a.pk]
    payload = client.get("/api/v1/organizations", kind="enterprise").json()
    assert payload == {"count": 0, "limit": 50, "offset": 0, "items": []}


def test_list_organizations_query_count(
    bureau_admin, school_a, school_b, django_assert_num_queries
):
    client = api_client(bureau_admin)
    client.get("/api/v1/organizations")
    # token + count + page (region joined)
    with django_assert_num_queries(3):
        client.get("/api/v1/organizations")
