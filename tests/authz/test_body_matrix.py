"""The authorization matrix of ids in request bodies: every body id × every role × in, out, missing.

An unsafe operation that names an object in its body (``person_id`` to enrol, ``to_class_id``
to transfer to, ``session_id`` and ``enrolment_id`` of a manual check-in) is sent, with every
other object of the request in the caller's scope, once with an object in scope, once with one
out of scope and once with a missing id. Out of scope must answer exactly like missing
(status and body, without the id itself, the request's path and CSRF tokens) and write nothing
to the audit trail; in scope must not answer like missing.

The body ids come from the committed OpenAPI document (integer properties named ``*_id`` of
the request schemas); ``BODY_IDS`` classifies each to its model and the action the operation
takes on it. A new one without an entry fails ``test_body_id_is_classified``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client

from jineng.core import scope
from jineng.core.models import AuditEvent
from tests.api_fuzz.conftest import load_openapi
from tests.authz import matrix
from tests.authz.test_api_matrix import BODIES, REQUIRES
from tests.authz.world import MISSING_ID, ROLES, World

# Holes the matrix found, by "<operationId>/<parameter>|<role>|<in or out>": expected to fail,
# strictly, so that each entry must go as soon as its hole is fixed.
KNOWN_HOLES: dict[str, str] = {}


@dataclass(frozen=True)
class BodyId:
    """What a body id names: the scoped model and the action the operation takes on it."""

    label: str
    action: str
    why: str


# Every integer ``*_id`` of a request body, by "<operationId>/<property>".
BODY_IDS: dict[str, BodyId] = {
    "enrol/person_id": BodyId(
        "people.person", scope.VIEW, "staff enrol someone already in their scope"
    ),
    "transfer/to_class_id": BodyId(
        "training.trainingclass", scope.CHANGE, "the class that takes a seat: the caller's own"
    ),
    "manual_check_in/session_id": BodyId(
        "training.classsession", scope.CHANGE, "attendance is written to the session"
    ),
    "manual_check_in/enrolment_id": BodyId(
        "training.enrolment", scope.CHANGE, "the trainee's place gains an attendance"
    ),
}
# Body ids that name nothing an organisation or person owns, and why.
BODY_ID_EXEMPTIONS: dict[str, str] = {}


def _is_id(schema: dict[str, Any]) -> bool:
    options = schema.get("anyOf", [schema])
    return any(o.get("type") == "integer" for o in options)


def _body_ids() -> list[dict[str, Any]]:
    """Every integer ``*_id`` property of an unsafe operation's JSON request body."""
    document = load_openapi()
    schemas = document["components"]["schemas"]
    found = []
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method not in {"post", "put", "patch", "delete"}:
                continue
            content = operation.get("requestBody", {}).get("content", {})
            for media in content.values():
                schema = media.get("schema", {})
                if "$ref" in schema:
                    schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
                for name, prop in schema.get("properties", {}).items():
                    if name.endswith("_id") and _is_id(prop):
                        found.append(
                            {
                                "key": f"{operation['operationId']}/{name}",
                                "id": operation["operationId"],
                                "name": name,
                                "method": method.upper(),
                                "path": path,
                                "secured": bool(operation.get("security")),
                            }
                        )
    return found


FOUND = _body_ids()


@pytest.mark.parametrize("key", [f["key"] for f in FOUND])
def test_body_id_is_classified(key: str) -> None:
    assert key in BODY_IDS or key in BODY_ID_EXEMPTIONS, (
        f"{key}: a request body names an object by id and the body matrix does not classify "
        f"it: add it to BODY_IDS in tests/authz/test_body_matrix.py with its model and action "
        "(and a way to build the rest of the request in BASES), or to BODY_ID_EXEMPTIONS with "
        "the reason"
    )


def test_body_entries_exist() -> None:
    """An entry for a body id that no operation has any more must go."""
    stale = sorted((set(BODY_IDS) | set(BODY_ID_EXEMPTIONS)) - {f["key"] for f in FOUND})
    assert not stale, f"remove from BODY_IDS / BODY_ID_EXEMPTIONS (no such body id): {stale}"


def _first(label: str, user: Any, action: str, **where: Any) -> Any | None:
    return matrix.visible(label, user, action).filter(**where).order_by("pk").first()


def _enrol(world: World, user: Any) -> dict[str, Any]:
    return {
        "class_id": matrix.pick(world, "training.trainingclass", user, scope.VIEW, True),
        "person_id": _first("people.person", user, scope.VIEW),
    }


def _transfer(world: World, user: Any) -> dict[str, Any]:
    enrolment = matrix.pick(world, "training.enrolment", user, scope.CHANGE, True)
    target = None
    if enrolment is not None:
        # Another class of the same institution, so that the move itself is valid.
        others = matrix.visible("training.trainingclass", user, scope.CHANGE).exclude(
            pk=enrolment.training_class_id
        )
        target = others.filter(
            programme__organization=enrolment.training_class.programme.organization_id
        ).first()
    return {"enrolment_id": enrolment, "to_class_id": target}


def _manual_check_in(world: World, user: Any) -> dict[str, Any]:
    session = _first("training.classsession", user, scope.CHANGE, training_class__status="running")
    enrolment = _first(
        "training.enrolment",
        user,
        scope.CHANGE,
        **({"training_class": session.training_class_id} if session else {}),
        status="enrolled",
    )
    return {"session_id": session, "enrolment_id": enrolment}


# For each operation, the objects of a valid request in the user's scope (None: the user has
# none), path parameters and body ids alike.
BASES: dict[str, Callable[[World, Any], dict[str, Any]]] = {
    "enrol": _enrol,
    "transfer": _transfer,
    "manual_check_in": _manual_check_in,
}
# The capabilities of which a role needs one (as REQUIRES of the object matrix): in scope, a
# role without any of them must get 403.
BODY_REQUIRES: dict[str, tuple[str, ...]] = {**REQUIRES, "manual_check_in": ("record_attendance",)}
# Body fields other than the ids.
FIELDS: dict[str, dict[str, Any]] = {"manual_check_in": {"reason": "authorization matrix"}}


@pytest.fixture(scope="module")
def started(world: World, django_db_blocker: Any) -> World:
    """The world with A's and B's open classes running (attendance is taken in running ones)."""
    from jineng.training import services as training

    with django_db_blocker.unblock():
        for n, role in enumerate(("staff_a", "staff_b")):
            opened = world.objects["training.trainingclass"][2 * n]
            training.transition(opened.pk, "running", actor=world.users[role])
    return world


def _cases() -> list[Any]:
    cases = []
    for found in FOUND:
        if found["key"] not in BODY_IDS:
            continue
        for role in ROLES:
            for which in ("in", "out"):
                key = f"{found['key']}|{role}|{which}"
                marks = []
                if key in KNOWN_HOLES:
                    marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_HOLES[key]))
                cases.append(pytest.param(found, role, which, id=key, marks=marks))
    return cases


def _send(found: dict[str, Any], values: dict[str, Any], token: str | None) -> tuple[Any, str]:
    path_names = re.findall(r"\{(\w+)\}", found["path"])
    url = found["path"].format(**{n: values[n] for n in path_names})
    body = {k: v for k, v in values.items() if k not in path_names}
    body |= FIELDS.get(found["id"], {})
    if found["id"] in BODIES:
        extra = BODIES[found["id"]].get("json", {})
        body = {k: v for k, v in extra.items() if k not in values and not callable(v)} | body
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = Client().generic(
        found["method"], url, json.dumps(body), content_type="application/json", headers=headers
    )
    response.content_bytes = response.content
    return response, url


def _without(response: Any, url: str, value: int) -> tuple[int, str, bytes]:
    """The normalised answer without the id sent (a refusal may echo it)."""
    status, location, body = matrix.normalised(response, url)
    return status, location, re.sub(rb"(?<!\d)%d(?!\d)" % value, b"<id>", body)


@pytest.mark.parametrize(("found", "role", "which"), _cases())
def test_body_id_answers_by_scope(
    found: dict[str, Any], role: str, which: str, started: World, db: None
) -> None:
    classified = BODY_IDS[found["key"]]
    name, user = found["name"], started.user(role)
    base = BASES[found["id"]](started, user)
    others = {k: v for k, v in base.items() if k != name}
    lacking = [k for k, v in others.items() if v is None]
    if lacking:
        pytest.skip(f"{role} has no {', '.join(lacking)} in scope to send with {name}")
    if which == "in":
        target = base[name]
    else:
        target = matrix.pick(started, classified.label, user, classified.action, False)
    if target is None:
        pytest.skip(f"the world has no {classified.label} {which} {role}'s scope for {name}")
    values = {k: v.pk for k, v in others.items()}
    token = started.tokens.get(role)
    what = (
        f"{found['method']} {found['path']} ({found['id']}) as {role} with {name}="
        f"{classified.label} {target.pk} ({which} scope)"
    )

    before = AuditEvent.objects.count()
    answer, url = _send(found, {**values, name: target.pk}, token)
    written = AuditEvent.objects.count() - before
    missing, missing_url = _send(found, {**values, name: MISSING_ID}, token)

    requires = BODY_REQUIRES.get(found["id"])
    if which == "out":
        refusal_seen = (
            requires is not None
            and not matrix.has_any(user, requires)
            and matrix.viewable(classified.label, user, target)
        )
        if not (refusal_seen and answer.status_code == 403):
            got = _without(answer, url, target.pk)
            expected = _without(missing, missing_url, MISSING_ID)
            assert got == expected, (
                f"{what}: out of scope answered {got[0]} {got[2][:300]!r} but a missing id "
                f"answered {expected[0]} {expected[2][:300]!r}: that tells the caller the "
                "object exists"
            )
        assert written == 0, f"{what}: out of scope wrote {written} audit rows"
    else:
        status = answer.status_code
        shown = f"{what}: answered {status} {answer.content_bytes[:300]!r}"
        if not scope.is_active(user):
            assert status == 401 or 200 <= status < 300, shown
            return
        if requires is not None and not matrix.has_any(user, requires):
            assert status == 403, f"{shown}; the role lacks {requires}: expected 403"
            return
        assert status < 500, shown
        assert status != 401, shown
        assert _without(answer, url, target.pk) != _without(missing, missing_url, MISSING_ID), (
            f"{shown}, exactly like a missing id: the object in scope was not found"
        )
