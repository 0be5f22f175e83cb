"""Pages of subsidy claims (补贴申领): the institution's claim for a finished class and its
list, the reviewers' queue and claim page with each step, finance's payment batches, the
worker's 我的补贴 with confirm and "this is not right", and the public notice (公示).

Every claim comes through ``access`` (404 outside the viewer's scope, exactly like a missing
one); every write goes through ``services``, which check the role, the state and the
separation of duties again; a refusal is shown with its reasons. The forms a page offers are
picked from the claim's state and the viewer's capabilities only to show the right buttons.
"""

from __future__ import annotations

import hmac
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Exists, OuterRef
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path, reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.accounts.lockout import client_ip_address
from jineng.core import errors, pii
from jineng.core.errors import DomainError, NotFound, RateLimited
from jineng.core.http import mark_personal_data, no_store
from jineng.core.scope import CHANGE
from jineng.funds import access as funds_access
from jineng.funds import payments as funds_payments
from jineng.funds import queries as funds_queries
from jineng.funds import services as funds_services
from jineng.subsidies import access, objections, queries, services
from jineng.subsidies.choices import (
    CLOSED_STATUSES,
    ClaimStatus,
    Confirmation,
    ObjectionStatus,
    SubsidyKind,
)
from jineng.subsidies.forms import (
    DisputeForm,
    PaymentBatchForm,
    PublicObjectionForm,
    RejectForm,
    ResolveObjectionForm,
    ReviewNoteForm,
)
from jineng.subsidies.models import Claim, ClaimHold, ClaimLine
from jineng.training import queries as training_queries
from jineng.training.access import get_class_for_user
from jineng.training.choices import FINISHED_STATUSES
from jineng.training.models import Enrolment, TrainingClass

PAGE_SIZE = 50
MAX_PAYABLE_SHOWN = 200
MAX_QUEUE_SHOWN = 200
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# A class with a claim in one of these states is claimed already.
LIVE = tuple(set(ClaimStatus.values) - {ClaimStatus.REJECTED})


def _found(get: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """Call an access function; turn its NotFound into the page's 404."""
    try:
        return get(*args, **kwargs)
    except NotFound as error:
        raise Http404(error.detail) from None


def _refused(request: HttpRequest, error: DomainError) -> None:
    """Show a refusal as messages: every reason it lists, or its detail."""
    reasons = error.extra.get("reasons")
    for reason in reasons or [error.detail]:
        messages.error(request, str(reason))


# --- the steps of the workflow, as the claim page offers them ---------------------------


@dataclass(frozen=True)
class Step:
    """One step of the workflow: the service that takes it and how the page offers it."""

    name: str
    may: Callable[[Any], bool]
    form: type[Any] | None
    title: Any
    button: Any
    help: Any = ""


def _reviews_or_approves(user: Any) -> bool:
    return access.may_review(user) or access.may_approve(user)


# How the claim page offers each step; which steps a viewer may take now is
# queries.next_steps' answer, and the services decide again.
STEPS: dict[str, Step] = {
    step.name: step
    for step in (
        Step(
            queries.FIRST_REVIEW,
            access.may_review,
            ReviewNoteForm,
            gettext_lazy("First review"),
            gettext_lazy("Pass the first review"),
            gettext_lazy("Check each line's computation against the class and its results."),
        ),
        Step(
            queries.SECOND_REVIEW,
            access.may_review,
            ReviewNoteForm,
            gettext_lazy("Second review"),
            gettext_lazy("Pass the second review"),
            gettext_lazy("A second reviewer, not the first, checks the claim again."),
        ),
        Step(
            queries.START_NOTICE,
            _reviews_or_approves,
            None,
            gettext_lazy("Public notice (公示)"),
            gettext_lazy("Start the public notice"),
            gettext_lazy(
                "The claim is shown on the public notice page, names masked, for the days "
                "its rule set says; anyone may object meanwhile."
            ),
        ),
        Step(
            queries.APPROVE,
            access.may_approve,
            None,
            gettext_lazy("Approve"),
            gettext_lazy("Approve the claim"),
            gettext_lazy(
                "Approval commits the amount in the fund's ledger. It needs the notice ended, "
                "no open hold or objection, and every worker's confirmation."
            ),
        ),
        Step(
            queries.REJECT,
            _reviews_or_approves,
            RejectForm,
            gettext_lazy("Reject"),
            gettext_lazy("Reject the claim"),
        ),
    )
}


def _offered(user: Any, claim: Claim) -> list[Step]:
    """The steps the viewer may take on this claim now (pay is on the payments page)."""
    return [STEPS[name] for name in queries.next_steps(claim, user) if name in STEPS]


def _take(step: Step, claim: Claim, data: dict[str, Any], user: Any) -> None:
    if step.name == "first_review":
        services.first_review(claim.pk, note=data["note"], actor=user)
    elif step.name == "second_review":
        services.second_review(claim.pk, note=data["note"], actor=user)
    elif step.name == "start_notice":
        services.start_notice(claim.pk, actor=user)
    elif step.name == "approve":
        services.approve(claim.pk, actor=user)
    else:
        services.reject(claim.pk, reasons=data["reasons"], actor=user)


DONE = {
    "first_review": gettext_lazy("The first review is recorded."),
    "second_review": gettext_lazy("The second review is recorded."),
    "start_notice": gettext_lazy("The claim is on public notice."),
    "approve": gettext_lazy("The claim is approved and its amount committed."),
    "reject": gettext_lazy("The claim is rejected."),
}


# --- lists --------------------------------------------------------------------------------


def _with_holds(claims: Any) -> Any:
    """The claims with what a list shows: claimant, class, and whether a hold is open."""
    held = ClaimHold.objects.filter(claim=OuterRef("pk"), released_at__isnull=True)
    return claims.select_related("organization", "training_class", "rule_set").annotate(
        open_holds=Exists(held)
    )


@login_required
@require_GET
def claim_list(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The claims in the viewer's scope: an institution's own, every claim for the bureau."""
    user = request.user
    claims = _with_holds(access.claims_for_user(user))
    status = request.GET.get("status", "")
    if status in ClaimStatus.values:
        claims = claims.filter(status=status)
    page = Paginator(claims, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "subsidies/claims/list.html",
        {
            "page": page,
            "query": f"status={status}" if status else "",
            "status": status,
            "statuses": ClaimStatus.choices,
            "classes_to_claim": _classes_to_claim(user),
            "may_review": _reviews_or_approves(user) or access.may_pay(user),
            "may_pay": access.may_pay(user),
        },
    )


def _classes_to_claim(user: Any) -> list[Any]:
    """The institution's finished classes with no live training claim yet."""
    if not (access.may_claim(user) and user.organization_id):
        return []
    classes = (
        TrainingClass.objects.visible_to(user, CHANGE)
        .filter(status__in=FINISHED_STATUSES, programme__organization_id=user.organization_id)
        .exclude(subsidy_claims__status__in=LIVE, subsidy_claims__kind=SubsidyKind.TRAINING)
        .select_related("programme")
        .order_by("-ends_on")
    )
    return list(classes[:20])


QUEUE_TITLES = {
    **{name: step.title for name, step in STEPS.items()},
    queries.PAY: gettext_lazy("Payment"),
}


@login_required
@require_GET
def claim_queue(request: AuthenticatedHttpRequest) -> HttpResponse:
    """The claims waiting for a step the viewer may take, one group per step."""
    user = request.user
    if not (_reviews_or_approves(user) or access.may_pay(user)):
        raise PermissionDenied
    groups = [
        {
            "step": step,
            "label": QUEUE_TITLES[step],
            "claims": list(_with_holds(claims)[:MAX_QUEUE_SHOWN]),
            "is_payment": step == queries.PAY,
        }
        for step, claims in queries.queues(user).items()
    ]
    return render(request, "subsidies/claims/queue.html", {"groups": groups})


# --- one claim ----------------------------------------------------------------------------


def _history(claim: Claim) -> list[dict[str, Any]]:
    """The claim's steps so far, oldest first, with who took them and their notes."""
    rows = [
        (claim.submitted_at, _("Submitted"), claim.submitted_by, ""),
        (
            claim.first_reviewed_at,
            _("First review passed"),
            claim.first_reviewed_by,
            claim.first_review_note,
        ),
        (
            claim.second_reviewed_at,
            _("Second review passed"),
            claim.second_reviewed_by,
            claim.second_review_note,
        ),
        (claim.approved_at, _("Approved"), claim.approved_by, ""),
        (claim.paid_at, _("Paid"), claim.paid_by, claim.payment_reference),
        (claim.rejected_at, _("Rejected"), claim.rejected_by, claim.rejection_reasons),
    ]
    return [
        {"at": at, "label": label, "who": who.get_username() if who else "", "note": note}
        for at, label, who, note in rows
        if at is not None
    ]


def _lines_for(user: Any, claim: Claim) -> list[ClaimLine]:
    """The lines the viewer sees (a worker: their own only), in order."""
    return list(access.lines_for_user(user, claim).order_by("id"))


def _left_out(user: Any, claim: Claim) -> list[dict[str, str]]:
    """The people of the class not claimed for, and why, named where the viewer sees them."""
    rows = list(claim.ineligible or [])
    # Named through the roster's scope: the class's own staff and the bureau see its trainees.
    ids = [row.get("enrolment_id") for row in rows]
    names = dict(
        Enrolment.objects.visible_to(user).filter(pk__in=ids).values_list("pk", "person__name")
    )
    return [
        {"name": names[row["enrolment_id"]], "reason": row.get("reason", "")}
        for row in rows
        if row.get("enrolment_id") in names
    ]


def _waiting_for(claim: Claim) -> list[str]:
    """What the claim waits for, in words (the services' own reasons), while it is open."""
    if claim.status in CLOSED_STATUSES:
        return []
    waiting = [str(reason) for reason in services.blocking_reasons(claim)]
    if claim.status == ClaimStatus.IN_NOTICE:
        pending = services.unconfirmed_lines(claim)
        if pending:
            waiting.append(_("{n} worker(s) have not confirmed their line yet.").format(n=pending))
        if claim.notice_ends_on is not None:
            waiting.append(
                _("The public notice runs until {day}.").format(day=claim.notice_ends_on)
            )
    elif claim.status == ClaimStatus.APPROVED:
        waiting.append(_("Approved: waiting for finance to pay it."))
    return waiting


def _objection_rows(
    user: Any,
    claim: Claim,
    failed: tuple[str, Any] | None,
    contact: tuple[int, str] | None = None,
) -> list[Any]:
    rows = []
    may_resolve = access.may_review(user) and claim.submitted_by_id != user.pk
    for objection in access.objections_for_user(user, claim).order_by("-raised_at", "-id"):
        form = None
        if may_resolve and objection.status == ObjectionStatus.OPEN:
            prefix = f"o{objection.pk}"
            form = (
                failed[1] if failed and failed[0] == prefix else ResolveObjectionForm(prefix=prefix)
            )
        # Only whether a contact was left: reading it is a reveal (objections.reveal_contact).
        left_contact = access.sees_objector_contact(user) and bool(objection.contact_encrypted)
        shown = contact[1] if contact and contact[0] == objection.pk else ""
        rows.append(
            {"objection": objection, "form": form, "left_contact": left_contact, "contact": shown}
        )
    return rows


def _claim_page(
    request: AuthenticatedHttpRequest,
    claim: Claim,
    *,
    failed: tuple[str, Any] | None = None,
    contact: tuple[int, str] | None = None,
    status: int = 200,
) -> HttpResponse:
    user = request.user
    holds = list(access.holds_for_user(user, claim).order_by("-placed_at"))
    actions = []
    for step in _offered(user, claim):
        form = step.form() if step.form else None
        if failed and failed[0] == step.name:
            form = failed[1]
        actions.append(
            {
                "name": step.name,
                "title": step.title,
                "button": step.button,
                "help": step.help,
                "form": form,
                "url": reverse(f"subsidies:claim_{step.name}", args=[claim.pk]),
            }
        )
    return render(
        request,
        "subsidies/claims/detail.html",
        {
            "claim": claim,
            "lines": _lines_for(user, claim),
            "left_out": _left_out(user, claim),
            "holds": holds,
            "open_holds": services.hold_groups(h for h in holds if h.released_at is None),
            "objections": _objection_rows(user, claim, failed, contact),
            "history": _history(claim),
            "actions": actions,
            "waiting_for": _waiting_for(claim),
            "fund_source": funds_queries.source_name(claim.fund_source)
            if claim.fund_source
            else "",
        },
        status=status,
    )


@login_required
@require_GET
def claim_detail(request: AuthenticatedHttpRequest, claim_id: int) -> HttpResponse:
    """One claim: its lines and their computations, holds, objections and the next step."""
    return _claim_page(request, _found(access.get_claim_for_user, request.user, claim_id))


@login_required
@require_POST
def claim_step(request: AuthenticatedHttpRequest, claim_id: int, step: str) -> HttpResponse:
    """Take one step of the workflow: a review, the notice, approval or rejection."""
    claim = _found(access.get_claim_for_user, request.user, claim_id)
    chosen = STEPS.get(step)
    if chosen is None:
        raise Http404
    if not chosen.may(request.user):
        raise PermissionDenied
    form = chosen.form(request.POST) if chosen.form else None
    if form is not None and not form.is_valid():
        return _claim_page(request, claim, failed=(step, form), status=400)
    try:
        _take(chosen, claim, form.cleaned_data if form else {}, request.user)
    except errors.PermissionDenied as error:
        raise PermissionDenied(error.detail) from None
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, DONE[step])
    return redirect("subsidies:claim", claim_id=claim.pk)


@login_required
@require_POST
def resolve_objection(request: AuthenticatedHttpRequest, objection_id: int) -> HttpResponse:
    """Resolve an objection: upheld or dismissed, with what was found."""
    objection = _found(access.get_objection_for_user, request.user, objection_id)
    if not access.may_review(request.user):
        raise PermissionDenied
    prefix = f"o{objection.pk}"
    form = ResolveObjectionForm(request.POST, prefix=prefix)
    if not form.is_valid():
        return _claim_page(request, objection.claim, failed=(prefix, form), status=400)
    try:
        services.resolve_objection(
            objection.pk,
            upheld=form.is_upheld,
            resolution=form.cleaned_data["resolution"],
            actor=request.user,
        )
    except errors.PermissionDenied as error:
        raise PermissionDenied(error.detail) from None
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("The objection is resolved."))
    return redirect("subsidies:claim", claim_id=objection.claim_id)


@login_required
@require_POST
@no_store
def objection_contact(request: AuthenticatedHttpRequest, objection_id: int) -> HttpResponse:
    """Show a reviewer how to reach an objector, for the reason they give (audited)."""
    objection = _found(access.get_objection_for_user, request.user, objection_id, action=CHANGE)
    claim = _found(access.get_claim_for_user, request.user, objection.claim_id)
    try:
        contact = objections.reveal_contact(
            objection.pk, actor=request.user, purpose=request.POST.get("purpose", "")
        )
    except errors.PermissionDenied as error:
        raise PermissionDenied(error.detail) from None
    except (errors.ValidationFailed, RateLimited) as error:
        messages.error(request, str(error.detail))
        return _claim_page(request, claim, status=error.status)
    if not contact:
        messages.info(request, _("The objector left no way to reach them."))
        return _claim_page(request, claim)
    return mark_personal_data(_claim_page(request, claim, contact=(objection.pk, contact)))


# --- the institution's claim for a finished class -----------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def claim_class(request: AuthenticatedHttpRequest, class_id: int) -> HttpResponse:
    """认领培训补贴: who will be claimed for, with each amount and its computation, and who
    is left out and why; submitting files the claim."""
    user = request.user
    training_class = _found(get_class_for_user, user, class_id)
    is_claimant = bool(
        access.may_claim(user)
        and user.organization_id
        and training_class.programme.organization_id == user.organization_id
    )
    if not is_claimant:
        # Others who see the class learn who claims it; only its institution may.
        if request.method == "POST":
            raise PermissionDenied
        return render(
            request, "subsidies/claims/class_claim.html", {"training_class": training_class}
        )
    if request.method == "POST":
        try:
            claim = services.submit_class_claim(training_class.pk, actor=user)
        except errors.PermissionDenied as error:
            raise PermissionDenied(error.detail) from None
        except DomainError as error:
            _refused(request, error)
            return redirect("subsidies:claim_class", class_id=training_class.pk)
        messages.success(
            request, _("Claim {number} is submitted for review.").format(number=claim.number)
        )
        return redirect("subsidies:claim", claim_id=claim.pk)
    return render(
        request,
        "subsidies/claims/class_claim.html",
        {
            "training_class": training_class,
            "preview": _preview(training_class, user),
            "completers": training_queries.completers(training_class),
            "claimed": access.claims_for_user(user)
            .filter(training_class=training_class, status__in=LIVE)
            .first(),
            "is_finished": training_class.status in FINISHED_STATUSES,
            "is_claimant": True,
        },
    )


def _preview(training_class: TrainingClass, user: Any) -> Any:
    """What submitting would claim, computed by the services without writing, when they
    offer it (``preview_class_claim``); until then the page lists the completers only."""
    preview = getattr(services, "preview_class_claim", None)
    if preview is None:
        return None
    try:
        return preview(training_class.pk, actor=user)
    except DomainError as error:
        return {"problem": error.detail}


# --- finance: pay approved claims ----------------------------------------------------------


def _payable(user: Any) -> list[Claim]:
    return list(
        queries.queue(user, queries.PAY)
        .select_related("organization", "person", "training_class")
        .order_by("approved_at", "id")[:MAX_PAYABLE_SHOWN]
    )


def _payee_name(claim: Claim) -> str:
    if claim.organization is not None:
        return claim.organization.name
    return claim.person.name if claim.person is not None else ""


@login_required
@require_http_methods(["GET", "POST"])
def payments(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Approved claims waiting for payment; pay the chosen ones in one batch (资金拨付)."""
    user = request.user
    if not access.may_pay(user):
        raise PermissionDenied
    claims = _payable(user)
    form = PaymentBatchForm(request.POST or None, claims=[(c.pk, _payee_name(c)) for c in claims])
    refusals: list[str] = []
    if request.method == "POST" and form.is_valid():
        payees = {
            pk: services.Payee(name=name, account=account, bank=bank)
            for pk, (name, account, bank) in form.payees().items()
        }
        try:
            services.pay(
                list(payees),
                batch_reference=form.cleaned_data["batch_reference"],
                payees=payees,
                actor=user,
            )
        except errors.PermissionDenied as error:
            raise PermissionDenied(error.detail) from None
        except DomainError as error:
            refusals = [str(r) for r in error.extra.get("reasons") or [error.detail]]
        else:
            messages.success(
                request,
                _("Batch {reference} is paid: download its payment file below.").format(
                    reference=form.cleaned_data["batch_reference"]
                ),
            )
            return redirect("subsidies:claim_payments")
    rows = [
        {
            "claim": claim,
            "pay": form[f"pay_{claim.pk}"],
            "name": form[f"name_{claim.pk}"],
            "account": form[f"account_{claim.pk}"],
            "bank": form[f"bank_{claim.pk}"],
        }
        for claim in claims
    ]
    return render(
        request,
        "subsidies/claims/payments.html",
        {
            "form": form,
            "rows": rows,
            "refusals": refusals,
            "batches": list(funds_access.batches_for_user(user)[:20]),
            "layouts": list(funds_payments.layouts().values()),
        },
        status=400 if (form.errors or refusals) else 200,
    )


@login_required
@require_GET
def payment_file(request: AuthenticatedHttpRequest, batch_id: int) -> HttpResponse:
    """Download a payment batch's file for the bank, in a layout kept as data (funds)."""
    batch = _found(funds_access.get_batch_for_user, request.user, batch_id)
    if not funds_access.may_pay(request.user):
        raise PermissionDenied
    layouts = funds_payments.layouts()
    code = request.GET.get("layout", "")
    layout = layouts.get(code) or next(iter(layouts.values()))
    body = funds_services.payment_file(batch, layout.code)
    kind = XLSX if layout.format == "xlsx" else "text/csv"
    response = HttpResponse(body, content_type=kind)
    name = f"payment-{batch.pk}-{layout.code}.{layout.format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


# --- the worker: 我的补贴 -------------------------------------------------------------------


@dataclass(frozen=True)
class MyLine:
    """One line in the worker's name, with whether it is held and may still be answered."""

    line: ClaimLine
    is_held: bool

    @property
    def may_answer(self) -> bool:
        return (
            self.line.active
            and self.line.confirmation == Confirmation.PENDING
            and self.line.claim.status not in CLOSED_STATUSES
        )


@login_required
@require_GET
def my_subsidies(request: AuthenticatedHttpRequest) -> HttpResponse:
    """我的补贴: every line in the worker's name, with the computation and two big buttons."""
    user = request.user
    if not user.person_id:
        raise Http404
    lines = list(
        access.lines_for_user(user)
        .filter(person_id=user.person_id)
        .select_related("claim__training_class__programme", "claim__organization")
        .order_by("-claim__submitted_at", "-id")
    )
    held = set(
        access.holds_for_user(user)
        .filter(released_at__isnull=True, claim_id__in=[line.claim_id for line in lines])
        .values_list("claim_id", flat=True)
    )
    items = [MyLine(line, line.claim_id in held) for line in lines]
    return render(request, "subsidies/claims/mine.html", {"items": items})


def _own_line(request: AuthenticatedHttpRequest, line_id: int) -> ClaimLine:
    line = _found(access.get_line_for_user, request.user, line_id)
    if line.person_id != request.user.person_id:
        raise PermissionDenied
    return line


@login_required
@require_POST
def confirm_line(request: AuthenticatedHttpRequest, line_id: int) -> HttpResponse:
    """The worker confirms they attended and were assessed (本人确认)."""
    line = _own_line(request, line_id)
    try:
        services.confirm_line(line.pk, actor=request.user)
    except DomainError as error:
        _refused(request, error)
    else:
        messages.success(request, _("Thank you: you confirmed it."))
    return redirect("subsidies:my_subsidies")


@login_required
@require_http_methods(["GET", "POST"])
def dispute_line(request: AuthenticatedHttpRequest, line_id: int) -> HttpResponse:
    """The worker says "this is not right": a case opens and the claim is held."""
    line = _own_line(request, line_id)
    form = DisputeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.dispute_line(line.pk, text=form.cleaned_data["text"], actor=request.user)
        except DomainError as error:
            _refused(request, error)
        else:
            messages.success(
                request,
                _("Thank you. The bureau will look into it; nothing is paid until then."),
            )
        return redirect("subsidies:my_subsidies")
    status = 400 if form.errors else 200
    return render(
        request, "subsidies/claims/dispute.html", {"line": line, "form": form}, status=status
    )


# --- the public notice (公示) ---------------------------------------------------------------

# Objections one client address may send per window; settings may override it.
OBJECTIONS_PER_HOUR = 10
OBJECTION_WINDOW_SECONDS = 3600


def check_objection_rate(request: HttpRequest) -> None:
    """Count one public objection from this address; raise RateLimited past the limit.

    The public has no account to count audit events of (core.throttle), so this counts in the
    cache by a keyed hash of the address, in fixed windows, as the certificate checks do.
    """
    from django.conf import settings

    limit = int(getattr(settings, "JINENG_OBJECTIONS_PER_HOUR", OBJECTIONS_PER_HOUR))
    address = client_ip_address(request) or "-"
    digest = hmac.digest(pii.derived_key(b"jineng objection address"), address.encode(), "sha256")
    window = int(time.time()) // OBJECTION_WINDOW_SECONDS
    key = f"subsidies:objection:{digest.hex()[:32]}:{window}"
    if cache.add(key, 1, OBJECTION_WINDOW_SECONDS + 1):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:
            cache.set(key, 1, OBJECTION_WINDOW_SECONDS + 1)
            count = 1
    if count > limit:
        raise RateLimited(
            _("Too many objections from your network. Please try again later."),
            retry_after=OBJECTION_WINDOW_SECONDS,
        )


@require_GET
def notice(request: HttpRequest) -> HttpResponse:
    """公示: the claims on public notice now, for anyone."""
    return render(
        request,
        "subsidies/notice/list.html",
        {"claims": queries.claims_in_force().select_related("training_class__programme")},
    )


@require_http_methods(["GET", "POST"])
def notice_claim(request: HttpRequest, number: str) -> HttpResponse:
    """One claim on notice: masked names and amounts, and the objection form."""
    claim = queries.claims_in_force().filter(number=number).first()
    if claim is None:
        raise Http404(_("No such claim on public notice."))
    rows = queries.notice_rows(claim)
    form = PublicObjectionForm(request.POST or None)
    sent = False
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            check_objection_rate(request)
            services.raise_objection(
                claim.number,
                text=form.cleaned_data["text"],
                contact=form.cleaned_data["contact"],
                actor=request.user if request.user.is_authenticated else None,
            )
        except RateLimited as error:
            form.add_error(None, error.detail)
            status = 429
        except DomainError as error:
            form.add_error(None, error.detail)
            status = 400
        else:
            sent = True
            form = PublicObjectionForm()
    elif form.errors:
        status = 400
    return render(
        request,
        "subsidies/notice/claim.html",
        {"claim": claim, "rows": rows, "form": form, "sent": sent},
        status=status,
    )


urlpatterns: list[URLPattern] = [
    path("claims/", claim_list, name="claims"),
    path("claims/queue/", claim_queue, name="claim_queue"),
    path("claims/payments/", payments, name="claim_payments"),
    path("claims/payments/<int:batch_id>/file/", payment_file, name="claim_payment_file"),
    path("claims/<int:claim_id>/", claim_detail, name="claim"),
    # One URL per step (no step keyword: every URL keyword names an object or nothing).
    *(
        path(
            f"claims/<int:claim_id>/{name.replace('_', '-')}/",
            claim_step,
            {"step": name},
            name=f"claim_{name}",
        )
        for name in STEPS
    ),
    path(
        "objections/<int:objection_id>/resolve/",
        resolve_objection,
        name="claim_objection_resolve",
    ),
    path(
        "objections/<int:objection_id>/contact/",
        objection_contact,
        name="claim_objection_contact",
    ),
    path("classes/<int:class_id>/claim/", claim_class, name="claim_class"),
    path("mine/", my_subsidies, name="my_subsidies"),
    path("mine/<int:line_id>/confirm/", confirm_line, name="line_confirm"),
    path("mine/<int:line_id>/dispute/", dispute_line, name="line_dispute"),
    path("notice/", notice, name="notice"),
    path("notice/<str:number>/", notice_claim, name="notice_claim"),
]
