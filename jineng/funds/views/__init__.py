"""Pages of funds (资金): balances, the ledger, budgets, payment batches and reconciliation.

Everyone with view_subsidies reads (bureau, reviewers, auditors, finance); anyone else gets
the same 404 as a page that does not exist. Setting a budget needs manage_funds; a payment
file needs pay_claims (a reader without it is refused, 403).
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods

from jineng.accounts.actors import AuthenticatedHttpRequest
from jineng.core.errors import DomainError, NotFound
from jineng.core.money import format_yuan
from jineng.core.scope import CHANGE
from jineng.funds import access, payments, queries, services
from jineng.funds.forms import BudgetForm, LedgerFilterForm, RecoveryForm, ReversalForm

PAGE_SIZE = 50


def _require_view(request: AuthenticatedHttpRequest) -> None:
    if not access.may_view(request.user):
        raise Http404(_("No such page."))


def _chart(rows: list[queries.BalanceRow]) -> dict[str, Any]:
    """The balances as the bar chart reads them: yuan per source and year."""
    return {
        "categories": [f"{r.source_name} {r.year}" for r in rows],
        "labels": {
            "available": _("Available"),
            "committed": _("Committed"),
            "paid": _("Paid, less recovered"),
        },
        "available": [r.available / 100 for r in rows],
        "committed": [r.committed / 100 for r in rows],
        "paid": [(r.paid - r.recovered) / 100 for r in rows],
    }


@login_required
@require_GET
def balances(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the money of each source and year: budget, available, committed, paid."""
    _require_view(request)
    try:
        year = int(request.GET["year"]) if request.GET.get("year") else None
    except ValueError:
        year = None
    rows = queries.balances(year)
    return render(
        request,
        "funds/balances.html",
        {
            "rows": rows,
            "year": year,
            "years": queries.years(),
            "chart": _chart(rows),
            "has_example": any(r.is_example for r in rows),
            "may_manage": access.may_manage(request.user),
            "may_pay": access.may_pay(request.user),
        },
    )


@login_required
@require_GET
def ledger(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the ledger's transactions, newest first, filtered; each with its entries."""
    _require_view(request)
    form = LedgerFilterForm(request.GET or None)
    rows = queries.transactions(**form.filters()).prefetch_related("entries__account")
    query = request.GET.copy()
    query.pop("page", None)
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "funds/ledger.html",
        {"form": form, "page": page, "query": query.urlencode()},
    )


@login_required
@require_http_methods(["GET", "POST"])
def set_budget(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Set a source's budget for a year (manage_funds)."""
    _require_view(request)
    if not access.may_manage(request.user):
        raise Http404(_("No such page."))
    form = BudgetForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            budget = services.set_budget(
                source=data["source"],
                year=data["year"],
                amount_fen=data["amount"],
                is_example=data["is_example"],
                actor=request.user,
            )
        except DomainError as error:
            field = "amount" if error.field == "amount_fen" else error.field
            form.add_error(field if field in form.fields else None, str(error.detail))
        else:
            messages.success(
                request,
                _("The budget of {budget} is now {amount} yuan.").format(
                    budget=budget, amount=format_yuan(budget.amount_fen)
                ),
            )
            return redirect("funds:balances")
    return render(
        request,
        "funds/budget_form.html",
        {"form": form},
        status=400 if form.errors else 200,
    )


@login_required
@require_GET
def batches(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the payment batches, newest first."""
    _require_view(request)
    rows = access.batches_for_user(request.user).select_related("created_by")
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "funds/batches.html", {"page": page, "query": ""})


@login_required
@require_GET
def batch_detail(request: AuthenticatedHttpRequest, batch_id: int) -> HttpResponse:
    """Show a payment batch's lines (accounts masked) and its payment files."""
    _require_view(request)
    try:
        batch = access.get_batch_for_user(request.user, batch_id)
    except NotFound as error:
        raise Http404(error.detail) from None
    lines = batch.payments.select_related("transaction", "reversal").order_by("index")
    return render(
        request,
        "funds/batch_detail.html",
        {
            "batch": batch,
            "lines": lines,
            "layouts": payments.layouts().values(),
            "may_pay": access.may_pay(request.user),
            "may_manage": access.may_manage(request.user),
        },
    )


def _found(getter: Any, *args: Any, **kwargs: Any) -> Any:
    try:
        return getter(*args, **kwargs)
    except NotFound as error:
        raise Http404(error.detail) from None


@login_required
@require_http_methods(["POST"])
def reverse_payment(request: AuthenticatedHttpRequest, payment_id: int) -> HttpResponse:
    """Reverse a payment the bank returned (manage_funds): its money is committed again."""
    _require_view(request)
    payment = _found(access.get_payment_for_user, request.user, payment_id, action=CHANGE)
    form = ReversalForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say why the payment is reversed."))
    else:
        try:
            services.reverse_payment(payment.pk, memo=form.cleaned_data["memo"], actor=request.user)
        except DomainError as error:
            messages.error(request, str(error.detail))
        else:
            messages.success(
                request, _("Payment {reference} was reversed.").format(reference=payment.reference)
            )
    return redirect("funds:batch_detail", payment.batch_id)


@login_required
@require_GET
def recoveries(request: AuthenticatedHttpRequest) -> HttpResponse:
    """List the recovery orders, with a form to record money recovered (manage_funds)."""
    _require_view(request)
    page = Paginator(access.recoveries_for_user(request.user), PAGE_SIZE).get_page(
        request.GET.get("page")
    )
    return render(
        request,
        "funds/recoveries.html",
        {"page": page, "query": "", "may_manage": access.may_manage(request.user)},
    )


@login_required
@require_http_methods(["POST"])
def record_recovery(request: AuthenticatedHttpRequest, order_id: int) -> HttpResponse:
    """Record money recovered on an order (manage_funds)."""
    _require_view(request)
    order = _found(access.get_recovery_for_user, request.user, order_id, action=CHANGE)
    form = RecoveryForm(request.POST)
    if not form.is_valid():
        messages.error(
            request, "; ".join(str(e) for errors in form.errors.values() for e in errors)
        )
    else:
        try:
            services.record_recovery(order.pk, form.cleaned_data["amount"], actor=request.user)
        except DomainError as error:
            messages.error(request, str(error.detail))
        else:
            messages.success(request, _("The recovered money was recorded."))
    return redirect("funds:recoveries")


@login_required
@require_GET
def payment_file(request: AuthenticatedHttpRequest, batch_id: int) -> HttpResponse:
    """Download a batch's payment file in the layout of ``?layout=`` (pay_claims).

    Whoever may see the batch but not pay (the bureau, auditors) is refused (403), as on the
    claims' page of the same file; anyone else finds nothing (404).
    """
    _require_view(request)
    try:
        batch = access.get_batch_for_user(request.user, batch_id)
    except NotFound as error:
        raise Http404(error.detail) from None
    if not access.may_pay(request.user):
        raise PermissionDenied
    try:
        found = payments.get_layout(request.GET.get("layout", ""))
    except NotFound as error:
        raise Http404(error.detail) from None
    data = services.payment_file(batch, found.code)
    kind = (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        if found.format == "xlsx"
        else f"text/csv; charset={found.encoding}"
    )
    response = HttpResponse(data, content_type=kind)
    name = f"{batch.reference}-{found.code}.{found.format}"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _known_references() -> set[str] | None:
    """The references of every claim, when subsidies is installed (funds does not import it)."""
    if not apps.is_installed("jineng.subsidies"):
        return None
    claim = apps.get_model("subsidies", "Claim")
    return {f"subsidies.claim:{pk}" for pk in claim.objects.values_list("pk", flat=True)}


@login_required
@require_GET
def reconciliation(request: AuthenticatedHttpRequest) -> HttpResponse:
    """Show the reconciliation report: each budget's equations, balance and orphans."""
    _require_view(request)
    report = queries.reconciliation(_known_references())
    return render(request, "funds/reconciliation.html", {"report": report})
