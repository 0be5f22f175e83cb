"""What the authorization matrix expects: parameters classified, objects in and out of scope.

A path parameter (API) or URL keyword (console) carries a scoped model's key when the
model's registry entry (``jineng.core.scope``, ADR 0005) names it in ``url_params``: by name
(``class_id``, wherever it appears) or as ``"<url name>/<keyword>"``
(``catalogs:appeal_decide/pk``). A parameter that names no scoped object is listed in
``PUBLIC_PARAMETERS`` with the reason. ``NOT_YET_REGISTERED`` holds the parameters that carry
an object but that the registry does not name yet: the completeness test fails for each
(strictly expected), and the matrix still tests them, against the registry entry of their
model or, for a model not in the registry, against ``RULES_OUTSIDE_REGISTRY`` below.

Which objects are in a role's scope is always the registry's answer
(``entry.visible(user, action)``: ``view`` for GET, ``change`` for unsafe methods), never a
per-endpoint list: a change of scope shows up here, in one place.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.db.models import QuerySet
from django.urls import URLPattern, URLResolver, get_resolver

from jineng.core import scope
from tests.authz.world import MISSING_ID, World

# Parameters that name no object an organisation or a person owns: not part of the matrix's
# in/out-of-scope cases. Keys are names (wherever they appear) or "<url name>/<keyword>".
PUBLIC_PARAMETERS: dict[str, str] = {
    "kind": "a catalog kind: the four catalogs are public",
    "fmt": "a download format (csv, xlsx), not an object",
    "token": "a record share token: a secret the worker hands out, valid for whoever holds it",
    "code": "a session's rotating check-in code: a worker checks in as themselves only",
    "fraud:rule_detail/code": "a fraud rule's code (R02 …): the rules are the bureau's, "
    "city-wide, owned by no organisation or person",
    "key": "a learning-platform credential key: platforms are the bureau's, city-wide",
    "learning_console:credential_create/pk": "a learning platform: managed city-wide by the "
    "bureau (manage_learning_platforms), owned by no organisation's staff",
    "learning_console:platform_registrations/pk": "a learning platform, as for its "
    "credentials: managed city-wide by the bureau, owned by no organisation's staff",
    "assessment:scores/component": "a component's key (theory, practical, review) within the "
    "session named by session_id",
    "catalogs:organization/pk": "an organisation's place in the published catalogs: public",
    "credentials:status_list/purpose": "a status list's purpose (revocation, suspension): the "
    "signed lists every certificate verifier fetches are public",
    "number": "a certificate number: public verification (证书查验) shows anyone a masked "
    "summary by number (certificates.queries.public_view), like the QR code on the paper copy; "
    "or a subsidy claim's number on its public notice (公示), to which anyone may object "
    "(object_to_claim) while the notice runs",
    "subsidies:notice_claim/number": "a subsidy claim's number on the public notice (公示): "
    "shown to anyone, masked, while the notice runs, and like a missing one otherwise",
    "uidb64": "a one-time set-password link's account, encoded: it works only with the link's "
    "token (organizations:set_password), for whoever holds the link",
    "talent:public_notice/pk": "an award round's public notice (公示): shown to anyone while it "
    "runs, masked, and like a missing one otherwise",
    "talent:public_winners/pk": "an award round's published winners: public, masked",
}

# Parameters that carry a scoped object but are not named by the registry yet, and the model
# they carry. Each makes the completeness test fail (expected, strictly): name the parameter
# in the model's registry entry (url_params) and remove it here.
NOT_YET_REGISTERED: dict[str, str] = {}


# Stand-in scope rules for models the registry does not list yet (see NOT_YET_REGISTERED).
RULES_OUTSIDE_REGISTRY: dict[str, Callable[[QuerySet[Any], Any, str], QuerySet[Any]]] = {}

# Parameters whose page shows rows of one kind only: a job page shows jobs of its own kind.
# The matrix picks their objects among that kind (label ``core.job:people.import``).
KINDS: dict[str, str] = {
    "people:import_job/pk": "people.import",
    "people:import_errors/pk": "people.import",
    "people:export_job/pk": "people.export",
    "people:export_download/pk": "people.export",
    "fraud:scan_job/pk": "fraud.scan",
    "auditor_export_job/pk": "workspace.export",
    "auditor_export_download/pk": "workspace.export",
}


@dataclass(frozen=True)
class Param:
    """How one parameter of one endpoint is classified."""

    name: str
    key: str  # the registry spelling that matched ("class_id" or "catalogs:version/pk")
    label: str | None  # the scoped model it carries, None for a public parameter
    registered: bool  # classified by the registry or PUBLIC_PARAMETERS (not pending)


def classify(name: str, url_name: str | None = None) -> Param | None:
    """Classify a parameter of an endpoint, or return None when nothing classifies it."""
    keys = ([f"{url_name}/{name}"] if url_name else []) + [name]
    for key in keys:
        for entry in scope.registry():
            if key in entry.url_params:
                kind = KINDS.get(key)
                return Param(name, key, f"{entry.label}:{kind}" if kind else entry.label, True)
    for key in keys:
        if key in PUBLIC_PARAMETERS:
            return Param(name, key, None, True)
        if key in NOT_YET_REGISTERED:
            return Param(name, key, NOT_YET_REGISTERED[key], False)
    return None


def unclassified_message(name: str, where: str, url_name: str | None) -> str:
    """Tell the developer what to add for a parameter that nothing classifies."""
    spelled = f"{url_name}/{name}" if url_name else name
    return (
        f"{where}: parameter {name!r} is not classified for the authorization matrix. If it "
        f"carries a scoped object, name it in that model's scope.register(..., url_params=("
        f"{name!r},)) or ({spelled!r},) for this URL only; if it names nothing an "
        "organisation or person owns, add it to PUBLIC_PARAMETERS in tests/authz/matrix.py "
        "with the reason."
    )


def visible(label: str, user: Any, action: str) -> QuerySet[Any]:
    """The rows of a model the user may act on: the registry's answer (or the stand-in)."""
    model_label, _, kind = label.partition(":")
    model = apps.get_model(model_label)
    rows = model._default_manager.filter(kind=kind) if kind else model._default_manager.all()
    if label in RULES_OUTSIDE_REGISTRY:
        return RULES_OUTSIDE_REGISTRY[label](rows, user, action)
    return scope.restrict(rows, user, action)


def pick(world: World, label: str, user: Any, action: str, in_scope: bool) -> Any | None:
    """One object of the world in (or out of) the user's scope, or None when there is none.

    Out of scope, an object the user may not even view comes first: it must answer exactly
    like a missing one. One the user may view but not change comes next (for unsafe calls).
    """
    candidates = world.objects.get(label, [])

    def keys(for_action: str) -> set[Any]:
        rows = visible(label, user, for_action).filter(pk__in=[o.pk for o in candidates])
        return set(rows.values_list("pk", flat=True))

    acting = keys(action)
    if in_scope:
        chosen = [o for o in candidates if o.pk in acting]
    else:
        seen = keys(scope.VIEW)
        chosen = sorted((o for o in candidates if o.pk not in acting), key=lambda o: o.pk in seen)
    return chosen[0] if chosen else None


def viewable(label: str, user: Any, obj: Any) -> bool:
    """Tell whether the user may view the object (the registry's answer)."""
    return visible(label, user, scope.VIEW).filter(pk=obj.pk).exists()


def fill(params: list[Param], obj: Any | None, world: World) -> dict[str, str]:
    """Values for an endpoint's parameters: the chosen object for the last object parameter,
    its parents (``obj.<name>``) for the others, public values, or missing ids."""
    values: dict[str, str] = {}
    for param in params:
        if param.label is None:
            values[param.name] = PUBLIC_VALUES.get(param.name, lambda w: "x")(world)
        elif obj is None:
            values[param.name] = str(MISSING_ID)
        elif param is params_with_objects(params)[-1]:
            values[param.name] = str(obj.pk)
        else:
            values[param.name] = str(getattr(obj, param.name))
    return values


def params_with_objects(params: list[Param]) -> list[Param]:
    """The parameters that carry an object; the last one is the object under test."""
    return [p for p in params if p.label is not None]


PUBLIC_VALUES: dict[str, Callable[[World], str]] = {
    "kind": lambda w: "training_institutions",
    "fmt": lambda w: "csv",
    "token": lambda w: w.values["token"],
}

_CSRF = [
    re.compile(rb'(name="csrfmiddlewaretoken" value=")[^"]*'),
    re.compile(rb'(name="csrf-token" content=")[^"]*'),
    re.compile(rb'("X-CSRFToken": ")[^"]*'),
]


def normalised(response: Any, path: str) -> tuple[int, str, bytes]:
    """Status, Location and body of a response, without what must differ between two
    requests: CSRF tokens and the request's own path (also URL-quoted, as in ?next=)."""
    body = getattr(response, "content_bytes", b"")
    location = response.headers.get("Location", "")
    for spelled in (path, urllib.parse.quote(path, safe=""), urllib.parse.quote(path)):
        body = body.replace(spelled.encode(), b"<path>")
        location = location.replace(spelled, "<path>")
    for pattern in _CSRF:
        body = pattern.sub(rb"\1<csrf>", body)
    return response.status_code, location, body


def has_any(user: Any, capabilities: tuple[str, ...]) -> bool:
    """Tell whether the user's role (jineng/accounts/roles.py) grants one of the capabilities."""
    return scope.is_active(user) and any(user.can(c) for c in capabilities)


def check_out_of_scope(
    what: str, answer: Any, url: str, missing: Any, missing_url: str, *, refusal_seen: bool
) -> None:
    """Out of scope answers exactly like missing: same status, Location and body.

    ``refusal_seen``: the user may view the object and their role may never perform the
    action, so 403 is the answer ADR 0005 keeps for that (the object's existence is no news).
    """
    if refusal_seen and answer.status_code == 403:
        return
    got, expected = normalised(answer, url), normalised(missing, missing_url)
    assert got == expected, (
        f"{what}: out of scope answered {got[0]} {got[1]} {got[2][:300]!r} but a missing id "
        f"answered {expected[0]} {expected[1]} {expected[2][:300]!r}: that tells the caller "
        "the object exists"
    )


def check_in_scope(
    what: str,
    answer: Any,
    url: str,
    missing: Any,
    missing_url: str,
    *,
    user: Any,
    safe: bool,
    requires: tuple[str, ...] | None,
    anonymous_refusals: tuple[int, ...],
) -> None:
    """In scope answers 2xx (3xx for a console form), or 403 where the role table says so.

    ``requires`` are the capabilities of which the role needs one (None: none needed). An
    unsafe call may also meet a rule of the domain (400, 409 …) or name another object that
    is missing (a 404 unlike the missing object's).
    """
    status = answer.status_code
    shown = f"{what}: in scope answered {status} {getattr(answer, 'content_bytes', b'')[:300]!r}"
    if not scope.is_active(user):
        assert 200 <= status < 300 or status in anonymous_refusals, shown
        return
    if requires is not None and not has_any(user, requires):
        assert status == 403, f"{shown}; the role lacks {requires}: expected 403"
        return
    if safe:
        assert 200 <= status < 400, shown
        return
    assert status < 500, shown
    assert status not in {401, 403}, shown
    if status == 404:
        assert normalised(answer, url) != normalised(missing, missing_url), (
            f"{shown}, exactly like a missing id"
        )


def check_answer(
    which: str,
    what: str,
    answer: Any,
    url: str,
    missing: Any,
    missing_url: str,
    *,
    written: int,
    user: Any,
    label: str,
    target: Any,
    safe: bool,
    requires: tuple[str, ...] | None,
    anonymous_refusals: tuple[int, ...],
) -> None:
    """Judge one case: out of scope like missing and writing nothing, in scope as expected."""
    if which == "out":
        refusal_seen = (
            requires is not None and not has_any(user, requires) and viewable(label, user, target)
        )
        check_out_of_scope(what, answer, url, missing, missing_url, refusal_seen=refusal_seen)
        assert written == 0, f"{what}: out of scope wrote {written} audit rows"
        return
    check_in_scope(
        what,
        answer,
        url,
        missing,
        missing_url,
        user=user,
        safe=safe,
        requires=requires,
        anonymous_refusals=anonymous_refusals,
    )


# URL namespaces outside the console's data scope, and why.
EXCLUDED_NAMESPACES: dict[str, str] = {
    "admin": "Django's admin: open to is_staff accounts only, which are operators, not roles",
    "api": "the REST API: covered operation by operation in test_api_matrix.py",
}


def console_patterns() -> list[dict[str, Any]]:
    """Every console URL pattern, in route order: its name and its keywords."""
    found: list[dict[str, Any]] = []

    def walk(resolver: URLResolver, namespace: str | None) -> None:
        for entry in resolver.url_patterns:
            if isinstance(entry, URLResolver):
                inner = entry.namespace or None
                if inner in EXCLUDED_NAMESPACES or namespace in EXCLUDED_NAMESPACES:
                    continue
                walk(entry, f"{namespace}:{inner}" if namespace and inner else inner or namespace)
            elif isinstance(entry, URLPattern):
                name = f"{namespace}:{entry.name}" if namespace else entry.name
                found.append({"name": name, "names": list(entry.pattern.converters)})

    walk(get_resolver(), None)
    return found
