"""Parallel approvals never commit more than a budget holds (PostgreSQL, real threads).

Every commitment locks its budget row in locks.py before it reads the available balance.
The control replaces that lock with a plain read and lets every approval read the balance
before any writes: each then passes the service's check, and only the database's CHECK
constraint (no account below zero) keeps the budget from being overspent.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, connection

from jineng.core.errors import Conflict
from jineng.funds import ledger, locks, queries
from jineng.funds.choices import AccountKind
from jineng.funds.errors import InsufficientFunds
from jineng.funds.models import Account, Budget, Commitment

from .conftest import BUDGET_FEN, commit

THREADS = 8
ASKED = 300_000
FITS = BUDGET_FEN // ASKED


def _commit_in_parallel(actor: Any) -> list[str]:
    outcomes: list[str] = []

    def attempt(n: int) -> None:
        try:
            commit(f"subsidies.claim:{n}", ASKED, actor)
            outcomes.append("committed")
        except InsufficientFunds:
            outcomes.append("refused")
        except IntegrityError as error:
            outcomes.append(f"constraint: {error}")
        except Conflict as error:
            # ledger.post's own guard, when a rival committed before this one re-read.
            outcomes.append(f"guard: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(1, THREADS + 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _gated(read: Callable[..., Any], *, before: bool) -> Callable[..., Any]:
    """Make the approvals meet at a barrier just before (or just after) a read."""
    barrier = threading.Barrier(THREADS, timeout=10)

    def gated(*args: Any) -> Any:
        if before:
            barrier.wait()
            return read(*args)
        found = read(*args)
        barrier.wait()
        return found

    return gated


def _read_unlocked(source_code: str, year: int) -> Budget | None:
    return Budget.objects.filter(source__code=source_code, year=year).first()


def _available() -> int:
    return Account.objects.get(kind=AccountKind.AVAILABLE).balance_fen


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_commits_never_overspend(budget: Any, approver: Any) -> None:
    gated = _gated(locks.budget_for_update, before=True)
    with mock.patch("jineng.funds.locks.budget_for_update", gated):
        outcomes = _commit_in_parallel(approver)
    assert sorted(outcomes) == ["committed"] * FITS + ["refused"] * (THREADS - FITS)
    assert _available() == BUDGET_FEN - FITS * ASKED
    assert Commitment.objects.count() == FITS
    assert queries.reconciliation().is_reconciled


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_every_check_passes(budget: Any, approver: Any) -> None:
    """Control: without the lock every approval reads the full balance and passes the check."""
    gated = _gated(ledger.balances, before=False)
    with (
        mock.patch("jineng.funds.locks.budget_for_update", _read_unlocked),
        mock.patch("jineng.funds.ledger.balances", gated),
    ):
        outcomes = _commit_in_parallel(approver)
    blocked = [o for o in outcomes if o.startswith(("constraint", "guard"))]
    # No approval was refused by the service: each saw enough money.
    assert "refused" not in outcomes
    assert outcomes.count("committed") == FITS
    assert len(blocked) == THREADS - FITS
    assert all("funds_account_never_below_zero" in b or "below zero" in b for b in blocked)
    # Only the CHECK constraint (and the ledger's last guard) kept the balance at or above zero.
    assert _available() == BUDGET_FEN - FITS * ASKED
