"""REST endpoints of subsidy claims: read them in scope, submit a class's claim, each step of
the workflow, payment batches, the worker's confirm and dispute, and the public notice.

Reads start from ``access`` (404 outside the caller's scope, exactly like a missing claim);
every write calls one service, which checks role, state and separation of duties again and
raises the domain errors the API answers in its one error shape. The public notice answers
anyone, names masked, never an ID or a phone; objections from one address are throttled.
"""

from __future__ import annotations

import datetime
import json
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema, Status
from ninja.responses import NinjaJSONEncoder

from jineng.api.auth import AUTH, actor
from jineng.api.errors import responses
from jineng.api.idempotency import IdempotencyKeyHeader, Outcome, idempotent
from jineng.api.schemas import ObjectId, Page, PageParams, paginate
from jineng.core.errors import PermissionDenied
from jineng.subsidies import access, queries, services
from jineng.subsidies.choices import (
    ClaimStatus,
    Confirmation,
    ObjectionKind,
    ObjectionStatus,
    SubsidyKind,
)
from jineng.subsidies.forms import (
    MAX_ACCOUNT,
    MAX_BATCH_REFERENCE,
    MAX_CONTACT,
    MAX_PAYEE,
    MAX_TEXT,
)
from jineng.subsidies.models import Claim, ClaimHold, ClaimLine, Objection
from jineng.subsidies.views.claims import check_objection_rate
from jineng.training.access import get_class_for_user
from jineng.training.models import Enrolment

router = Router(tags=["subsidies"])


def anonymous(request: HttpRequest) -> Any:
    """Let a request without credentials through as the public; a bad token still gets 401."""
    if request.headers.get("Authorization"):
        return None
    return AnonymousUser()


# Token or session when given, else the public; the OpenAPI document says so with {}.
PUBLIC = [*AUTH, anonymous]
PUBLIC_OPENAPI: dict[str, Any] = {"security": [{}]}


class StepOut(Schema):
    """One step of a line's computation, in words, with the amount it comes to (if any)."""

    text: str
    amount_fen: int | None


class RuleSetRefOut(Schema):
    """The rule set a claim was computed under; ``is_example`` marks demonstration values."""

    number: int
    title: str
    is_example: bool


class ClaimOut(Schema):
    """A claim as the caller's scope shows it."""

    id: int
    number: str
    kind: SubsidyKind
    kind_label: str
    status: ClaimStatus
    status_label: str
    organization: str | None = Field(description="The claimant organisation's name.")
    training_class: str | None = Field(description="The class's code.")
    year: int
    total_fen: int
    rule_set: RuleSetRefOut
    submitted_at: datetime.datetime
    first_reviewed_at: datetime.datetime | None
    second_reviewed_at: datetime.datetime | None
    notice_starts_on: datetime.date | None
    notice_ends_on: datetime.date | None
    approved_at: datetime.datetime | None
    paid_at: datetime.datetime | None
    payment_reference: str
    rejection_reasons: str


class PersonRefOut(Schema):
    """The person of a line (the caller sees the line, so the name in full)."""

    id: int
    name: str


class LineOut(Schema):
    """One person's line of a claim, with its computation."""

    id: int
    claim_id: int
    claim_number: str
    person: PersonRefOut
    amount_fen: int
    computation: list[StepOut]
    active: bool
    removed_reason: str
    confirmation: Confirmation
    confirmation_label: str
    confirmed_at: datetime.datetime | None


class HoldOut(Schema):
    """A hold on a claim: why, and when it was released (and why)."""

    reason: str
    placed_at: datetime.datetime
    released_at: datetime.datetime | None
    release_reason: str


class ObjectionOut(Schema):
    """An objection to a claim, public or the worker's, and how it was resolved."""

    id: int
    kind: ObjectionKind
    line_id: int | None
    text: str
    status: ObjectionStatus
    resolution: str
    raised_at: datetime.datetime
    resolved_at: datetime.datetime | None


class LeftOutOut(Schema):
    """A trainee of the class not claimed for, and why."""

    name: str
    rule: str
    reason: str


class ClaimDetailOut(ClaimOut):
    """A claim with the lines, holds and objections the caller may see."""

    lines: list[LineOut]
    left_out: list[LeftOutOut]
    holds: list[HoldOut]
    objections: list[ObjectionOut]


class ClaimFiltersIn(Schema):
    """Filter the claims in scope."""

    status: ClaimStatus | None = None
    kind: SubsidyKind | None = None


class NoteIn(Schema):
    """What the reviewer checked (may be empty)."""

    note: str = Field("", max_length=MAX_TEXT)


class ReasonsIn(Schema):
    """Why the claim is rejected; the claimant reads it."""

    reasons: str = Field(min_length=1, max_length=MAX_TEXT)


class ApproveIn(Schema):
    """Approve, from the kind's default fund source or a named one."""

    fund_source: str | None = Field(None, max_length=40)


class PayeeIn(Schema):
    """Where one claim's money goes."""

    claim_id: int = Field(ge=1)
    name: str = Field(min_length=1, max_length=MAX_PAYEE)
    account: str = Field(min_length=1, max_length=MAX_ACCOUNT)
    bank: str = Field("", max_length=MAX_PAYEE)


class PayIn(Schema):
    """Pay approved claims in one batch, all or none."""

    batch_reference: str = Field(min_length=1, max_length=MAX_BATCH_REFERENCE)
    payees: list[PayeeIn] = Field(min_length=1, max_length=1000)


class ResolveIn(Schema):
    """The decision on an objection, and what was found."""

    upheld: bool
    resolution: str = Field(min_length=1, max_length=MAX_TEXT)


class DisputeIn(Schema):
    """The worker's "this is not right", in their words."""

    text: str = Field("", max_length=MAX_TEXT)


class ObjectionIn(Schema):
    """An objection during the public notice; the contact is optional, for the reviewers."""

    text: str = Field(min_length=1, max_length=MAX_TEXT)
    contact: str = Field("", max_length=MAX_CONTACT)


class PublicLineOut(Schema):
    """A line on the public notice: the name masked (张*明) and the amount."""

    name: str
    amount_fen: int


class PublicClaimOut(Schema):
    """A claim on public notice (公示): no ID, no phone, names masked."""

    number: str
    kind: SubsidyKind
    kind_label: str
    organization: str | None
    programme: str | None
    notice_starts_on: datetime.date
    notice_ends_on: datetime.date
    total_fen: int
    lines: list[PublicLineOut]


class AcceptedOut(Schema):
    """The objection was recorded."""

    detail: str


# --- shaping --------------------------------------------------------------------------------


def _claim_out(claim: Claim) -> dict[str, Any]:
    return {
        "id": claim.pk,
        "number": claim.number,
        "kind": claim.kind,
        "kind_label": str(claim.get_kind_display()),
        "status": claim.status,
        "status_label": str(claim.get_status_display()),
        "organization": claim.organization.name if claim.organization else None,
        "training_class": claim.training_class.code if claim.training_class else None,
        "year": claim.year,
        "total_fen": claim.total_fen,
        "rule_set": {
            "number": claim.rule_set.number,
            "title": claim.rule_set.title,
            "is_example": claim.rule_set.is_example,
        },
        "submitted_at": claim.submitted_at,
        "first_reviewed_at": claim.first_reviewed_at,
        "second_reviewed_at": claim.second_reviewed_at,
        "notice_starts_on": claim.notice_starts_on,
        "notice_ends_on": claim.notice_ends_on,
        "approved_at": claim.approved_at,
        "paid_at": claim.paid_at,
        "payment_reference": claim.payment_reference,
        "rejection_reasons": claim.rejection_reasons,
    }


def _line_out(line: ClaimLine) -> dict[str, Any]:
    return {
        "id": line.pk,
        "claim_id": line.claim_id,
        "claim_number": line.claim.number,
        "person": {"id": line.person_id, "name": line.person.name},
        "amount_fen": line.amount_fen,
        "computation": [
            {"text": str(step.get("text", "")), "amount_fen": step.get("amount_fen")}
            for step in line.computation or []
        ],
        "active": line.active,
        "removed_reason": line.removed_reason,
        "confirmation": line.confirmation,
        "confirmation_label": str(line.get_confirmation_display()),
        "confirmed_at": line.confirmed_at,
    }


def _hold_out(hold: ClaimHold) -> dict[str, Any]:
    return {
        "reason": hold.reason,
        "placed_at": hold.placed_at,
        "released_at": hold.released_at,
        "release_reason": hold.release_reason,
    }


def _objection_out(objection: Objection) -> dict[str, Any]:
    return {
        "id": objection.pk,
        "kind": objection.kind,
        "line_id": objection.line_id,
        "text": objection.text,
        "status": objection.status,
        "resolution": objection.resolution,
        "raised_at": objection.raised_at,
        "resolved_at": objection.resolved_at,
    }


def _left_out(user: Any, claim: Claim) -> list[dict[str, Any]]:
    rows = list(claim.ineligible or [])
    # Named through the roster's scope: the class's own staff and the bureau see its trainees.
    ids = [row.get("enrolment_id") for row in rows]
    names = dict(
        Enrolment.objects.visible_to(user).filter(pk__in=ids).values_list("pk", "person__name")
    )
    return [
        {
            "name": names[row["enrolment_id"]],
            "rule": row.get("rule", ""),
            "reason": row.get("reason", ""),
        }
        for row in rows
        if row.get("enrolment_id") in names
    ]


def _detail(user: Any, claim_id: int) -> dict[str, Any]:
    claim = access.get_claim_for_user(user, claim_id)
    lines = access.lines_for_user(user, claim).select_related("claim").order_by("id")
    return {
        **_claim_out(claim),
        "lines": [_line_out(line) for line in lines],
        "left_out": _left_out(user, claim),
        "holds": [_hold_out(h) for h in access.holds_for_user(user, claim).order_by("placed_at")],
        "objections": [
            _objection_out(o) for o in access.objections_for_user(user, claim).order_by("raised_at")
        ],
    }


# --- reading ----------------------------------------------------------------------------------


@router.get(
    "/subsidies/claims",
    response={200: Page[ClaimOut], **responses(400, 401)},
    summary="List subsidy claims",
    url_name="subsidy_claim_list",
)
def list_subsidy_claims(
    request: HttpRequest, filters: Query[ClaimFiltersIn], page: Query[PageParams]
) -> dict[str, Any]:
    """List the claims in scope, newest first: an institution's own, those with a line in a
    worker's name, every claim for reviewers, the bureau, auditors and finance."""
    claims = access.claims_for_user(actor(request))
    if filters.status:
        claims = claims.filter(status=filters.status)
    if filters.kind:
        claims = claims.filter(kind=filters.kind)
    result = paginate(claims.order_by("-submitted_at", "-id"), page)
    result["items"] = [_claim_out(c) for c in result["items"]]
    return result


@router.get(
    "/subsidies/claims/{claim_id}",
    response={200: ClaimDetailOut, **responses(400, 401, 404)},
    summary="Get a subsidy claim",
    url_name="subsidy_claim_detail",
)
def get_subsidy_claim(request: HttpRequest, claim_id: ObjectId) -> dict[str, Any]:
    """Return one claim in scope with its lines (a worker: their own only), each line's
    computation, the holds, the objections and the trainees left out with the reason."""
    return _detail(actor(request), claim_id)


@router.get(
    "/subsidies/lines",
    response={200: Page[LineOut], **responses(400, 401)},
    summary="List claim lines",
    url_name="subsidy_line_list",
)
def list_claim_lines(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """List the claim lines in scope; for a worker, every line in their name (我的补贴)."""
    lines = (
        access.lines_for_user(actor(request)).select_related("claim").order_by("-claim_id", "id")
    )
    result = paginate(lines, page)
    result["items"] = [_line_out(line) for line in result["items"]]
    return result


# --- writing ----------------------------------------------------------------------------------


@router.post(
    "/subsidies/classes/{class_id}/claims",
    response={201: ClaimDetailOut, **responses(400, 401, 403, 404, 409, 422)},
    summary="Claim the training subsidy of a finished class",
    url_name="subsidy_claim_class",
)
def submit_class_claim(
    request: HttpRequest, class_id: ObjectId, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """File the institution's claim for a finished class's eligible completers.

    Every trainee not claimed for is listed in ``left_out`` with the rule and the reason.
    Refusals: 409 `refused` with the rule (R29 before the class ended, `eligibility` when
    nobody is eligible), 409 `conflict` when someone was claimed meanwhile.
    """
    user = actor(request)
    get_class_for_user(user, class_id)

    def create() -> Outcome:
        claim = services.submit_class_claim(class_id, actor=user)
        return Outcome(status=201, body=_json(_detail(user, claim.pk)))

    return idempotent(request, user, idempotency_key, create)


def _json(body: dict[str, Any]) -> dict[str, Any]:
    """The body as ninja would render it (for the idempotency record)."""
    data = ClaimDetailOut.model_validate(body).model_dump()
    result: dict[str, Any] = json.loads(json.dumps(data, cls=NinjaJSONEncoder))
    return result


STEP_RESPONSES = {200: ClaimDetailOut, **responses(400, 401, 403, 404, 409)}


@router.post(
    "/subsidies/claims/{claim_id}/first-review",
    response=STEP_RESPONSES,
    summary="Pass a claim's first review",
    url_name="subsidy_claim_first_review",
)
def first_review_claim(request: HttpRequest, claim_id: ObjectId, payload: NoteIn) -> dict[str, Any]:
    """Pass a submitted claim's first review (初审), with the reviewer's note."""
    user = actor(request)
    access.get_claim_for_user(user, claim_id)
    services.first_review(claim_id, note=payload.note, actor=user)
    return _detail(user, claim_id)


@router.post(
    "/subsidies/claims/{claim_id}/second-review",
    response=STEP_RESPONSES,
    summary="Pass a claim's second review",
    url_name="subsidy_claim_second_review",
)
def second_review_claim(
    request: HttpRequest, claim_id: ObjectId, payload: NoteIn
) -> dict[str, Any]:
    """Pass the second review (复审): another reviewer than the first."""
    user = actor(request)
    access.get_claim_for_user(user, claim_id)
    services.second_review(claim_id, note=payload.note, actor=user)
    return _detail(user, claim_id)


@router.post(
    "/subsidies/claims/{claim_id}/start-notice",
    response=STEP_RESPONSES,
    summary="Start a claim's public notice",
    url_name="subsidy_claim_start_notice",
)
def start_claim_notice(request: HttpRequest, claim_id: ObjectId) -> dict[str, Any]:
    """Publish a reviewed claim for public notice (公示) for its rule set's days."""
    user = actor(request)
    access.get_claim_for_user(user, claim_id)
    services.start_notice(claim_id, actor=user)
    return _detail(user, claim_id)


@router.post(
    "/subsidies/claims/{claim_id}/approve",
    response=STEP_RESPONSES,
    summary="Approve a claim",
    url_name="subsidy_claim_approve",
)
def approve_claim(request: HttpRequest, claim_id: ObjectId, payload: ApproveIn) -> dict[str, Any]:
    """Approve after the notice ended, with no hold or open objection and every line
    confirmed; commits the amount in the fund (409 when the budget has no room)."""
    user = actor(request)
    access.get_claim_for_user(user, claim_id)
    services.approve(claim_id, actor=user, fund_source=payload.fund_source)
    return _detail(user, claim_id)


@router.post(
    "/subsidies/claims/{claim_id}/reject",
    response=STEP_RESPONSES,
    summary="Reject a claim",
    url_name="subsidy_claim_reject",
)
def reject_claim(request: HttpRequest, claim_id: ObjectId, payload: ReasonsIn) -> dict[str, Any]:
    """Reject a claim with reasons at any step before payment."""
    user = actor(request)
    access.get_claim_for_user(user, claim_id)
    services.reject(claim_id, reasons=payload.reasons, actor=user)
    return _detail(user, claim_id)


@router.post(
    "/subsidies/payments",
    response={200: list[ClaimOut], **responses(400, 401, 403, 404, 409, 422)},
    summary="Pay approved claims in one batch",
    url_name="subsidy_claim_pay",
)
def pay_claims(request: HttpRequest, payload: PayIn) -> list[dict[str, Any]]:
    """Pay approved claims in one payment batch, all or none (finance)."""
    user = actor(request)
    payees = {
        p.claim_id: services.Payee(name=p.name, account=p.account, bank=p.bank)
        for p in payload.payees
    }
    paid = services.pay(
        list(payees), batch_reference=payload.batch_reference, payees=payees, actor=user
    )
    return [_claim_out(access.get_claim_for_user(user, c.pk)) for c in paid]


@router.post(
    "/subsidies/objections/{objection_id}/resolve",
    response={200: ObjectionOut, **responses(400, 401, 403, 404, 409)},
    summary="Resolve an objection",
    url_name="subsidy_objection_resolve",
)
def resolve_claim_objection(
    request: HttpRequest, objection_id: ObjectId, payload: ResolveIn
) -> dict[str, Any]:
    """Uphold or dismiss an objection with what was found (a reviewer)."""
    user = actor(request)
    access.get_objection_for_user(user, objection_id)
    objection = services.resolve_objection(
        objection_id, upheld=payload.upheld, resolution=payload.resolution, actor=user
    )
    return _objection_out(objection)


@router.post(
    "/subsidies/lines/{line_id}/confirm",
    response={200: LineOut, **responses(400, 401, 403, 404, 409)},
    summary="Confirm one's own line",
    url_name="subsidy_line_confirm",
)
def confirm_claim_line(request: HttpRequest, line_id: ObjectId) -> dict[str, Any]:
    """The worker confirms they attended and were assessed (本人确认)."""
    user = actor(request)
    _own_line(user, line_id)
    services.confirm_line(line_id, actor=user)
    return _line_out(access.get_line_for_user(user, line_id))


@router.post(
    "/subsidies/lines/{line_id}/dispute",
    response={200: ObjectionOut, **responses(400, 401, 403, 404, 409)},
    summary="Say one's own line is not right",
    url_name="subsidy_line_dispute",
)
def dispute_claim_line(
    request: HttpRequest, line_id: ObjectId, payload: DisputeIn
) -> dict[str, Any]:
    """The worker says "this is not right": an objection opens and holds the claim."""
    user = actor(request)
    _own_line(user, line_id)
    return _objection_out(services.dispute_line(line_id, text=payload.text, actor=user))


def _own_line(user: Any, line_id: int) -> ClaimLine:
    """A line in the caller's own name: one they may see but is another's answers 403, one
    they may not see 404 like a missing one (as the console and the service answer)."""
    line = access.get_line_for_user(user, line_id)
    if line.person_id != getattr(user, "person_id", None):
        raise PermissionDenied(_("Only the worker named on a line confirms or disputes it."))
    return line


# --- the public notice ---------------------------------------------------------------------


def _public_out(claim: Claim) -> dict[str, Any]:
    return {
        "number": claim.number,
        "kind": claim.kind,
        "kind_label": str(claim.get_kind_display()),
        "organization": claim.organization.name if claim.organization else None,
        "programme": claim.training_class.programme.name if claim.training_class else None,
        "notice_starts_on": claim.notice_starts_on,
        "notice_ends_on": claim.notice_ends_on,
        "total_fen": claim.total_fen,
        "lines": [
            {"name": row.name, "amount_fen": row.amount_fen} for row in queries.notice_rows(claim)
        ],
    }


@router.get(
    "/subsidies/notice",
    response={200: Page[PublicClaimOut], **responses(400, 401)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="List the claims on public notice",
    url_name="subsidy_notice_list",
)
def list_claim_notice(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """The claims on public notice (公示) now, for anyone: names masked, amounts, dates."""
    result = paginate(queries.claims_in_force().select_related("training_class__programme"), page)
    result["items"] = [_public_out(c) for c in result["items"]]
    return result


@router.post(
    "/subsidies/notice/{number}/objections",
    response={201: AcceptedOut, **responses(400, 401, 404, 422, 429)},
    auth=PUBLIC,
    openapi_extra=PUBLIC_OPENAPI,
    summary="Object to a claim on public notice",
    url_name="subsidy_notice_object",
)
def object_to_claim(request: HttpRequest, number: str, payload: ObjectionIn) -> Status:
    """Object to a claim on public notice (公示异议); anyone, at most a few an hour per
    client address. The claim is held until a reviewer resolves the objection."""
    check_objection_rate(request)
    user = request.auth  # type: ignore[attr-defined]
    services.raise_objection(
        number,
        text=payload.text,
        contact=payload.contact,
        actor=user if getattr(user, "is_authenticated", False) else None,
    )
    return Status(201, {"detail": _("Thank you. Your objection has been received.")})
