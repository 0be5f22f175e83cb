"""Object-level authorization: staff of institution B reach nothing that belongs to A.

Every operation in the OpenAPI document whose path names an object (``{person_id}``, …) is
called with a bearer token by staff of institution B on an object of institution A. The answer
must refuse (never 2xx), be indistinguishable from the answer for an object that does not exist
(so it leaks no existence), be 404 for reads, and write nothing. The same call by A's staff is
the control that proves the object exists and the request is well-formed. Path parameters and
unsafe operations must be registered (``tests/api_fuzz/conftest.py``, ``BODIES`` below), so a
new endpoint cannot escape the check.
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jineng.core.models import AuditEvent
from tests.api_fuzz.conftest import (
    CITY_WIDE_PARAMETERS,
    NOT_YET_COVERED,
    OBJECT_PARAMETERS,
    PDF,
    bearer,
    load_openapi,
)

# An id no object has.
MISSING_ID = 999_999_999
# Valid request arguments for each unsafe operation (by operationId), so that the scope check,
# not input validation, decides the answer.
BODIES: dict[str, dict[str, Any]] = {
    "transition_class": {"json": {"to": "running"}},
    # The person named may not exist in this database: A's control then answers 404 or 409.
    "enrol": {"json": {"person_id": 1}},
    "withdraw": {"json": {}},
    "transfer": {"json": {"to_class_id": 1}},
    "reveal_person": {"json": {"purpose": "object-level authorization test"}},
    "create_membership": {
        "json": {
            "group": "migrant_worker",
            "source": "self_declared",
            "valid_from": "2024-01-01",
            "evidence": "authorization test",
        }
    },
    "add_document": {
        "data": {"title": "办学许可证"},
        "files": {"file": ("licence.pdf", PDF, "application/pdf")},
    },
    "approve_application": {
        "json": {
            "licence_number": "AUTHZ-2",
            "valid_from": "2026-01-01",
            "valid_until": "2027-12-31",
        }
    },
    "reject_application": {"json": {"reasons": "authorization test"}},
    "suspend_accreditation": {"json": {"reason": "authorization test"}},
    "lift_suspension": {"json": {"reason": "authorization test"}},
    "withdraw_accreditation": {"json": {"reason": "authorization test"}},
    "file_appeal": {"json": {"grounds": "authorization test"}},
    "decide_appeal": {"json": {"upheld": False, "decision": "authorization test"}},
}
# What A's own staff get for the control call when their role (not the scope) refuses it.
ROLE_REFUSED = {403}
CONTROL_STATUS: dict[str, set[int]] = {
    "reveal_person": ROLE_REFUSED,
    "create_membership": ROLE_REFUSED,
    "approve_application": ROLE_REFUSED,
    "reject_application": ROLE_REFUSED,
    "suspend_accreditation": ROLE_REFUSED,
    "lift_suspension": ROLE_REFUSED,
    "withdraw_accreditation": ROLE_REFUSED,
    "decide_appeal": ROLE_REFUSED,
    "enrol": {404, 409},
    # Class 1 may not exist (404) or be the enrolment's own class (400).
    "transfer": {400, 404},
}


def _object_operations() -> list[tuple[str, str, str]]:
    """Return (method, path, operationId) of every operation naming an organisation's object."""
    found = []
    for path, item in load_openapi()["paths"].items():
        names = re.findall(r"\{(\w+)\}", path)
        if not names or all(name in CITY_WIDE_PARAMETERS for name in names):
            continue
        for method, operation in item.items():
            if method in {"get", "post", "put", "patch", "delete"}:
                found.append((method.upper(), path, operation.get("operationId", "")))
    return found


OPERATIONS = _object_operations()


def _url(path: str, objects: dict[str, Any] | None) -> str:
    """Fill the path with A's objects, or with ids that exist nowhere when objects is None."""

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        if name in NOT_YET_COVERED:
            pytest.skip(f"{{{name}}}: {NOT_YET_COVERED[name]}")
        if name not in OBJECT_PARAMETERS:
            pytest.fail(
                f"path parameter {{{name}}} is not classified for the object-level authorization "
                "test: add it to OBJECT_PARAMETERS (with objects_of_a), CITY_WIDE_PARAMETERS or "
                "NOT_YET_COVERED in tests/api_fuzz/conftest.py"
            )
        return str(objects[OBJECT_PARAMETERS[name]].pk if objects else MISSING_ID)

    return re.sub(r"\{(\w+)\}", fill, path)


def _call(method: str, url: str, operation_id: str, headers: dict[str, str]) -> Any:
    """Send one request in-process and return the response with its whole body read."""
    client = Client()
    if method == "GET":
        response = client.get(url, headers=headers)
    elif operation_id not in BODIES:
        pytest.fail(
            f"{method} {url} ({operation_id}) has no request in BODIES of "
            "tests/api_fuzz/test_object_authorization.py: add a valid one"
        )
    elif "files" in BODIES[operation_id]:
        request = BODIES[operation_id]
        files = {k: SimpleUploadedFile(*spec) for k, spec in request["files"].items()}
        assert method == "POST", "uploads are sent as multipart POST"
        response = client.post(url, {**request["data"], **files}, headers=headers)
    else:
        body = json.dumps(BODIES[operation_id]["json"])
        response = client.generic(
            method, url, body, content_type="application/json", headers=headers
        )
    # The test client closes the response itself (after the stream is read, for files).
    if response.streaming:
        response.content_bytes = b"".join(response.streaming_content)
    else:
        response.content_bytes = response.content
    return response


def _code(response: Any) -> str:
    try:
        return str(json.loads(response.content_bytes).get("code"))
    except ValueError:
        return ""


@pytest.mark.parametrize(
    ("method", "path", "operation_id"), OPERATIONS, ids=[f"{m} {p}" for m, p, _ in OPERATIONS]
)
def test_staff_of_b_cannot_reach_objects_of_a(
    method: str,
    path: str,
    operation_id: str,
    objects_of_a: dict[str, Any],
    staff_a: Any,
    staff_b: Any,
) -> None:
    url = _url(path, objects_of_a)
    as_b, as_a = bearer(staff_b), bearer(staff_a)
    events_before = AuditEvent.objects.count()

    denied = _call(method, url, operation_id, as_b)
    missing = _call(method, _url(path, None), operation_id, as_b)

    what = f"{method} {path} as staff of B"
    assert not 200 <= denied.status_code < 300, f"{what} answered {denied.status_code}"
    assert (denied.status_code, _code(denied)) == (missing.status_code, _code(missing)), (
        f"{what} answered {denied.status_code} {denied.content_bytes[:200]!r} for A's object "
        f"but {missing.status_code} {missing.content_bytes[:200]!r} for a missing one: "
        "that leaks existence"
    )
    if method == "GET":
        assert denied.status_code == 404, f"{what} answered {denied.status_code}, not 404"
    assert AuditEvent.objects.count() == events_before, "a refused request wrote to the audit"

    allowed = _call(method, url, operation_id, as_a)
    expected = CONTROL_STATUS.get(operation_id, set())
    assert 200 <= allowed.status_code < 300 or allowed.status_code in expected, (
        f"control: {method} {path} as staff of A answered {allowed.status_code}: "
        f"{allowed.content_bytes[:300]!r}"
    )
