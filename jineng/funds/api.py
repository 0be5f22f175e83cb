"""REST endpoints of funds: balances, the ledger's transactions, and setting a budget.

Readers hold view_subsidies (bureau, reviewers, auditors, finance); anyone else gets 404,
as for a path that does not exist. ``POST /funds/budgets`` sets (replaces) the budget of a
source and year through ``services.set_budget`` (manage_funds), so repeating it changes
nothing: it needs no Idempotency-Key. Amounts are integer fen.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from jineng.accounts.actors import Actor
from jineng.api.auth import actor
from jineng.api.errors import responses
from jineng.api.schemas import Page, PageParams, paginate
from jineng.core.errors import NotFound
from jineng.funds import access, queries, services
from jineng.funds.choices import AccountKind, Side, TransactionKind
from jineng.funds.models import MAX_BUDGET_FEN, MAX_YEAR, MIN_YEAR, LedgerTransaction

router = Router(tags=["funds"])


def _reader(request: HttpRequest) -> Actor:
    user = actor(request)
    if not access.may_view(user):
        raise NotFound(_("No such page."))
    return user


class BalanceOut(Schema):
    """Where the money of one fund source and year stands, in fen."""

    source: str = Field(description="The fund source's code, e.g. employment_fund.")
    source_name: str
    year: int
    budget_fen: int
    available_fen: int
    committed_fen: int
    paid_fen: int = Field(description="Disbursed less what the bank returned.")
    recovery_ordered_fen: int
    recovered_fen: int
    receivable_fen: int = Field(description="Ordered back and not yet recovered.")
    is_example: bool = Field(description="The amount is the demo's, not a real budget.")


class EntryOut(Schema):
    """One debit or credit of a transaction."""

    account: AccountKind
    side: Side
    amount_fen: int


class TransactionOut(Schema):
    """One ledger transaction with its balanced entries."""

    id: int
    kind: TransactionKind
    reference: str
    source: str
    year: int
    amount_fen: int
    memo: str
    actor: str | None = Field(description="The account's username; null for the system.")
    at: datetime.datetime
    entries: list[EntryOut]


class TransactionFiltersIn(Schema):
    """Filters of the ledger."""

    year: int | None = Field(default=None, ge=MIN_YEAR, le=MAX_YEAR)
    source: str | None = Field(default=None, max_length=40)
    kind: TransactionKind | None = None
    reference: str | None = Field(default=None, max_length=100, description="A prefix.")


class BudgetIn(Schema):
    """The budget to set for a source and year (it replaces the year's budget)."""

    source: str = Field(max_length=40, description="The fund source's code.")
    year: int = Field(ge=MIN_YEAR, le=MAX_YEAR)
    amount_fen: int = Field(ge=0, le=MAX_BUDGET_FEN)
    is_example: bool = False


def _balance_out(row: queries.BalanceRow) -> dict[str, Any]:
    return {
        "source": row.source,
        "source_name": row.source_name,
        "year": row.year,
        "budget_fen": row.budget,
        "available_fen": row.available,
        "committed_fen": row.committed,
        "paid_fen": row.paid,
        "recovery_ordered_fen": row.recovery_ordered,
        "recovered_fen": row.recovered,
        "receivable_fen": row.receivable,
        "is_example": row.is_example,
    }


def _transaction_out(txn: LedgerTransaction) -> dict[str, Any]:
    return {
        "id": txn.pk,
        "kind": txn.kind,
        "reference": txn.reference,
        "source": txn.budget.source.code,
        "year": txn.budget.year,
        "amount_fen": txn.amount_fen,
        "memo": txn.memo,
        "actor": txn.actor.get_username() if txn.actor else None,
        "at": txn.at,
        "entries": [
            {"account": e.account.kind, "side": e.side, "amount_fen": e.amount_fen}
            for e in txn.entries.all()
        ],
    }


@router.get(
    "/funds/balances",
    response={200: list[BalanceOut], **responses(400, 401, 404)},
    summary="List fund balances",
    url_name="funds_balances",
)
def list_balances(
    request: HttpRequest, year: int | None = Query(None, ge=MIN_YEAR, le=MAX_YEAR)
) -> list[dict[str, Any]]:
    """Return each source and year's budget, available, committed, paid and recovered money."""
    _reader(request)
    return [_balance_out(row) for row in queries.balances(year)]


@router.get(
    "/funds/transactions",
    response={200: Page[TransactionOut], **responses(400, 401, 404)},
    summary="List ledger transactions",
    url_name="funds_transactions",
)
def list_transactions(
    request: HttpRequest, filters: Query[TransactionFiltersIn], page: Query[PageParams]
) -> dict[str, Any]:
    """List the ledger's transactions, newest first, each with its debit and credit entries."""
    _reader(request)
    rows = queries.transactions(
        year=filters.year, source=filters.source, kind=filters.kind, reference=filters.reference
    ).prefetch_related("entries__account")
    result = paginate(rows, page)
    result["items"] = [_transaction_out(t) for t in result["items"]]
    return result


@router.post(
    "/funds/budgets",
    response={200: BalanceOut, **responses(400, 401, 403, 404, 409)},
    summary="Set a budget",
    url_name="funds_budget_set",
)
def set_budget(request: HttpRequest, payload: BudgetIn) -> dict[str, Any]:
    """Set the budget of a source and year (manage_funds); a cut below what is committed or
    paid is refused (409)."""
    user = _reader(request)
    budget = services.set_budget(
        source=payload.source,
        year=payload.year,
        amount_fen=payload.amount_fen,
        is_example=payload.is_example,
        actor=user,
    )
    row = next(r for r in queries.balances(budget.year) if r.budget_id == budget.pk)
    return _balance_out(row)
