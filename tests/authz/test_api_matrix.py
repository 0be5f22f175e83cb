"""The API's authorization matrix: every object operation × every role × in scope, out, missing.

Generated from the committed OpenAPI document (every operation whose path carries an object)
and from the data-scope registry (which objects each role may view or change). Out of scope
must answer exactly like a missing id and write nothing to the audit trail; in scope answers
2xx, or 403 where the role table refuses the role the action (``REQUIRES``).
"""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from jineng.core.models import AuditEvent
from tests.api_fuzz.conftest import load_openapi
from tests.authz import matrix
from tests.authz.world import PDF, ROLES, World

# Holes the matrix found, by "<operationId>|<role>|<in or out>": expected to fail, strictly,
# so that each entry must go as soon as its hole is fixed.
KNOWN_HOLES: dict[str, str] = {}

# The capabilities of which a role needs one to perform the operation (jineng/accounts/roles.py):
# in scope, a role without any of them must get 403. Operations not listed need none.
_DECIDE = ("decide_accreditation",)
_EDIT = ("edit_catalogs",)
_ENROL = ("manage_classes", "enrol_self")
# The worker's capability: their own person is the only one in their scope, and theirs to see.
_WORKER = "enrol_self"
REQUIRES: dict[str, tuple[str, ...]] = {
    # The evaluator's steps; scores are entered by the drawn examiners alone (no role has it).
    "add_candidates": ("run_assessments",),
    "close_session": ("run_assessments",),
    "issue_certificates": ("run_assessments",),
    "enter_scores": ("drawn_examiner",),
    "reveal_person": ("view_full_pii", _WORKER),
    "create_membership": ("record_memberships",),
    "add_document": ("apply_accreditation",),
    "approve_application": _DECIDE,
    "reject_application": _DECIDE,
    "suspend_accreditation": _DECIDE,
    "lift_suspension": _DECIDE,
    "withdraw_accreditation": _DECIDE,
    "add_entry": _EDIT,
    "update_entry": _EDIT,
    "remove_entry": _EDIT,
    "record_changes": _EDIT,
    "submit_version": _EDIT,
    "publish_version": ("publish_catalogs",),
    "file_appeal": ("file_appeals",),
    "decide_appeal": ("decide_appeals",),
    # BODIES asks to start the class: the institution's own step (approval is the bureau's).
    "transition_class": ("manage_classes",),
    "enrol": _ENROL,
    "withdraw": _ENROL,
    "transfer": _ENROL,
    "suspend_certificate": ("manage_certificates",),
    "revoke_certificate": ("manage_certificates",),
    "reinstate_certificate": ("manage_certificates",),
    # Subsidies (jineng/subsidies/services.py): institutions claim for their own classes,
    # reviewers review and resolve objections, the bureau approves, the worker answers for
    # their own line; fraud alerts are worked with work_alerts.
    "simulate_rule_set": ("manage_subsidy_rules",),
    "submit_class_claim": ("claim_subsidies",),
    "first_review_claim": ("review_claims",),
    "second_review_claim": ("review_claims",),
    "start_claim_notice": ("review_claims", "approve_claims"),
    "approve_claim": ("approve_claims",),
    "reject_claim": ("review_claims", "approve_claims"),
    "resolve_claim_objection": ("review_claims",),
    "confirm_claim_line": (_WORKER,),
    "dispute_claim_line": (_WORKER,),
    "dispose_alert": ("work_alerts",),
}
# Operations that act on an object the caller needs only to see, not change: enrolling in a
# class creates an enrolment; the class itself is not changed.
ACTIONS: dict[str, str] = {"enrol": "view"}

# Valid request arguments for each unsafe operation, so that scope, not input validation,
# decides the answer.
BODIES: dict[str, dict[str, Any]] = {
    "transition_class": {"json": {"to": "running"}},
    "enrol": {"json": {"person_id": 1}},
    "withdraw": {"json": {}},
    "read_notification": {"json": {}},
    # Another class of the same institution (A's draft), so the move itself is valid.
    "transfer": {
        "json": {"to_class_id": lambda world: world.objects["training.trainingclass"][1].pk}
    },
    "reveal_person": {"json": {"purpose": "authorization matrix"}},
    "create_membership": {
        "json": {
            "group": "migrant_worker",
            "source": "self_declared",
            "valid_from": "2024-01-01",
            "evidence": "authorization matrix",
        }
    },
    "add_document": {
        "data": {"title": "办学许可证"},
        "files": {"file": ("licence.pdf", PDF, "application/pdf")},
    },
    "approve_application": {
        "json": {
            "licence_number": "AUTHZ-M",
            "valid_from": "2026-01-01",
            "valid_until": "2027-12-31",
        }
    },
    "reject_application": {"json": {"reasons": "authorization matrix"}},
    "suspend_accreditation": {"json": {"reason": "authorization matrix"}},
    "lift_suspension": {"json": {"reason": "authorization matrix"}},
    "withdraw_accreditation": {"json": {"reason": "authorization matrix"}},
    "file_appeal": {"json": {"grounds": "authorization matrix"}},
    "decide_appeal": {"json": {"upheld": False, "decision": "authorization matrix"}},
    "add_entry": {"json": {}},
    "update_entry": {"json": {}},
    "remove_entry": {},
    "record_changes": {"json": {}},
    "submit_version": {"json": {}},
    "publish_version": {"json": {}},
    "suspend_certificate": {"json": {"reason": "authorization matrix"}},
    "revoke_certificate": {"json": {"reason": "authorization matrix"}},
    "reinstate_certificate": {"json": {"reason": "authorization matrix"}},
    # The world's session is a draft without candidates: each step is refused on its merits
    # in scope (never 404), and out of scope answers like a missing session.
    "add_candidates": {"json": {"class_code": "AUTHZ-NONE"}},
    "enter_scores": {"json": {"component": "theory", "scores": {}}},
    "close_session": {"json": {}},
    "issue_certificates": {"json": {}},
    # The world's claims are in their public notice, held, with an open objection: each step
    # is refused on its merits in scope (never 404).
    "simulate_rule_set": {"json": {"year": 2025}},
    "submit_class_claim": {"json": {}},
    "first_review_claim": {"json": {"note": "authorization matrix"}},
    "second_review_claim": {"json": {"note": "authorization matrix"}},
    "start_claim_notice": {"json": {}},
    "approve_claim": {"json": {}},
    "reject_claim": {"json": {"reasons": "authorization matrix"}},
    "resolve_claim_objection": {"json": {"upheld": False, "resolution": "authorization matrix"}},
    "confirm_claim_line": {"json": {}},
    "dispute_claim_line": {"json": {"text": "authorization matrix"}},
    "dispose_alert": {"json": {"outcome": "cleared", "reason": "authorization matrix"}},
}
PARAMETER = re.compile(r"\{(\w+)\}")


def _operations() -> list[dict[str, Any]]:
    """Every operation with a path parameter: method, path, operationId, whether it needs auth."""
    found = []
    for path, item in load_openapi()["paths"].items():
        names = PARAMETER.findall(path)
        for method, operation in item.items():
            if names and method in {"get", "post", "put", "patch", "delete"}:
                found.append(
                    {
                        "method": method.upper(),
                        "path": path,
                        "id": operation.get("operationId", f"{method} {path}"),
                        "names": names,
                        "secured": bool(operation.get("security")),
                    }
                )
    return found


OPERATIONS = _operations()


def _object_operations() -> list[dict[str, Any]]:
    """The operations whose path carries an object (classified or not: the test says which)."""
    chosen = []
    for operation in OPERATIONS:
        params = [matrix.classify(name) for name in operation["names"]]
        if any(p is None or p.label is not None for p in params):
            chosen.append(operation)
    return chosen


def _cases() -> list[Any]:
    cases = []
    for operation in _object_operations():
        for role in ROLES:
            for which in ("in", "out"):
                key = f"{operation['id']}|{role}|{which}"
                marks = []
                if key in KNOWN_HOLES:
                    marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_HOLES[key]))
                cases.append(pytest.param(operation, role, which, id=key, marks=marks))
    return cases


def _call(operation: dict[str, Any], url: str, token: str | None, world: World) -> Any:
    """Send one request in-process and return the response with its whole body read."""
    client = Client()
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    method, operation_id = operation["method"], operation["id"]
    if method == "GET":
        response = client.get(url, headers=headers)
    else:
        assert operation_id in BODIES, (
            f"{method} {operation['path']} ({operation_id}) has no request in BODIES of "
            "tests/authz/test_api_matrix.py: add a valid one"
        )
        request = BODIES[operation_id]
        if "files" in request:
            files = {k: SimpleUploadedFile(*spec) for k, spec in request["files"].items()}
            response = client.post(url, {**request["data"], **files}, headers=headers)
        else:
            fields = {k: v(world) if callable(v) else v for k, v in request.get("json", {}).items()}
            body = json.dumps(fields) if "json" in request else ""
            response = client.generic(
                method, url, body, content_type="application/json", headers=headers
            )
    if response.streaming:
        response.content_bytes = b"".join(response.streaming_content)
    else:
        response.content_bytes = response.content
    return response


@pytest.mark.parametrize(("operation", "role", "which"), _cases())
def test_api_answers_by_scope(
    operation: dict[str, Any], role: str, which: str, world: World, db: None
) -> None:
    params = []
    for name in operation["names"]:
        param = matrix.classify(name)
        if param is None:
            pytest.fail(matrix.unclassified_message(name, operation["id"], None))
        params.append(param)
    label = matrix.params_with_objects(params)[-1].label
    assert label is not None
    safe = operation["method"] == "GET"
    action = ACTIONS.get(operation["id"], "view" if safe else "change")
    user = world.user(role)
    target = matrix.pick(world, label, user, action, which == "in")
    if target is None:
        pytest.skip(
            f"the world has no {label} {'in' if which == 'in' else 'out of'} {role}'s scope"
        )
    path = operation["path"]
    url = path.format(**matrix.fill(params, target, world))
    missing_url = path.format(**matrix.fill(params, None, world))
    token = world.tokens.get(role)
    what = f"{operation['method']} {path} ({operation['id']}) as {role} on {label} {target.pk}"

    before = AuditEvent.objects.count()
    answer = _call(operation, url, token, world)
    written = AuditEvent.objects.count() - before
    missing = _call(operation, missing_url, token, world)

    matrix.check_answer(
        which,
        what,
        answer,
        url,
        missing,
        missing_url,
        written=written,
        user=user,
        label=label,
        target=target,
        safe=safe,
        requires=REQUIRES.get(operation["id"]),
        anonymous_refusals=(401,) if operation["secured"] else (),
    )
