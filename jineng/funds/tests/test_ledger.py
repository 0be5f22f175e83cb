"""Budgets, commitments and releases: exact amounts, balanced entries, audit in the same
transaction, and refusals with clear messages that change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from jineng.core.errors import PermissionDenied
from jineng.core.models import AuditEvent
from jineng.funds import queries, services
from jineng.funds.choices import AccountKind, CommitmentStatus, Side, TransactionKind
from jineng.funds.errors import (
    AlreadyCommitted,
    BudgetBelowSpent,
    InsufficientFunds,
    NoBudget,
    UnknownSource,
)
from jineng.funds.models import Account, Commitment, FundSource, LedgerEntry, LedgerTransaction

from .conftest import BUDGET_FEN, YEAR, commit

pytestmark = pytest.mark.django_db


def _balances(budget: Any) -> dict[str, int]:
    return dict(Account.objects.filter(budget=budget).values_list("kind", "balance_fen"))


def _assert_every_transaction_balances() -> None:
    for txn in LedgerTransaction.objects.prefetch_related("entries"):
        entries = list(txn.entries.all())
        assert len(entries) >= 2
        assert sum(e.signed_fen for e in entries) == 0
        assert sum(e.amount_fen for e in entries if e.side == Side.DEBIT) == txn.amount_fen
    assert queries.unbalanced_transactions() == []


def test_the_five_sources_of_the_policy_are_loaded(sources: None) -> None:
    # The data migration calls the same loader; transactional tests flush its rows.
    assert list(FundSource.objects.values_list("code", "name")) == [
        ("employment_fund", "就业补助资金"),
        ("unemployment_insurance", "失业保险基金"),
        ("enterprise_education", "企业职工教育经费"),
        ("donation", "社会捐助"),
        ("personal", "个人缴费"),
    ]


def test_set_budget_posts_appropriation_and_available(budget: Any, finance: Any) -> None:
    assert budget.amount_fen == BUDGET_FEN
    assert _balances(budget) == {
        AccountKind.APPROPRIATION: BUDGET_FEN,
        AccountKind.AVAILABLE: BUDGET_FEN,
        AccountKind.COMMITTED: 0,
        AccountKind.PAID: 0,
        AccountKind.RECEIVABLE: 0,
    }
    txn = LedgerTransaction.objects.get()
    assert txn.kind == TransactionKind.BUDGET
    assert txn.actor == finance
    assert sorted(txn.entries.values_list("account__kind", "side", "amount_fen")) == [
        ("appropriation", "C", BUDGET_FEN),
        ("available", "D", BUDGET_FEN),
    ]
    event = AuditEvent.objects.get(action="funds.budget.set")
    assert event.data["after"] == BUDGET_FEN
    assert event.data["before"] == 0
    _assert_every_transaction_balances()


def test_raise_and_cut_budget_post_the_difference(budget: Any, finance: Any) -> None:
    services.set_budget(source="employment_fund", year=YEAR, amount_fen=1_500_000, actor=finance)
    services.set_budget(source="employment_fund", year=YEAR, amount_fen=1_200_001, actor=finance)
    amounts = list(LedgerTransaction.objects.order_by("pk").values_list("amount_fen", flat=True))
    assert amounts == [BUDGET_FEN, 500_000, 299_999]
    assert _balances(budget)[AccountKind.AVAILABLE] == 1_200_001
    assert _balances(budget)[AccountKind.APPROPRIATION] == 1_200_001
    _assert_every_transaction_balances()


def test_budget_cannot_be_cut_below_committed(budget: Any, finance: Any, approver: Any) -> None:
    commit("subsidies.claim:1", 700_000, approver)
    with translation.override("en"), pytest.raises(BudgetBelowSpent) as caught:
        services.set_budget(source="employment_fund", year=YEAR, amount_fen=600_000, actor=finance)
    assert "7,000.00 yuan are committed or paid" in caught.value.detail
    budget.refresh_from_db()
    assert budget.amount_fen == BUDGET_FEN


def test_set_budget_needs_manage_funds(sources: None, reviewer: Any, auditor: Any) -> None:
    for actor in (reviewer, auditor):
        with pytest.raises(PermissionDenied):
            services.set_budget(source="donation", year=YEAR, amount_fen=1, actor=actor)
    assert not LedgerTransaction.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="funds.").exists()


def test_set_budget_refuses_unknown_source(sources: None, finance: Any) -> None:
    with pytest.raises(UnknownSource):
        services.set_budget(source="lottery", year=YEAR, amount_fen=1, actor=finance)


def test_commit_moves_available_to_committed(budget: Any, approver: Any) -> None:
    txn = commit("subsidies.claim:12", 123_456, approver)
    assert txn.kind == TransactionKind.COMMITMENT
    assert txn.reference == "subsidies.claim:12"
    assert txn.actor == approver
    assert _balances(budget)[AccountKind.AVAILABLE] == BUDGET_FEN - 123_456
    assert _balances(budget)[AccountKind.COMMITTED] == 123_456
    assert queries.is_committed("subsidies.claim:12")
    assert not queries.is_committed("subsidies.claim:13")
    event = AuditEvent.objects.get(action="funds.commitment.created")
    assert event.data["amount_fen"] == 123_456
    _assert_every_transaction_balances()


def test_commit_refuses_more_than_available_with_amounts_in_yuan(
    budget: Any, approver: Any
) -> None:
    commit("subsidies.claim:1", 999_999, approver)
    with translation.override("en"), pytest.raises(InsufficientFunds) as caught:
        commit("subsidies.claim:2", 2, approver)
    assert caught.value.detail == (
        "Not enough money in 就业补助资金 2026: 0.01 yuan available, 0.02 yuan asked."
    )
    assert caught.value.code == "insufficient_funds"
    assert not Commitment.objects.filter(reference="subsidies.claim:2").exists()
    # The last fen may be committed: exactly zero is allowed, below zero is not.
    commit("subsidies.claim:3", 1, approver)
    assert _balances(budget)[AccountKind.AVAILABLE] == 0


def test_commit_without_budget_is_refused(sources: None, approver: Any) -> None:
    with translation.override("en"), pytest.raises(NoBudget) as caught:
        commit("subsidies.claim:1", 100, approver, source="donation")
    assert caught.value.detail == "No budget is set for 社会捐助 2026."


def test_commit_twice_is_refused(budget: Any, approver: Any) -> None:
    commit("subsidies.claim:1", 100, approver)
    with pytest.raises(AlreadyCommitted):
        commit("subsidies.claim:1", 100, approver)
    assert _balances(budget)[AccountKind.COMMITTED] == 100


def test_commit_needs_approve_claims(budget: Any, finance: Any, staff_a: Any) -> None:
    for actor in (finance, staff_a):
        with pytest.raises(PermissionDenied):
            commit("subsidies.claim:1", 100, actor)
    assert not Commitment.objects.exists()


def test_release_returns_the_money_and_allows_a_new_commit(budget: Any, approver: Any) -> None:
    commit("subsidies.claim:1", 40_000, approver)
    txn = services.release(reference="subsidies.claim:1", memo="rejected", actor=approver)
    assert txn is not None
    assert txn.kind == TransactionKind.RELEASE
    assert txn.amount_fen == 40_000
    assert _balances(budget)[AccountKind.AVAILABLE] == BUDGET_FEN
    assert _balances(budget)[AccountKind.COMMITTED] == 0
    assert Commitment.objects.get().status == CommitmentStatus.RELEASED
    assert not queries.is_committed("subsidies.claim:1")
    assert services.release(reference="subsidies.claim:1", memo="", actor=approver) is None
    assert services.release(reference="nothing:1", memo="", actor=approver) is None
    commit("subsidies.claim:1", 30_000, approver)
    assert _balances(budget)[AccountKind.COMMITTED] == 30_000
    assert AuditEvent.objects.filter(action="funds.commitment.released").count() == 1
    _assert_every_transaction_balances()


def test_database_refuses_a_balance_below_zero(budget: Any) -> None:
    account = Account.objects.get(budget=budget, kind=AccountKind.AVAILABLE)
    account.balance_fen = -1
    with pytest.raises(IntegrityError), transaction.atomic():
        account.save()


def test_database_refuses_an_entry_of_zero(budget: Any) -> None:
    txn = LedgerTransaction.objects.get()
    account = Account.objects.get(budget=budget, kind=AccountKind.AVAILABLE)
    with pytest.raises(IntegrityError), transaction.atomic():
        LedgerEntry.objects.create(transaction=txn, account=account, side="D", amount_fen=0)


def test_post_refuses_unbalanced_entries(budget: Any) -> None:
    from jineng.core.errors import Conflict
    from jineng.funds import ledger

    legs = [
        ledger.Leg(AccountKind.COMMITTED, Side.DEBIT, 10),
        ledger.Leg(AccountKind.AVAILABLE, Side.CREDIT, 9),
    ]
    with pytest.raises(Conflict):
        ledger.post(budget, TransactionKind.COMMITMENT, legs, reference="x", memo="", actor=None)
    assert LedgerTransaction.objects.count() == 1


def test_large_budgets_reconcile_exactly(sources: None, finance: Any, approver: Any) -> None:
    # 300 million yuan: beyond a 32-bit fen column, still exact.
    big = 30_000_000_000
    budget = services.set_budget(
        source="unemployment_insurance", year=YEAR, amount_fen=big, actor=finance
    )
    commit("subsidies.claim:1", big - 1, approver, source="unemployment_insurance")
    assert _balances(budget)[AccountKind.AVAILABLE] == 1
    report = queries.reconciliation()
    assert report.is_reconciled
    assert report.rows[0].balance.committed == big - 1
