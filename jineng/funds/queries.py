"""Reads of funds: balances, what a reference has committed and paid, the ledger, and the
reconciliation report (对账).

``paid_fen`` is money disbursed on a reference less what the bank returned (reversals);
recovery orders do not lower it, so ``recoverable_fen`` is paid less what was ordered back.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import BigIntegerField, Case, F, QuerySet, Sum, When
from django.db.models.functions import Coalesce

from jineng.funds.choices import AccountKind, CommitmentStatus, Side, TransactionKind
from jineng.funds.models import (
    Account,
    Budget,
    Commitment,
    FundSource,
    LedgerEntry,
    LedgerTransaction,
)


@dataclass(frozen=True)
class BalanceRow:
    """Where the money of one source and year stands, in fen."""

    budget_id: int
    source: str
    source_name: str
    year: int
    budget: int
    available: int
    committed: int
    paid: int
    recovery_ordered: int
    recovered: int
    receivable: int
    is_example: bool

    @property
    def spent_share(self) -> float:
        """Committed and paid as a share of the budget (0 when there is none)."""
        return (self.committed + self.paid - self.recovered) / self.budget if self.budget else 0.0


def _kind_sums(budget_ids: Iterable[int]) -> dict[tuple[int, str], int]:
    rows = (
        LedgerTransaction.objects.filter(budget_id__in=list(budget_ids))
        .values("budget_id", "kind")
        .annotate(total=Sum("amount_fen"))
    )
    return {(r["budget_id"], r["kind"]): r["total"] or 0 for r in rows}


def balances(year: int | None = None) -> list[BalanceRow]:
    """Return one row per budget (source and year), newest year first."""
    found = Budget.objects.select_related("source").order_by("-year", "source__ordering")
    budgets = list(found.filter(year=year) if year is not None else found)
    ids = [b.pk for b in budgets]
    stored = Account.objects.filter(budget_id__in=ids).values("budget_id", "kind", "balance_fen")
    accounts = {(a["budget_id"], a["kind"]): a["balance_fen"] for a in stored}
    sums = _kind_sums(ids)
    rows = []
    for b in budgets:
        paid = sums.get((b.pk, TransactionKind.DISBURSEMENT), 0) - sums.get(
            (b.pk, TransactionKind.REVERSAL), 0
        )
        rows.append(
            BalanceRow(
                budget_id=b.pk,
                source=b.source.code,
                source_name=b.source.name,
                year=b.year,
                budget=b.amount_fen,
                available=accounts.get((b.pk, AccountKind.AVAILABLE), 0),
                committed=accounts.get((b.pk, AccountKind.COMMITTED), 0),
                paid=paid,
                recovery_ordered=sums.get((b.pk, TransactionKind.RECOVERY_ORDER), 0),
                recovered=sums.get((b.pk, TransactionKind.RECOVERY), 0),
                receivable=accounts.get((b.pk, AccountKind.RECEIVABLE), 0),
                is_example=b.is_example,
            )
        )
    return rows


def source_name(code: str) -> str:
    """The name of a fund source (资金来源) for people to read; its code if none is loaded."""
    return FundSource.objects.filter(code=code).values_list("name", flat=True).first() or code


def years() -> list[int]:
    """Every year with a budget, newest first."""
    return sorted(set(Budget.objects.values_list("year", flat=True)), reverse=True)


def is_committed(reference: str) -> bool:
    """Tell whether a reference holds an open or paid commitment."""
    return Commitment.objects.filter(
        reference=reference, status__in=[CommitmentStatus.OPEN, CommitmentStatus.PAID]
    ).exists()


def _sum(reference: str, kind: TransactionKind) -> int:
    total = LedgerTransaction.objects.filter(reference=reference, kind=kind).aggregate(
        total=Coalesce(Sum("amount_fen"), 0)
    )["total"]
    return int(total)


def paid_fen(reference: str) -> int:
    """Return what was paid on a reference, less what the bank returned (fen)."""
    return _sum(reference, TransactionKind.DISBURSEMENT) - _sum(reference, TransactionKind.REVERSAL)


def recoverable_fen(reference: str) -> int:
    """Return what was paid on a reference and not yet ordered back (fen)."""
    return paid_fen(reference) - _sum(reference, TransactionKind.RECOVERY_ORDER)


def transactions(
    *,
    year: int | None = None,
    source: str | None = None,
    kind: str | None = None,
    reference: str | None = None,
) -> QuerySet[LedgerTransaction]:
    """Return ledger transactions, newest first, filtered by year, source, kind, reference."""
    rows = LedgerTransaction.objects.select_related("budget__source", "actor")
    if year:
        rows = rows.filter(budget__year=year)
    if source:
        rows = rows.filter(budget__source__code=source)
    if kind:
        rows = rows.filter(kind=kind)
    if reference:
        rows = rows.filter(reference__startswith=reference)
    return rows.order_by("-at", "-pk")


@dataclass
class ReconciliationRow:
    """The checks of one budget: each a name and whether it holds, with the figures."""

    balance: BalanceRow
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    @property
    def is_reconciled(self) -> bool:
        """Tell whether every check of the budget holds."""
        return all(ok for _name, ok, _figures in self.checks)


@dataclass
class Reconciliation:
    """The reconciliation report (对账报告) of the whole ledger."""

    rows: list[ReconciliationRow]
    unbalanced: list[tuple[int, int]]
    orphans: list[Commitment] | None

    @property
    def is_reconciled(self) -> bool:
        """Tell whether everything reconciles."""
        return all(r.is_reconciled for r in self.rows) and not self.unbalanced and not self.orphans


def unbalanced_transactions() -> list[tuple[int, int]]:
    """Return (transaction id, debits − credits) of every transaction that does not balance."""
    signed = Case(
        When(entries__side=Side.DEBIT, then=F("entries__amount_fen")),
        default=-F("entries__amount_fen"),
        output_field=BigIntegerField(),
    )
    rows = (
        LedgerTransaction.objects.annotate(net=Coalesce(Sum(signed), 0))
        .exclude(net=0)
        .values_list("pk", "net")
    )
    return [(pk, net) for pk, net in rows]


def _entry_balances() -> dict[tuple[int, str], int]:
    """Recompute every account's balance from its entries (debit-normal, then flipped)."""
    signed = Case(
        When(side=Side.DEBIT, then=F("amount_fen")),
        default=-F("amount_fen"),
        output_field=BigIntegerField(),
    )
    rows = LedgerEntry.objects.values("account__budget_id", "account__kind").annotate(
        net=Sum(signed)
    )
    found: dict[tuple[int, str], int] = defaultdict(int)
    for r in rows:
        sign = -1 if r["account__kind"] == AccountKind.APPROPRIATION else 1
        found[(r["account__budget_id"], r["account__kind"])] = sign * (r["net"] or 0)
    return found


def reconciliation(known_references: set[str] | None = None) -> Reconciliation:
    """Check the ledger: per budget its equations, every transaction balanced, and (given the
    references that exist elsewhere, e.g. claims) commitments whose reference is unknown."""
    from_entries = _entry_balances()
    accounts = {(a.budget_id, a.kind): a.balance_fen for a in Account.objects.all()}
    open_committed = dict(
        Commitment.objects.filter(status=CommitmentStatus.OPEN)
        .values("budget_id")
        .annotate(total=Sum("amount_fen"))
        .values_list("budget_id", "total")
    )
    rows = []
    for b in balances():
        appropriation = accounts.get((b.budget_id, AccountKind.APPROPRIATION), 0)
        paid_net = accounts.get((b.budget_id, AccountKind.PAID), 0)
        sheet = b.available + b.committed + paid_net + b.receivable
        stored = [accounts.get((b.budget_id, k), 0) for k in AccountKind.values]
        recomputed = [from_entries.get((b.budget_id, k), 0) for k in AccountKind.values]
        row = ReconciliationRow(b)
        row.checks = [
            ("budget_posted", appropriation == b.budget, f"{appropriation} = {b.budget}"),
            (
                "accounts_balance",
                appropriation == sheet,
                f"{appropriation} = {b.available} + {b.committed} + {paid_net} + {b.receivable}",
            ),
            (
                "budget_spread",
                b.budget == b.available + b.committed + b.paid - b.recovered,
                f"{b.budget} = {b.available} + {b.committed} + {b.paid} − {b.recovered}",
            ),
            (
                "commitments_match",
                b.committed == open_committed.get(b.budget_id, 0),
                f"{b.committed} = {open_committed.get(b.budget_id, 0)}",
            ),
            ("entries_match", stored == recomputed, f"{stored} = {recomputed}"),
        ]
        rows.append(row)
    orphans = None
    if known_references is not None:
        orphans = [
            c
            for c in Commitment.objects.exclude(status=CommitmentStatus.RELEASED).order_by(
                "reference"
            )
            if c.reference not in known_references
        ]
    return Reconciliation(rows=rows, unbalanced=unbalanced_transactions(), orphans=orphans)
