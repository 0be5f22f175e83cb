"""Object-level authorization: staff of institution B reach nothing that belongs to A.

Every operation in the OpenAPI document whose path names an object (``{person_id}``, …) is
called by staff of institution B on an object of institution A, with a bearer token: it must
answer 404 exactly like a missing object, and write nothing. The same call by A's staff is the
control that proves the object exists and the request is well-formed. New path parameters and
new unsafe operations must be registered below, so a new endpoint cannot escape the check.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import requests

from jineng.core.models import AuditEvent
from tests.api_fuzz.conftest import OBJECT_PARAMETERS, bearer, load_openapi

# A valid body for each operation (by operationId) that sends one, so that the scope check,
# not input validation, decides the answer.
BODIES: dict[str, dict[str, Any]] = {
    "reveal_person": {"purpose": "object-level authorization test"},
    "create_membership": {
        "group": "migrant_worker",
        "source": "self_declared",
        "valid_from": "2024-01-01",
        "evidence": "authorization test",
    },
}
# What A's own staff get for the control call, when it is not a 2xx (role limits, not scope).
CONTROL_STATUS: dict[str, set[int]] = {"reveal_person": {403}}


def _object_operations() -> list[tuple[str, str, str]]:
    """Return (method, path, operationId) of every operation with a path parameter."""
    found = []
    for path, item in load_openapi()["paths"].items():
        if "{" not in path:
            continue
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                found.append((method.upper(), path, operation.get("operationId", "")))
    return found


OPERATIONS = _object_operations()


def _url(base: str, path: str, objects: dict[str, Any]) -> str:
    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in OBJECT_PARAMETERS:
            pytest.fail(
                f"path parameter {{{name}}} is not covered by the object-level authorization "
                "test: add it to OBJECT_PARAMETERS (and objects_of_a) in tests/api_fuzz/conftest.py"
            )
        return str(objects[OBJECT_PARAMETERS[name]].pk)

    return base + re.sub(r"\{(\w+)\}", fill, path)


def _call(method: str, url: str, operation_id: str, headers: dict[str, str]) -> Any:
    if method == "GET":
        return requests.get(url, headers=headers, timeout=10)
    if operation_id not in BODIES:
        pytest.fail(
            f"{method} {url} ({operation_id}) has no body in BODIES of "
            "tests/api_fuzz/test_object_authorization.py: add a valid one"
        )
    return requests.request(method, url, json=BODIES[operation_id], headers=headers, timeout=10)


@pytest.mark.parametrize(
    ("method", "path", "operation_id"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_staff_of_b_cannot_reach_objects_of_a(
    method: str,
    path: str,
    operation_id: str,
    live_server: Any,
    objects_of_a: dict[str, Any],
    staff_a: Any,
    staff_b: Any,
) -> None:
    url = _url(live_server.url, path, objects_of_a)
    as_b, as_a = bearer(staff_b), bearer(staff_a)
    events_before = AuditEvent.objects.count()

    denied = _call(method, url, operation_id, as_b)

    assert denied.status_code == 404, (
        f"{method} {path} as staff of B answered {denied.status_code}: {denied.text[:300]}"
    )
    assert denied.json()["code"] == "not_found"
    assert AuditEvent.objects.count() == events_before, "a denied request wrote to the audit"

    allowed = _call(method, url, operation_id, as_a)
    expected = CONTROL_STATUS.get(operation_id, set())
    assert 200 <= allowed.status_code < 300 or allowed.status_code in expected, (
        f"control: {method} {path} as staff of A answered {allowed.status_code}: "
        f"{allowed.text[:300]}"
    )
