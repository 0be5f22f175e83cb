"""The funds API: balances, transactions with their entries, and setting a budget."""

from __future__ import annotations

from typing import Any

import pytest

from jineng.api.tests.helpers import api_client
from jineng.core.models import AuditEvent
from jineng.funds.models import Budget

from .conftest import BUDGET_FEN, YEAR, commit

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("finance", 200),
        ("auditor", 200),
        ("reviewer", 200),
        ("bureau_admin", 200),
        ("staff_a", 404),
        ("worker", 404),
    ],
)
def test_who_reads_balances(request: Any, budget: Any, who: str, status: int) -> None:
    response = api_client(request.getfixturevalue(who)).get("/api/v1/funds/balances")
    assert response.status_code == status


def test_anonymous_gets_401(budget: Any) -> None:
    assert api_client(None).get("/api/v1/funds/balances").status_code == 401


def test_balances_in_fen(budget: Any, approver: Any, auditor: Any) -> None:
    commit("subsidies.claim:1", 123_456, approver)
    body = api_client(auditor).get("/api/v1/funds/balances", year=YEAR).json()
    assert body == [
        {
            "source": "employment_fund",
            "source_name": "就业补助资金",
            "year": YEAR,
            "budget_fen": BUDGET_FEN,
            "available_fen": BUDGET_FEN - 123_456,
            "committed_fen": 123_456,
            "paid_fen": 0,
            "recovery_ordered_fen": 0,
            "recovered_fen": 0,
            "receivable_fen": 0,
            "is_example": True,
        }
    ]


def test_transactions_are_paged_with_entries(
    budget: Any, approver: Any, auditor: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(3):
        commit(f"subsidies.claim:{n}", 100 + n, approver)
    client = api_client(auditor)
    with django_assert_max_num_queries(12):
        body = client.get("/api/v1/funds/transactions", kind="commitment", limit=2).json()
    assert body["count"] == 3
    assert [t["amount_fen"] for t in body["items"]] == [102, 101]
    assert sorted((e["account"], e["side"]) for e in body["items"][0]["entries"]) == [
        ("available", "C"),
        ("committed", "D"),
    ]
    assert body["items"][0]["actor"] == approver.username
    assert client.get("/api/v1/funds/transactions", kind="nope").status_code == 400


def test_finance_sets_a_budget(sources: None, finance: Any) -> None:
    body = {"source": "donation", "year": YEAR, "amount_fen": 50_000}
    response = api_client(finance).post("/api/v1/funds/budgets", body)
    assert response.status_code == 200
    assert response.json()["available_fen"] == 50_000
    assert Budget.objects.get(source__code="donation").amount_fen == 50_000
    assert AuditEvent.objects.filter(action="funds.budget.set").count() == 1


def test_budget_cut_below_committed_is_409(budget: Any, approver: Any, finance: Any) -> None:
    commit("subsidies.claim:1", 700_000, approver)
    body = {"source": "employment_fund", "year": YEAR, "amount_fen": 1}
    response = api_client(finance).post("/api/v1/funds/budgets", body)
    assert response.status_code == 409
    assert response.json()["code"] == "budget_below_spent"


@pytest.mark.parametrize(("who", "status"), [("auditor", 403), ("staff_a", 404)])
def test_others_may_not_set_budgets(request: Any, sources: None, who: str, status: int) -> None:
    body = {"source": "donation", "year": YEAR, "amount_fen": 1}
    response = api_client(request.getfixturevalue(who)).post("/api/v1/funds/budgets", body)
    assert response.status_code == status
    assert not Budget.objects.exists()


def test_negative_amount_is_400(sources: None, finance: Any) -> None:
    body = {"source": "donation", "year": YEAR, "amount_fen": -1}
    assert api_client(finance).post("/api/v1/funds/budgets", body).status_code == 400
