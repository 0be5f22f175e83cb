"""Fixtures of funds: the sources, a finance officer, and a budget of example money."""

from __future__ import annotations

from typing import Any

import pytest

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.funds import services
from jineng.funds.models import Budget, FundSource
from jineng.funds.sources import load_sources

YEAR = 2026
# 10,000.00 yuan: an example amount of the tests, not any city's budget.
BUDGET_FEN = 1_000_000


@pytest.fixture
def sources(db: Any) -> None:
    # Transactional tests flush the migration's rows: load them again (idempotent).
    load_sources(FundSource)


@pytest.fixture
def finance(db: Any) -> User:
    return make_user("finance_t", Role.FINANCE)


@pytest.fixture
def approver(bureau_admin: User) -> User:
    return bureau_admin


@pytest.fixture
def budget(sources: None, finance: User) -> Budget:
    return services.set_budget(
        source="employment_fund", year=YEAR, amount_fen=BUDGET_FEN, actor=finance, is_example=True
    )


def commit(reference: str, amount_fen: int, actor: User, **kw: Any) -> Any:
    return services.commit(
        source=kw.get("source", "employment_fund"),
        year=kw.get("year", YEAR),
        amount_fen=amount_fen,
        reference=reference,
        memo=kw.get("memo", "approved"),
        actor=actor,
    )


def line(reference: str, amount_fen: int, **kw: Any) -> services.PaymentLine:
    return services.PaymentLine(
        reference=reference,
        payee_name=kw.get("payee_name", "梅河口市示例职业培训学校"),
        payee_account=kw.get("payee_account", "6222020200112233445"),
        bank=kw.get("bank", "示例银行梅河口支行"),
        amount_fen=amount_fen,
        memo=kw.get("memo", "培训补贴"),
    )
