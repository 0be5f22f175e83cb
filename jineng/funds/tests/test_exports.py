"""The ledger's xlsx export: one row per entry read back exactly, the page's filters, who may
export (403 for the rest, 404 for an account whose scope holds no ledger), the audit event
and a memo that looks like a formula."""

from __future__ import annotations

import io
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.core import audit
from jineng.core.models import AuditEvent
from jineng.funds import exports
from jineng.funds.models import Budget, LedgerTransaction
from jineng.funds.tests.conftest import BUDGET_FEN, YEAR, commit
from jineng.funds.views import exports as export_views
from jineng.regions.models import Region

pytestmark = pytest.mark.django_db
EXPORT = reverse("funds:ledger_export")


def as_user(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def rows(response: Any) -> list[tuple[Any, ...]]:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"].startswith('attachment; filename="ledger-')
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    assert book.sheetnames == ["Ledger"]
    return list(book["Ledger"].iter_rows(values_only=True))


def at(txn: LedgerTransaction) -> str:
    return timezone.localtime(txn.at).strftime("%Y-%m-%d %H:%M:%S")


@pytest.fixture
def ledger(budget: Budget, bureau_admin: User) -> list[LedgerTransaction]:
    committed = commit("subsidies.claim:7", 30_000, bureau_admin, memo="=1+2")
    return [LedgerTransaction.objects.get(budget=budget, kind="budget"), committed]


def test_auditor_exports_each_entry_with_debits_and_credits_in_yuan(
    ledger: list[LedgerTransaction], auditor: User, finance: User, bureau_admin: User
) -> None:
    granted, committed = ledger
    found = rows(as_user(auditor).post(EXPORT))
    assert found[0] == (
        "Transaction number",
        "At",
        "Kind",
        "Reference",
        "Fund source",
        "Budget year",
        "Account",
        "Debit (yuan)",
        "Credit (yuan)",
        "By",
        "Memo",
    )
    common = (at(committed), "Commitment", "subsidies.claim:7", "就业补助资金", YEAR)
    assert found[1:3] == [
        (committed.pk, *common, "Committed", Decimal("300.00"), None, "admin_t", "=1+2"),
        (committed.pk, *common, "Available", None, Decimal("300.00"), "admin_t", "=1+2"),
    ]
    assert [row[0] for row in found[3:]] == [granted.pk, granted.pk]
    assert {row[7] or row[8] for row in found[3:]} == {Decimal(BUDGET_FEN) / 100}
    assert {row[9] for row in found[3:]} == {finance.username}
    event = AuditEvent.objects.get(action="funds.ledger.exported")
    assert (event.actor_id, event.data) == (auditor.pk, {"rows": 4, "filters": {}})
    assert audit.verify() is None


def test_a_memo_that_looks_like_a_formula_is_text(
    ledger: list[LedgerTransaction], auditor: User
) -> None:
    response: Any = as_user(auditor).post(EXPORT)
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    cell = book["Ledger"]["K2"]
    assert (cell.value, cell.data_type) == ("=1+2", "s")


def test_the_pages_filters_are_applied_and_recorded(
    ledger: list[LedgerTransaction], auditor: User
) -> None:
    found = rows(as_user(auditor).post(EXPORT, {"kind": "commitment", "year": str(YEAR)}))
    assert [row[0] for row in found[1:]] == [ledger[1].pk, ledger[1].pk]
    event = AuditEvent.objects.get(action="funds.ledger.exported")
    assert event.data == {"rows": 2, "filters": {"kind": "commitment", "year": str(YEAR)}}
    assert as_user(auditor).post(EXPORT, {"year": "nineteen"}).status_code == 400


@pytest.mark.parametrize("role", [Role.INSTITUTION_STAFF, Role.WORKER, Role.EMPLOYER])
def test_a_role_that_does_not_read_the_ledger_gets_403(
    ledger: list[LedgerTransaction], school_a: Any, role: str
) -> None:
    user = make_user(f"no_ledger_{role}", role, organization=school_a)
    assert as_user(user).post(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action="funds.ledger.exported").exists()


def test_a_reviewer_limited_to_a_town_gets_the_ledger_pages_404(
    ledger: list[LedgerTransaction], city: Region
) -> None:
    reviewer = make_user(
        "reviewer_town", Role.REVIEWER, region=Region.objects.get(code="220581001")
    )
    client = as_user(reviewer)
    assert client.get(reverse("funds:ledger")).status_code == 404
    assert client.post(EXPORT).status_code == 404
    assert not AuditEvent.objects.filter(action="funds.ledger.exported").exists()


def test_an_export_past_its_limit_is_refused(
    ledger: list[LedgerTransaction], auditor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 3)
    monkeypatch.setattr(export_views, "INLINE_MAX_ROWS", 3)
    response = as_user(auditor).post(EXPORT)
    assert response.status_code == 400
    assert "Narrow the filters" in response.content.decode()
    assert not AuditEvent.objects.filter(action="funds.ledger.exported").exists()


def test_the_ledger_page_offers_the_export_with_its_filters(
    ledger: list[LedgerTransaction], auditor: User
) -> None:
    html = as_user(auditor).get(reverse("funds:ledger"), {"kind": "commitment"}).content.decode()
    assert f'action="{EXPORT}"' in html
    assert '<input type="hidden" name="kind" value="commitment">' in html


def test_an_export_too_large_for_the_page_is_sent_on_to_a_background_job(
    ledger: list[LedgerTransaction], auditor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(export_views, "INLINE_MAX_ROWS", 3)
    response = as_user(auditor).post(EXPORT, {"year": str(YEAR)})
    assert (response.status_code, response["Location"]) == (307, reverse("auditor_export_ledger"))
    assert not AuditEvent.objects.filter(action="funds.ledger.exported").exists()
