"""The authorization matrix of lists: every list operation and page × every role.

A list shows exactly the rows of its model that the data-scope registry lets the caller view
(``visible(user, "view")``), or, for a list with a fixed narrower filter (running classes
only, the submitted ones …), exactly those of them that pass the filter; it never shows a row
out of scope. The API's rows are its ``items[].id``; a page's are the objects its links and
forms name (resolved through the URL patterns and classified like the object matrix), or,
for rows a page shows without a link, the rows of its context.

``LISTS`` maps every list to its model; ``LIST_EXEMPTIONS`` gives the reason for every other
page and list operation that has no object parameter. A new list without an entry fails
``test_list_is_classified`` with what to add.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db.models import Q
from django.test import Client
from django.urls import Resolver404, resolve, reverse

from jineng.core import scope
from tests.api_fuzz.conftest import load_openapi
from tests.authz import matrix
from tests.authz.test_api_matrix import PARAMETER
from tests.authz.world import ROLES, World

# Holes the list matrix found, by "<list>|<role>": expected to fail, strictly, so that each
# entry must go as soon as its hole is fixed.
KNOWN_HOLES: dict[str, str] = {}


def can(*capabilities: str) -> Callable[[Any], bool]:
    """The role of the user grants one of the capabilities (jineng/accounts/roles.py)."""
    return lambda user: matrix.has_any(user, capabilities)


def roles(*names: str) -> Callable[[Any], bool]:
    """The user is active and has one of the roles."""
    return lambda user: scope.is_active(user) and user.role in names


def person(user: Any) -> bool:
    """The user is a signed-in account of a person (a worker)."""
    return scope.is_active(user) and bool(user.person_id)


def signed_in(user: Any) -> bool:
    """Any signed-in, active account."""
    return scope.is_active(user)


@dataclass(frozen=True)
class Rows:
    """The rows of one model that a list shows, and how they are expected.

    ``narrower``: a fixed filter the list applies on top of the scope (a Q, or a function of
    the world returning one), with ``why``. ``public``: the list is a public one, the same for
    everyone: it shows what an anonymous visitor may view (narrowed), whoever asks.
    ``context``: read the rows from the page's context (a function of it returning objects)
    instead of its links. ``subset``: the list shows a part of the expected rows only that no
    fixed filter describes (``why`` says which part); it must still show none outside it.
    """

    label: str
    narrower: Q | Callable[[World], Q] | None = None
    why: str = ""
    public: bool = False
    context: Callable[[Any], Iterable[Any]] | None = None
    subset: bool = False


@dataclass(frozen=True)
class ListOf:
    """One list (an API operation or a console page): who may read it and what it shows.

    ``may``: the users the list answers (others are refused: 401/403, or the login redirect
    or 404 a page gives); None for anyone. ``query``: the query string sent (the API asks for
    the largest page).
    """

    rows: tuple[Rows, ...]
    may: Callable[[Any], bool] | None = None
    query: str = ""


_LIMIT = "limit=200"
_CLASSES = ("manage_classes", "approve_classes", "view_attendance")
_ACCREDITATIONS = can("view_accreditations", "apply_accreditation")
_RUNNING = Q(status="running")
_PUBLISHED_CHANGE = Q(version__status__in=("published", "superseded"))


def _current_version(world: World) -> Q:
    from jineng.catalogs import queries

    current = queries.current_version("training_institutions")
    return Q(version=current.pk if current else None)


def _open_appeals(world: World) -> Q:
    return Q(status="filed")


# Every list and the model it shows. Keys: the API's operationId, the console's URL name.
LISTS: dict[str, ListOf] = {
    # The API.
    "list_people": ListOf((Rows("people.person"),), may=signed_in, query=_LIMIT),
    "list_organizations": ListOf((Rows("organizations.organization"),), signed_in, _LIMIT),
    "list_applications": ListOf(
        (Rows("accreditations.accreditationapplication"),), signed_in, _LIMIT
    ),
    "list_accreditations": ListOf((Rows("accreditations.accreditation"),), signed_in, _LIMIT),
    "list_competitions": ListOf((Rows("talent.competition"),), can("view_talent"), _LIMIT),
    "list_rounds": ListOf((Rows("talent.awardround"),), can("view_talent"), _LIMIT),
    "list_sessions": ListOf((Rows("assessment.assessmentsession"),), signed_in, _LIMIT),
    "list_experts": ListOf(
        (Rows("experts.expert", narrower=Q(active=True), why="the experts still in the pool"),),
        signed_in,
        _LIMIT,
    ),
    "list_appeals": ListOf(
        (Rows("catalogs.catalogappeal"),), can("decide_appeals", "file_appeals"), _LIMIT
    ),
    "list_check_ins": ListOf((Rows("attendance.attendance"),), signed_in, _LIMIT),
    "list_classes": ListOf((Rows("training.trainingclass"),), signed_in, _LIMIT),
    "list_enrolments": ListOf((Rows("training.enrolment"),), signed_in, _LIMIT),
    "list_changes": ListOf(
        (
            Rows(
                "catalogs.catalogchange",
                narrower=_PUBLISHED_CHANGE,
                why="the public change log: published changes, for anyone",
                public=True,
            ),
        ),
        query=_LIMIT,
    ),
    "list_current_entries": ListOf(
        (
            Rows(
                "catalogs.catalogentry",
                narrower=_current_version,
                why="the public catalog: the entries of the version in force today",
                public=True,
            ),
        ),
        query=_LIMIT,
    ),
    "list_versions": ListOf(
        (
            Rows(
                "catalogs.catalogversion",
                narrower=Q(catalog__kind="training_institutions"),
                why="the versions of the catalog asked for",
            ),
        ),
    ),
    # The console.
    "people:list": ListOf((Rows("people.person"),), can("view_people")),
    "accreditations:list": ListOf((Rows("accreditations.accreditation"),), _ACCREDITATIONS),
    "talent:competitions": ListOf(
        (
            Rows("talent.competition"),
            Rows(
                "talent.promotionproposal",
                narrower=Q(status="proposed"),
                subset=True,
                why="the promotions waiting for a decision, shown to manage_talent only",
            ),
        ),
        can("view_talent"),
    ),
    "talent:rounds": ListOf((Rows("talent.awardround"),), can("view_talent")),
    "assessment:list": ListOf(
        (Rows("assessment.assessmentsession"),), can("view_assessments", "run_assessments")
    ),
    "assessment:plans": ListOf(
        (
            Rows(
                "assessment.assessmentsession",
                narrower=Q(status="filed"),
                why="the plans filed and waiting for the examiner draw",
            ),
        ),
        can("supervise_assessments"),
    ),
    "assessment:mine": ListOf(
        (
            Rows(
                "assessment.assessmentsession",
                subset=True,
                why="the sessions the user was drawn to examine or assigned to supervise",
            ),
        ),
        signed_in,
    ),
    "assessment:changes": ListOf(
        (
            Rows(
                "assessment.scorechange",
                context=lambda c: c["changes"],
                subset=True,
                why="the changes awaiting approval that another bureau user asked for",
            ),
        ),
        can("supervise_assessments"),
    ),
    "talent:studios": ListOf((Rows("talent.masterstudio"),), can("view_talent")),
    "experts:list": ListOf(
        (Rows("experts.expert", narrower=Q(active=True), why="the experts still in the pool"),),
        can("manage_experts", "view_assessments"),
    ),
    "experts:draws": ListOf((Rows("experts.draw"),), can("manage_experts", "view_assessments")),
    "accreditations:applications": ListOf(
        (Rows("accreditations.accreditationapplication"),), _ACCREDITATIONS
    ),
    "catalogs:console": ListOf((Rows("catalogs.catalogversion"),), can("edit_catalogs")),
    "catalogs:appeal_queue": ListOf(
        (
            Rows(
                "catalogs.catalogappeal",
                narrower=_open_appeals,
                why="the queue opens on the appeals still to decide",
            ),
        ),
        can("decide_appeals"),
    ),
    "catalogs:my_appeals": ListOf(
        (
            Rows(
                "catalogs.catalogappeal",
                context=lambda c: c["appeals"],
            ),
            Rows(
                "catalogs.catalogchange",
                subset=True,
                why="the published removals and suspensions of the user's organisation not "
                "appealed yet (each links to its appeal form)",
            ),
        ),
        can("file_appeals"),
    ),
    "catalogs:versions": ListOf(
        (Rows("catalogs.catalogversion", why="published versions, for anyone", public=True),)
    ),
    "attendance:mine": ListOf(
        (Rows("attendance.attendance", context=lambda c: c["attendances"]),), person
    ),
    "training:list": ListOf((Rows("training.trainingclass"),), can(*_CLASSES)),
    "attendance:manual_share": ListOf(
        (
            Rows(
                "training.trainingclass",
                narrower=Q(sessions__attendances__isnull=False),
                why="the manual-share overview: classes with check-ins",
            ),
        ),
        roles("bureau_admin", "reviewer", "auditor"),
    ),
    "attendance:flagged": ListOf(
        (
            Rows(
                "attendance.attendance",
                narrower=Q(is_flagged=True, review="")
                & ~Q(enrolment__training_class__status__in=("closed", "archived")),
                why="the review queue: flagged check-ins not decided, of unfinished classes",
            ),
        ),
        can("review_check_ins"),
    ),
    "training:programmes": ListOf((Rows("training.programme"),), can("manage_classes")),
    "training:venues": ListOf((Rows("training.venue"),), can("manage_classes")),
    "training:teachers": ListOf((Rows("training.teacher"),), can("manage_classes")),
    "training:approvals": ListOf(
        (
            Rows(
                "training.trainingclass",
                narrower=Q(status="submitted"),
                why="the approval queue: submitted classes",
            ),
        ),
        can("approve_classes"),
    ),
    "training:running": ListOf(
        (Rows("training.trainingclass", narrower=_RUNNING, why="running classes only"),),
        roles("bureau_admin", "reviewer", "auditor", "system"),
    ),
    "training:find": ListOf(
        (
            Rows(
                "training.trainingclass",
                why="找培训, the public class finder: approved and running classes, for anyone",
                public=True,
            ),
        ),
    ),
    "organizations:list": ListOf(
        (Rows("organizations.organization"),), can("manage_organizations")
    ),
    "training:mine": ListOf((Rows("training.enrolment"),), person),
    "records:mine": ListOf((Rows("records.sharelink"),), person),
    "notifications:inbox": ListOf((Rows("notifications.notification"),), signed_in),
    "list_notifications": ListOf((Rows("notifications.notification"),), signed_in, _LIMIT),
    "list_certificates": ListOf((Rows("certificates.certificate"),), signed_in, _LIMIT),
    "certificates:list": ListOf(
        (Rows("certificates.certificate"),),
        lambda user: (
            roles("bureau_admin", "reviewer", "auditor")(user)
            or (scope.is_active(user) and bool(user.organization_id))
        ),
    ),
    # Subsidies, funds and fraud.
    "list_subsidy_claims": ListOf((Rows("subsidies.claim"),), signed_in, _LIMIT),
    "list_claim_lines": ListOf((Rows("subsidies.claimline"),), signed_in, _LIMIT),
    "list_rule_sets": ListOf((Rows("subsidies.ruleset"),), signed_in, _LIMIT),
    "list_alerts": ListOf((Rows("fraud.alert"),), can("view_alerts"), _LIMIT),
    "subsidies:claims": ListOf((Rows("subsidies.claim"),), signed_in),
    "subsidies:rule_sets": ListOf((Rows("subsidies.ruleset"),), signed_in),
    "fraud:alert_list": ListOf(
        (
            Rows(
                "fraud.alert",
                narrower=Q(status="open"),
                why="the queue opens on the alerts still open",
            ),
        ),
        can("view_alerts"),
    ),
    "people:import": ListOf(
        (
            Rows(
                "core.job:people.import",
                why="the upload page lists the account's own import jobs",
            ),
        ),
        can("import_people"),
    ),
    "people:import_history": ListOf(
        (
            Rows(
                "core.job:people.import",
                why="the history lists the account's own import jobs",
            ),
        ),
        can("import_people"),
    ),
}

_NOT_A_LIST = "not a list of scoped objects"
# Pages and list operations without an object parameter that list no scoped model, and why.
LIST_EXEMPTIONS: dict[str, str] = {
    "list_catalogs": "the four catalogs and their versions in force: public, for anyone",
    "entry_history": "one entry's published history (by key): public, for anyone",
    "home": "the workspace (工作台): a few items of each queue the role may act on, built "
    "from each app's scoped lists (those lists are rows here); exact items and scope per "
    "role in jineng/workspace/tests",
    "healthz": "a health probe",
    "audit_checkpoints": "the audit trail's signed checkpoints (stream, count, head hash): "
    "public by design, they name no person",
    "readyz": "a readiness probe",
    "set_language": "switches the interface language",
    "accounts:login": "the sign-in form",
    "accounts:logout": "signs out (POST)",
    "accounts:second_factor": "the second-factor form of the signing-in account",
    "accounts:totp_enrol": "the account's own second factor",
    "accounts:totp_remove": "the account's own second factor (POST)",
    "accounts:security": "the account's own security page",
    "accounts:password_change": "the account's own password",
    "accounts:security_policy": "the city-wide security policy (manage_security)",
    "accounts:lockouts": "locked (username, address) login pairs, no object scope: "
    "manage_security only (403 otherwise)",
    "accounts:lockout_unlock": "unlocks a login pair (POST, manage_security)",
    "registration:sms_outbox": "the development gateway's kept text messages (masked "
    "numbers), no object scope: manage_security only (403 otherwise)",
    "registration:register": "the self-registration form (anonymous)",
    "registration:confirm": "confirms the registering worker's own phone by code (session)",
    "registration:resend": "sends the registering worker a new code (POST, session)",
    "registration:reset": "the forgotten-password form (anonymous, answers alike for any number)",
    "registration:reset_confirm": "sets a new password by the phone's code (session)",
    "registration:provider_begin": "sends the browser to a configured identity provider (POST)",
    "registration:provider_callback": "takes the provider's answer into the session",
    "registration:verified": "finishes a provider-verified registration (session)",
    "accounts:audit": "the audit trail: view_audit roles only; an account limited to a region "
    "reads the events about its people and organisations (ADR 0002), exact rows in "
    "jineng/accounts/tests/test_audit_trail_scope.py",
    "people:lookup": "an audited lookup by full number (POST): covered by people's tests",
    "people:export": "the export form; its rows are people:list's search (one filter)",
    "people:export_queue": "queues an export (POST)",
    "auditor": "the auditor's page: counts from each app's scoped lists (those lists are rows "
    "here) and their export forms; panels per role in jineng/workspace/tests/test_auditor.py",
    "subsidies:claims_export": "an xlsx download (POST) of subsidies:claims' rows for "
    "view_subsidies roles (403 otherwise); exact rows per role in subsidies/tests/test_exports.py",
    "funds:ledger_export": "an xlsx download (POST) of funds:ledger's entries (view_subsidies, "
    "city-wide; 403 otherwise); exact rows in jineng/funds/tests/test_exports.py",
    "fraud:alert_export": "an xlsx download (POST) of fraud:alert_list's rows (view_alerts; 403 "
    "otherwise); exact rows per role in jineng/fraud/tests/test_exports.py",
    "auditor_export_claims": "queues subsidies:claims_export in the background (POST)",
    "auditor_export_ledger": "queues funds:ledger_export in the background (POST)",
    "auditor_export_alerts": "queues fraud:alert_export in the background (POST)",
    "records:mine_reveal": "the worker's own full numbers (POST)",
    "records:mine_json": "the worker's own record",
    "records:mine_pdf": "the worker's own record",
    "records:share_create": "creates a share link (POST)",
    "records:shared": "a shared record, by its secret token",
    "accreditations:apply": "the application form",
    "assessment:create": "the new-session form",
    "experts:create": "the new-expert form (manage_experts): the person is named by citizen ID "
    "and name in the POST, through the people access layer",
    "experts:me": "redirects the signed-in expert to their own page (404 for anyone else)",
    "experts:draw_create": "the draw form (manage_experts)",
    "list_pool": "the talent pool: people (view_talent only) who qualify by certificate, award "
    "or medal, within people's scope; exact rows in jineng/talent/tests/test_pool.py",
    "talent:pool": "the talent pool, as list_pool: exact rows in jineng/talent/tests/test_pool.py",
    "talent:goals": "counts against the bureau's goals, no rows (view_talent; goal form POST "
    "manage_talent)",
    "talent:public_rounds": "the award rounds on public notice or published: public, masked "
    "(talent.queries.public_rounds)",
    "talent:public_notice": "one round's public notice (public parameter): masked nominees, and "
    "the objection form that reads nothing",
    "talent:public_winners": "one round's published winners (public parameter): masked",
    "certificates:export": "the national upload file: certificates:list's rows (same filters), "
    "manage_certificates with view_full_pii only (403 otherwise), audited",
    "verify:check": "public verification: a number to look up, or a credential to check",
    "verify:certificate": "one certificate's public check by its number (public parameter): "
    "a masked summary for anyone",
    "credentials:jwks": "the certificates' public signing keys (JWKS): public, for verifiers",
    "credentials:did": "the certificates' issuer did:web document: public, for verifiers",
    "credentials:status_list": "a signed Bitstring Status List (revocation or suspension): "
    "public bits, no names, for verifiers",
    "catalogs:index": "the public catalogs and the version in force of each",
    "catalogs:organization": "an organisation's entries in the published catalogs: public",
    "catalogs:catalog": "the public catalog in force: published entries, for anyone",
    "catalogs:changes": "the public change log (list_changes covers its rows)",
    "catalogs:history": "one entry's published history: public",
    "catalogs:download": "the public catalog as a file",
    "catalogs:draft_new": "the new-draft form",
    "catalogs:draft_import": "the draft import form",
    "catalogs:draft_register": "the draft-from-register form",
    "attendance:check_in": "a worker's own check-in by session code",
    "learning:about": "xAPI: the LRS's about document",
    "learning:statements": "xAPI: learning platforms' credentials only, bureau-wide platforms",
    "learning:activities": "xAPI: learning platforms' credentials only",
    "learning:state": "xAPI: learning platforms' credentials only",
    "learning:activity_profile": "xAPI: learning platforms' credentials only",
    "learning:agents": "xAPI: learning platforms' credentials only",
    "learning:agent_profile": "xAPI: learning platforms' credentials only",
    "learning_console:platforms": "learning platforms: the bureau's, city-wide, no scope",
    "learning_console:credential_create": "a platform's credentials: the bureau's, city-wide",
    "learning_console:credential_revoke": "a platform's credential: the bureau's, city-wide",
    "learning_console:platform_registrations": "a platform's registrations: the bureau's, "
    "city-wide",
    "api-not-found": "the API's 404 answer",
    "organizations:create": "the organisation registration form (manage_organizations)",
    "organizations:accounts": "every account, for the bureau (manage_security, 403 otherwise): "
    "accounts are no scoped model; its organisation links are the bureau's, city-wide",
    "organizations:account_active": "deactivates or reactivates an account (POST, manage_security)",
    "organizations:set_password": "the set-password form of a one-time link's holder",
    "organizations:account_create": "opens a bureau account (manage_security): no object scope",
    "organizations:account_password": "gives an account a set-password link (POST, "
    "manage_security)",
    "statistics:dashboard": "city-wide aggregates, no row named: view_statistics roles only "
    "(403 otherwise), small counts suppressed (ADR 0013)",
    "statistics:export": "the dashboard's aggregates as xlsx: view_statistics only",
    "statistics:monthly_report": "a month's city-wide aggregates as PDF or xlsx: "
    "view_statistics only",
    "notifications:read_all": "marks the account's own notifications read (POST)",
    "list_claim_notice": "the public notice (公示): claims in notice, masked, for anyone "
    "(subsidies.notices); exact rows in jineng/subsidies/tests/test_services_notices.py",
    "list_balances": "each fund source's budget, committed, paid and available sums by year: "
    "aggregates that name no claim or person (view_subsidies)",
    "list_transactions": "the fund's ledger (view_subsidies, city-wide): entries by reference, "
    "no organisation's or person's scope; exact rows in jineng/funds/tests/test_api.py",
    "list_rules": "the fraud rules' versions and thresholds: the bureau's, city-wide (view_alerts)",
    "funds:balances": "the budgets' sums per source and year, as list_balances",
    "funds:ledger": "the fund's ledger, as list_transactions (view_subsidies, city-wide)",
    "funds:set_budget": "the budget form (manage_funds)",
    "funds:batches": "payment batches: the finance officer's (pay_claims), city-wide",
    "funds:recoveries": "recovery orders: the finance officer's (manage_funds), city-wide",
    "funds:reconciliation": "the ledger's reconciliation of sums: no row named",
    "subsidies:rule_set_upload": "the rule file upload form (manage_subsidy_rules)",
    "subsidies:rule_set_example": "the example rule workbook: a blank template",
    "subsidies:rule_simulation": "replays a year under a rule set: sums by target group and "
    "town, no row named (manage_subsidy_rules)",
    "subsidies:claim_queue": "the claims waiting for the user's step (review, approve): "
    "subsidies:claims' rows narrowed by step; exact rows in jineng/subsidies/tests",
    "subsidies:claim_payments": "the approved claims to pay and their batches (pay_claims)",
    "subsidies:my_subsidies": "the worker's own lines (subsidies.queries.lines_for_person)",
    "subsidies:notice": "the public notice (公示), as list_claim_notice",
    "subsidies:notice_claim": "one claim on the public notice (public parameter): masked lines, "
    "and the objection form that reads nothing",
    "fraud:rule_list": "the fraud rules and their thresholds: the bureau's, city-wide",
    "fraud:rule_detail": "one fraud rule's versions (by code): the bureau's, city-wide",
    "fraud:scan_start": "the scan form (manage_fraud_rules)",
}


def _is_list_schema(schema: dict[str, Any], schemas: dict[str, Any]) -> bool:
    """A page of items (``{items: [...]}``) or a plain array."""
    if "$ref" in schema:
        schema = schemas[schema["$ref"].rsplit("/", 1)[-1]]
    if schema.get("type") == "array":
        return True
    return schema.get("properties", {}).get("items", {}).get("type") == "array"


def _list_operations() -> list[dict[str, Any]]:
    """GET operations without an object path parameter that answer a list."""
    document = load_openapi()
    schemas = document["components"]["schemas"]
    found = []
    for path, item in document["paths"].items():
        operation = item.get("get")
        if operation is None:
            continue
        names = PARAMETER.findall(path)
        params = [matrix.classify(name) for name in names]
        if any(p is None or p.label is not None for p in params):
            continue  # an object operation: the object matrix covers it
        answer = operation.get("responses", {}).get("200", {})
        schema = answer.get("content", {}).get("application/json", {}).get("schema", {})
        if _is_list_schema(schema, schemas):
            found.append({"id": operation["operationId"], "path": path, "names": names})
    return found


def _pages() -> list[dict[str, Any]]:
    """Console URL patterns without an object keyword (public keywords only, or none)."""
    found = []
    for pattern in matrix.console_patterns():
        params = [matrix.classify(n, pattern["name"]) for n in pattern["names"]]
        if all(p is not None and p.label is None for p in params):
            found.append({"id": pattern["name"], "names": pattern["names"]})
    return found


LIST_OPERATIONS = _list_operations()
PAGES = _pages()


@pytest.mark.parametrize(
    "key", [o["id"] for o in LIST_OPERATIONS] + [p["id"] for p in PAGES if p["id"]]
)
def test_list_is_classified(key: str) -> None:
    assert key in LISTS or key in LIST_EXEMPTIONS, (
        f"{key} has no object parameter and is not classified for the list matrix: add it to "
        f"LISTS in tests/authz/test_list_matrix.py with the model of the rows it shows "
        "(and who may read it), or, if it lists nothing an organisation or person owns, to "
        "LIST_EXEMPTIONS with the reason"
    )
    assert not (key in LISTS and key in LIST_EXEMPTIONS), f"{key} is both listed and exempt"


def test_list_entries_exist() -> None:
    """An entry for a list or page that is gone must go (it would test nothing)."""
    known = {o["id"] for o in LIST_OPERATIONS} | {p["id"] for p in PAGES}
    stale = sorted((set(LISTS) | set(LIST_EXEMPTIONS)) - known)
    assert not stale, f"remove from LISTS / LIST_EXEMPTIONS (no such list or page): {stale}"


@pytest.fixture(scope="module")
def listed(world: World, django_db_blocker: Any) -> World:
    """The world with rows the plain world lacks, kept for this module only.

    A's and B's open classes are started (the running list, check-ins); the drafts are
    marked submitted (the approval queue: only a subsidised class is submitted, and the
    world's claim none, so the status is set directly); each trainee is checked in by their
    institution, and B's check-in is flagged for review.
    """
    from jineng.attendance.models import Attendance
    from jineng.attendance.services import record_manual_check_in
    from jineng.training import services as training
    from jineng.training.models import TrainingClass

    with django_db_blocker.unblock():
        for n, role in enumerate(("staff_a", "staff_b")):
            actor = world.users[role]
            opened, draft = world.objects["training.trainingclass"][2 * n : 2 * n + 2]
            training.transition(opened.pk, "running", actor=actor)
            TrainingClass.objects.filter(pk=draft.pk).update(status="submitted")
            enrolment = world.objects["training.enrolment"][n]
            record_manual_check_in(
                opened.sessions.get().pk, enrolment.pk, reason="authorization matrix", actor=actor
            )
        # B's check-in waits for a reviewer (the flagged queue); A's stays unflagged.
        Attendance.objects.filter(enrolment=world.objects["training.enrolment"][1]).update(
            is_flagged=True
        )
    return world


_LINK = re.compile(rb'(?:href|action)="([^"]*)"')


def linked(body: bytes) -> dict[str, set[int]]:
    """The objects a page names in its links and forms, by label (as the matrix classifies)."""
    found: dict[str, set[int]] = {}
    for raw in _LINK.findall(body):
        path = urllib.parse.urlsplit(raw.decode().replace("&amp;", "&")).path
        try:
            match = resolve(path)
        except Resolver404:
            continue
        if match.namespace in matrix.EXCLUDED_NAMESPACES:
            continue
        params = [matrix.classify(k, match.view_name) for k in match.kwargs]
        objects = matrix.params_with_objects([p for p in params if p is not None])
        if objects:
            last = objects[-1]
            assert last.label is not None
            found.setdefault(last.label, set()).add(int(match.kwargs[last.name]))
    return found


def _expected(rows: Rows, user: Any, world: World) -> set[int]:
    viewer = AnonymousUser() if rows.public else user
    found = matrix.visible(rows.label, viewer, scope.VIEW)
    narrower = rows.narrower(world) if callable(rows.narrower) else rows.narrower
    if narrower is not None:
        found = found.filter(narrower)
    return set(found.values_list("pk", flat=True))


def _cases() -> list[Any]:
    cases = []
    for key in LISTS:
        for role in ROLES:
            marks = []
            if f"{key}|{role}" in KNOWN_HOLES:
                marks.append(pytest.mark.xfail(strict=True, reason=KNOWN_HOLES[f"{key}|{role}"]))
            cases.append(pytest.param(key, role, id=f"{key}|{role}", marks=marks))
    return cases


_OPERATIONS = {o["id"]: o for o in LIST_OPERATIONS}
_PAGES = {p["id"]: p for p in PAGES}


def _fetch(key: str, role: str, world: World) -> tuple[Any, dict[str, set[int]], str]:
    """Read the list as the role: the answer, the ids it shows by label, the URL."""
    client = Client()
    if key in _OPERATIONS:
        operation = _OPERATIONS[key]
        params = [matrix.classify(n) for n in operation["names"]]
        url = operation["path"].format(**matrix.fill([p for p in params if p], None, world))
        token = world.tokens.get(role)
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        query = LISTS[key].query
        answer = client.get(f"{url}?{query}" if query else url, headers=headers)
        shown: dict[str, set[int]] = {}
        if answer.status_code == 200:
            data = answer.json()
            items = data if isinstance(data, list) else data["items"]
            if isinstance(data, dict) and "count" in data:
                assert data["count"] == len(items), f"{key}: more rows than one page holds"
            shown = {r.label: {item["id"] for item in items} for r in LISTS[key].rows}
        return answer, shown, url
    page = _PAGES[key]
    params = [matrix.classify(n, key) for n in page["names"]]
    url = reverse(key, kwargs=matrix.fill([p for p in params if p], None, world))
    if role in world.users:
        client.force_login(world.user(role))
    answer = client.get(url)
    shown = linked(answer.content) if answer.status_code == 200 else {}
    for rows in LISTS[key].rows:
        if rows.context is not None:
            objects = rows.context(answer.context) if answer.status_code == 200 else []
            shown[rows.label] = {o.pk for o in objects}
    return answer, shown, url


@pytest.mark.parametrize(("key", "role"), _cases())
def test_list_shows_its_scope(key: str, role: str, listed: World, db: None) -> None:
    entry = LISTS[key]
    user = listed.user(role)
    answer, shown, url = _fetch(key, role, listed)
    what = f"GET {url} ({key}) as {role}"
    if entry.may is not None and not entry.may(user):
        assert answer.status_code in {302, 401, 403, 404}, (
            f"{what}: answered {answer.status_code}, but the role may not read this list "
            "(LISTS says who may): expected a refusal"
        )
        return
    assert answer.status_code == 200, f"{what}: answered {answer.status_code}"
    # Any object a page links to, of any model, is one the user may view.
    for label, ids in shown.items():
        seen = set(matrix.visible(label, user, scope.VIEW).values_list("pk", flat=True))
        public = set(
            matrix.visible(label, AnonymousUser(), scope.VIEW).values_list("pk", flat=True)
        )
        leaked = sorted(ids - seen - public)
        assert not leaked, f"{what}: shows {label} {leaked}, out of the user's scope"
    for rows in entry.rows:
        expected = _expected(rows, user, listed)
        got = shown.get(rows.label, set())
        extra, lacking = sorted(got - expected), sorted(expected - got)
        assert not extra, (
            f"{what}: shows {rows.label} {extra} that the registry does not give it "
            f"({'public ' if rows.public else ''}view{', ' + rows.why if rows.why else ''})"
        )
        if not rows.subset:
            assert not lacking, (
                f"{what}: lacks {rows.label} {lacking} that the registry lets it view "
                f"({rows.why or 'its whole scope'}): the list and the registry disagree"
            )


def test_lists_are_not_vacuous(listed: World, db: None) -> None:
    """Each list has rows to show to some role in the world (else its cases prove nothing)."""
    for key, entry in LISTS.items():
        for rows in entry.rows:
            expected = [
                _expected(rows, listed.user(r), listed)
                for r in ROLES
                if entry.may is None or entry.may(listed.user(r))
            ]
            assert any(expected), f"{key}: no role has {rows.label} to list in the world"
