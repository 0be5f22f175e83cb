"""Post balanced transactions on a budget's accounts (记账): the one writer of balances.

Callers hold the budget's row lock (locks.py) and have checked the business rule with a
clear message first; ``post`` checks again that the entries balance and that no balance
goes below zero, and the database's CHECK constraints back both.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import F
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core.errors import Conflict
from jineng.funds.choices import CREDIT_NORMAL, AccountKind, Side, TransactionKind
from jineng.funds.models import Account, Budget, LedgerEntry, LedgerTransaction


@dataclass(frozen=True)
class Leg:
    """One entry to post: an account of the chart, a side and an amount above zero."""

    account: AccountKind
    side: Side
    amount_fen: int


# Each kind of transaction moves money from one account to another: (debit, credit).
PAIRS: dict[TransactionKind, tuple[AccountKind, AccountKind]] = {
    TransactionKind.COMMITMENT: (AccountKind.COMMITTED, AccountKind.AVAILABLE),
    TransactionKind.RELEASE: (AccountKind.AVAILABLE, AccountKind.COMMITTED),
    TransactionKind.DISBURSEMENT: (AccountKind.PAID, AccountKind.COMMITTED),
    TransactionKind.REVERSAL: (AccountKind.COMMITTED, AccountKind.PAID),
    TransactionKind.RECOVERY_ORDER: (AccountKind.RECEIVABLE, AccountKind.PAID),
    TransactionKind.RECOVERY: (AccountKind.AVAILABLE, AccountKind.RECEIVABLE),
}


def ensure_accounts(budget: Budget) -> None:
    """Open every account of the chart for a budget (those missing)."""
    Account.objects.bulk_create(
        [Account(budget=budget, kind=kind) for kind in AccountKind], ignore_conflicts=True
    )


def balances(budget: Budget) -> dict[str, int]:
    """Return the balance of each account of a budget, by account kind."""
    found = dict(budget.accounts.values_list("kind", "balance_fen"))
    return {kind: found.get(kind, 0) for kind in AccountKind.values}


def delta(kind: str, side: str, amount_fen: int) -> int:
    """How an entry changes an account's balance, kept on the account's normal side."""
    grows = (side == Side.CREDIT) == (kind in CREDIT_NORMAL)
    return amount_fen if grows else -amount_fen


def check_balanced(legs: Sequence[Leg]) -> None:
    """Refuse entries whose debits and credits differ, or with an amount not above zero."""
    if not legs or any(leg.amount_fen <= 0 for leg in legs):
        raise Conflict(_("Every ledger entry must be for more than zero."))
    debits = sum(leg.amount_fen for leg in legs if leg.side == Side.DEBIT)
    credits = sum(leg.amount_fen for leg in legs if leg.side == Side.CREDIT)
    if debits != credits:
        raise Conflict(
            _("The entries do not balance: debits {debits} fen, credits {credits} fen.").format(
                debits=debits, credits=credits
            )
        )


def post(
    budget: Budget,
    kind: TransactionKind,
    legs: Sequence[Leg],
    *,
    reference: str,
    memo: str,
    actor: Actor | None,
) -> LedgerTransaction:
    """Write one balanced transaction and move the balances; the caller holds the lock."""
    check_balanced(legs)
    accounts = {a.kind: a for a in Account.objects.filter(budget=budget)}
    changes: dict[str, int] = {}
    for leg in legs:
        changes[leg.account] = changes.get(leg.account, 0) + delta(
            leg.account, leg.side, leg.amount_fen
        )
    for account_kind, change in changes.items():
        if accounts[account_kind].balance_fen + change < 0:
            raise Conflict(
                _("The account {account} of {budget} would go below zero.").format(
                    account=AccountKind(account_kind).label, budget=budget
                )
            )
    amount = sum(leg.amount_fen for leg in legs if leg.side == Side.DEBIT)
    transaction = LedgerTransaction.objects.create(
        budget=budget,
        kind=kind,
        reference=reference,
        amount_fen=amount,
        memo=memo[:500],
        actor=actor if actor is not None and actor.pk else None,
    )
    LedgerEntry.objects.bulk_create(
        [
            LedgerEntry(
                transaction=transaction,
                account=accounts[leg.account],
                side=leg.side,
                amount_fen=leg.amount_fen,
            )
            for leg in legs
        ]
    )
    for account_kind, change in changes.items():
        if change:
            Account.objects.filter(pk=accounts[account_kind].pk).update(
                balance_fen=F("balance_fen") + change
            )
    return transaction


def move(
    budget: Budget,
    kind: TransactionKind,
    amount_fen: int,
    *,
    reference: str,
    memo: str,
    actor: Actor | None,
) -> LedgerTransaction:
    """Post the fixed pair of a transaction kind (PAIRS): debit one account, credit another."""
    debit, credit = PAIRS[kind]
    legs = [Leg(debit, Side.DEBIT, amount_fen), Leg(credit, Side.CREDIT, amount_fen)]
    return post(budget, kind, legs, reference=reference, memo=memo, actor=actor)
