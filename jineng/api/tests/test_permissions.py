"""Permission matrix: every endpoint against every actor; denied writes change nothing.

"own" is the worker's own person (registered by the bureau, tied to no school); "a" is a
person registered by school A's staff. Out-of-scope objects answer 404, like missing ones.
"""

import pytest

from jineng.api.tests.helpers import ID_C, api_client
from jineng.core.models import AuditEvent
from jineng.organizations.models import Organization
from jineng.people.models import Affiliation, Person, TargetGroupMembership

ACTORS = ("anonymous", "worker", "bureau_admin", "reviewer", "auditor", "staff_a", "staff_b")


def _membership(world):
    return {"group": "veteran", "source": "bureau", "valid_from": world["today"].isoformat()}


def _person_body(world):
    return {"id_number": ID_C, "name": "王五", "region_code": "220581001"}


def _organization_body(world):
    return {"credit_code": "91220581MA0000001K", "name": "丙公司", "kind": "enterprise"}


REVEAL = {"purpose": "claim review"}

# (name, method, path, body, expected status per actor in ACTORS order)
ENDPOINTS = [
    ("get own", "get", "/people/{own}", None, (401, 200, 200, 200, 200, 404, 404)),
    ("get a", "get", "/people/{a}", None, (401, 404, 200, 200, 200, 200, 404)),
    ("record own", "get", "/people/{own}/record", None, (401, 200, 200, 200, 200, 404, 404)),
    ("record a", "get", "/people/{a}/record", None, (401, 404, 200, 200, 200, 200, 404)),
    ("reveal own", "post", "/people/{own}/reveal", REVEAL, (401, 200, 200, 200, 403, 404, 404)),
    ("reveal a", "post", "/people/{a}/reveal", REVEAL, (401, 404, 200, 200, 403, 403, 404)),
    (
        "membership own",
        "post",
        "/people/{own}/memberships",
        _membership,
        (401, 403, 201, 403, 403, 404, 404),
    ),
    (
        "membership a",
        "post",
        "/people/{a}/memberships",
        _membership,
        (401, 404, 201, 403, 403, 403, 404),
    ),
    ("create person", "post", "/people", _person_body, (401, 403, 201, 403, 403, 201, 201)),
    ("list people", "get", "/people", None, (401, 200, 200, 200, 200, 200, 200)),
    ("list orgs", "get", "/organizations", None, (401, 200, 200, 200, 200, 200, 200)),
    ("get org a", "get", "/organizations/{school_a}", None, (401, 404, 200, 200, 200, 200, 404)),
    (
        "create org",
        "post",
        "/organizations",
        _organization_body,
        (401, 403, 201, 403, 403, 403, 403),
    ),
]

CASES = [
    pytest.param(method, path, body, actor, expected[i], id=f"{name}-{actor}")
    for name, method, path, body, expected in ENDPOINTS
    for i, actor in enumerate(ACTORS)
]


@pytest.fixture
def world(person, worker, person_a, staff_b, school_b, reviewer, auditor, target_groups, today):
    return {
        "own": person.pk,
        "a": person_a.pk,
        "school_a": person_a.affiliations.get().organization_id,
        "today": today,
    }


def _state():
    return (
        Person.objects.count(),
        Affiliation.objects.count(),
        TargetGroupMembership.objects.count(),
        Organization.objects.count(),
        AuditEvent.objects.count(),
    )


@pytest.mark.parametrize(("method", "path", "body", "actor", "expected"), CASES)
def test_permission_matrix(request, world, method, path, body, actor, expected):
    user = None if actor == "anonymous" else request.getfixturevalue(actor)
    client = api_client(user)
    url = "/api/v1" + path.format(**world)
    before = _state()
    charges = AuditEvent.objects.filter(action="people.registration.charged")
    charged_before = charges.count()
    if method == "get":
        response = client.get(url)
    else:
        response = client.post(url, body(world) if callable(body) else body)
    assert response.status_code == expected, response.content
    if expected >= 400:
        assert response.json()["code"] in {"unauthenticated", "permission_denied", "not_found"}
        assert _state() == before
    elif method == "post":
        # Exactly one audit event per allowed write, and one more when an organisation's staff
        # register someone: the row charged to its daily allowance of registrations.
        charged = charges.count() - charged_before
        assert _state()[-1] == before[-1] + 1 + charged
        assert charged == (1 if path == "/people" and user.organization_id else 0)


@pytest.mark.parametrize(
    ("actor", "visible"),
    [
        ("worker", ["own"]),
        ("bureau_admin", ["a", "own"]),
        ("reviewer", ["a", "own"]),
        ("auditor", ["a", "own"]),
        ("staff_a", ["a"]),
        ("staff_b", []),
    ],
)
def test_people_list_is_scoped(request, world, actor, visible):
    client = api_client(request.getfixturevalue(actor))
    payload = client.get("/api/v1/people").json()
    assert [item["id"] for item in payload["items"]] == [world[name] for name in visible]
    assert payload["count"] == len(visible)


@pytest.mark.parametrize(
    ("actor", "visible"),
    [
        ("worker", []),
        ("bureau_admin", ["school_a", "school_b"]),
        ("auditor", ["school_a", "school_b"]),
        ("staff_a", ["school_a"]),
        ("staff_b", ["school_b"]),
    ],
)
def test_organization_list_is_scoped(request, world, actor, visible):
    client = api_client(request.getfixturevalue(actor))
    payload = client.get("/api/v1/organizations").json()
    expected = {request.getfixturevalue(name).pk for name in visible}
    assert {item["id"] for item in payload["items"]} == expected
    assert payload["count"] == len(visible)
