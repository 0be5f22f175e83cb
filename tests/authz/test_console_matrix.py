"""The console's authorization matrix: every URL with an object × every role × in, out, missing.

Generated from Django's URL resolver (every pattern of every app with an object keyword) and
from the data-scope registry. Pages are fetched with GET; a view that takes only POST (it
answers 405 to GET) gets a POST of ``FORMS``. Out of scope must answer exactly like a missing
id (status, redirect and page, without the CSRF token and the request's own path) and write
nothing to the audit trail; in scope answers 2xx or 3xx, or 403 where the role table refuses
the role (``REQUIRES``).
"""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from jineng.core.models import AuditEvent
from tests.authz import matrix
from tests.authz.world import ROLES, World

# Holes the matrix found, by "<url name>|<role>|<in or out>": expected to fail, strictly, so
# that each entry must go as soon as its hole is fixed.
KNOWN_HOLES: dict[str, str] = {}


# The capabilities of which a role needs one to open the page or send the form
# (jineng/accounts/roles.py): in scope, a role without any of them must get 403.
_DECIDE = ("decide_accreditation",)
_EDIT = ("edit_catalogs",)
_CLASSES = ("manage_classes",)
# The worker's capability: their own person is the only one in their scope, and theirs to see.
_WORKER = "enrol_self"
REQUIRES: dict[str, tuple[str, ...]] = {
    "people:reveal": ("view_full_pii", _WORKER),
    "people:membership_add": ("record_memberships",),
    "accreditations:approve": _DECIDE,
    "accreditations:reject": _DECIDE,
    "accreditations:suspend": _DECIDE,
    "accreditations:lift": _DECIDE,
    "accreditations:withdraw": _DECIDE,
    "catalogs:workbench": (*_EDIT, "publish_catalogs"),
    "catalogs:entry_add": _EDIT,
    "catalogs:entry_edit": _EDIT,
    "catalogs:entry_remove": _EDIT,
    "catalogs:change_delete": _EDIT,
    "catalogs:appeal_decide": ("decide_appeals",),
    "catalogs:appeal_file": ("file_appeals",),
    "attendance:sheet": ("view_attendance",),
    "attendance:sheet_xlsx": ("view_attendance",),
    "attendance:screen": ("record_attendance",),
    "attendance:code": ("record_attendance",),
    "attendance:manual": ("record_attendance",),
    "attendance:review": ("review_check_ins",),
    "training:create": _CLASSES,
    "training:programme_edit": _CLASSES,
    "training:venue_edit": _CLASSES,
    "training:teacher_edit": _CLASSES,
    "training:edit": _CLASSES,
    "training:transfer": _CLASSES,
    "training:find_enrol": (_WORKER,),
    "training:withdraw": (*_CLASSES, _WORKER),
    # An organisation's administrator (a flag on its account, not a role) manages its staff
    # too; the matrix's organisation accounts are no administrators, so they get 403 in scope.
    "certificates:suspend": ("manage_certificates",),
    "certificates:revoke": ("manage_certificates",),
    "certificates:reinstate": ("manage_certificates",),
    # Only the holder downloads the credential (a worker: the holder's own is all they see).
    "certificates:credential_jwt": (_WORKER,),
    "certificates:credential_json": (_WORKER,),
    "assessment:file": ("run_assessments",),
    "assessment:close": ("run_assessments",),
    "assessment:issue": ("run_assessments",),
    "assessment:request_change": ("supervise_assessments",),
    "assessment:finding": ("record_supervision",),
    # The judge pool is kept by manage_experts; readers (view_assessments) see it only. An
    # expert's own account declares their own relations.
    **{
        f"experts:{name}": ("manage_experts",)
        for name in (
            "edit",
            "occupation_add",
            "occupation_end",
            "qualification_add",
            "deactivate",
            "reactivate",
            "draw_cancel",
        )
    },
    "experts:relation_add": ("manage_experts", _WORKER),
    "organizations:detail": ("manage_organizations",),
    "organizations:edit": ("manage_organizations",),
    "organizations:staff_create": ("manage_organizations",),
    "organizations:staff_action": ("manage_organizations",),
    # Subsidies: claims for one's own classes, reviews, approval, the worker's own line.
    # subsidies:claim_class needs none: anyone who sees the class sees who claims it (GET);
    # its POST, the claim, is submit_class_claim's in the API matrix.
    "subsidies:claim_first_review": ("review_claims",),
    "subsidies:claim_second_review": ("review_claims",),
    "subsidies:claim_start_notice": ("review_claims", "approve_claims"),
    "subsidies:claim_approve": ("approve_claims",),
    "subsidies:claim_reject": ("review_claims", "approve_claims"),
    "subsidies:claim_objection_resolve": ("review_claims",),
    "subsidies:claim_payment_file": ("pay_claims",),
    "subsidies:line_confirm": (_WORKER,),
    "subsidies:line_dispute": (_WORKER,),
    "subsidies:rule_set_activate": ("manage_subsidy_rules",),
    # Funds: the finance officer's batches and payment files, reversals and recoveries.
    "funds:batch_detail": ("view_subsidies",),
    "funds:payment_file": ("pay_claims",),
    "funds:reverse_payment": ("manage_funds",),
    "funds:record_recovery": ("manage_funds",),
    # Fraud alerts: seen with view_alerts, worked with work_alerts, people's numbers shown
    # in full with view_full_pii.
    "fraud:alert_detail": ("view_alerts",),
    "fraud:alert_reveal": ("view_full_pii",),
    "fraud:alert_dispose": ("work_alerts",),
}
# Pages whose object is acted on otherwise than their method says: the appeal form (GET too)
# files an appeal; enrolling oneself needs only to see the class.
ACTIONS: dict[str, str] = {"catalogs:appeal_file": "change", "training:find_enrol": "view"}

# Form fields of POST-only views (the rest get an empty form: scope is checked first).
FORMS: dict[str, dict[str, Any]] = {
    "certificates:suspend": {"suspend-reason": "authorization matrix"},
    "certificates:revoke": {"revoke-reason": "authorization matrix"},
    "certificates:reinstate": {"reinstate-reason": "authorization matrix"},
    "subsidies:claim_first_review": {"note": "authorization matrix"},
    "subsidies:claim_second_review": {"note": "authorization matrix"},
    "subsidies:claim_reject": {"reasons": "authorization matrix"},
    "subsidies:line_dispute": {"text": "authorization matrix"},
    "funds:reverse_payment": {"memo": "authorization matrix"},
    "funds:record_recovery": {"amount": "1.00"},
    "fraud:alert_reveal": {"purpose": "authorization matrix"},
    "fraud:alert_dispose": {"outcome": "cleared", "reason": "authorization matrix"},
}


# Query strings a page needs to answer at all (a download's layout …).
QUERIES: dict[str, str] = {
    "funds:payment_file": "?layout=example_csv",
    "subsidies:claim_payment_file": "?layout=example_csv",
}


PATTERNS = [p for p in matrix.console_patterns() if p["names"]]


def _object_patterns() -> list[dict[str, Any]]:
    chosen = []
    for pattern in PATTERNS:
        params = [matrix.classify(n, pattern["name"]) for n in pattern["names"]]
        if any(p is None or p.label is not None for p in params):
            chosen.append(pattern)
    return chosen


def _cases() -> list[Any]:
    cases = []
    for pattern in _object_patterns():
        for role in ROLES:
            for which in ("in", "out"):
                key = f"{pattern['name']}|{role}|{which}"
                marks = []
                if key in KNOWN_HOLES:
                    marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_HOLES[key]))
                cases.append(pytest.param(pattern, role, which, id=key, marks=marks))
    return cases


def _read(response: Any) -> Any:
    if response.streaming:
        response.content_bytes = b"".join(response.streaming_content)
    else:
        response.content_bytes = response.content
    return response


@pytest.mark.parametrize(("pattern", "role", "which"), _cases())
def test_console_answers_by_scope(
    pattern: dict[str, Any], role: str, which: str, world: World, db: None
) -> None:
    params = []
    for name in pattern["names"]:
        param = matrix.classify(name, pattern["name"])
        if param is None:
            pytest.fail(matrix.unclassified_message(name, pattern["name"], pattern["name"]))
        params.append(param)
    label = matrix.params_with_objects(params)[-1].label
    assert label is not None
    user = world.user(role)
    client = Client()
    if role in world.users:
        client.force_login(user)
    query = QUERIES.get(pattern["name"], "")
    missing_url = reverse(pattern["name"], kwargs=matrix.fill(params, None, world)) + query
    missing = _read(client.get(missing_url))
    safe = missing.status_code != 405
    if not safe:
        form = FORMS.get(pattern["name"], {})
        missing = None

    action = ACTIONS.get(pattern["name"], "view" if safe else "change")
    target = matrix.pick(world, label, user, action, which == "in")
    if target is None:
        pytest.skip(
            f"the world has no {label} {'in' if which == 'in' else 'out of'} {role}'s scope"
        )
    url = reverse(pattern["name"], kwargs=matrix.fill(params, target, world)) + query
    what = f"{'GET' if safe else 'POST'} {pattern['name']} as {role} on {label} {target.pk}"

    def send(to: str) -> Any:
        return _read(client.get(to) if safe else client.post(to, form))

    before = AuditEvent.objects.count()
    answer = send(url)
    written = AuditEvent.objects.count() - before
    if missing is None:
        missing = send(missing_url)

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
        requires=REQUIRES.get(pattern["name"]),
        anonymous_refusals=(302,),
    )
