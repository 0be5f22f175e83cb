"""The auditor's page: one panel per list the viewer may read, with its figures and export;
403 for a role that reads none of them."""

from __future__ import annotations

import io
from collections.abc import Iterator
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone, translation
from openpyxl import load_workbook

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.core.models import AuditEvent
from jineng.funds import services as funds
from jineng.funds.models import FundSource
from jineng.funds.sources import load_sources
from jineng.regions.models import Region
from jineng.workspace.auditor import panels_for

pytestmark = pytest.mark.django_db
PAGE = reverse("auditor")


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


def as_user(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def budget(db: Any) -> Any:
    load_sources(FundSource)
    finance = make_user("finance_t", Role.FINANCE)
    return funds.set_budget(
        source="employment_fund", year=2026, amount_fen=1_000_000, actor=finance, is_example=True
    )


def test_auditor_sees_claims_ledger_alerts_and_the_audit_trail(budget: Any, auditor: User) -> None:
    panels = {p.kind: p for p in panels_for(auditor)}
    assert list(panels) == ["subsidies.claims", "funds.ledger", "fraud.alerts", "core.audit"]
    ledger = [(f.label, f.value) for f in panels["funds.ledger"].figures]
    assert ledger == [
        ("Ledger transactions", "1"),
        ("Budgets, all years (yuan)", "10,000.00"),
        ("Paid less recovered, all years (yuan)", "0.00"),
    ]
    claims = [(f.label, f.value) for f in panels["subsidies.claims"].figures]
    assert claims == [
        ("Claims", "0"),
        ("Paid claims", "0"),
        ("Paid (yuan)", "0.00"),
        ("Held or objected to", "0"),
    ]
    html = as_user(auditor).get(PAGE).content.decode()
    for url in ("subsidies:claims_export", "funds:ledger_export", "fraud:alert_export"):
        assert f'action="{reverse(url)}"' in html
    assert f'action="{reverse("accounts:audit")}"' in html
    assert '<input type="hidden" name="export" value="xlsx">' in html


def test_the_audit_trail_exports_from_the_page_by_dates(budget: Any, auditor: User) -> None:
    today = timezone.localdate().isoformat()
    response: Any = as_user(auditor).post(
        reverse("accounts:audit"), {"export": "xlsx", "date_from": today, "date_to": today}
    )
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    actions = [row[3] for row in book.worksheets[0].iter_rows(min_row=2, values_only=True)]
    assert actions == ["funds.budget.set"]
    event = AuditEvent.objects.get(action="core.audit.exported")
    assert event.data == {"rows": 1, "filters": {"date_from": today, "date_to": today}}


def test_finance_sees_claims_and_the_ledger_only(budget: Any) -> None:
    finance = User.objects.get(username="finance_t")
    assert [p.kind for p in panels_for(finance)] == ["subsidies.claims", "funds.ledger"]


def test_a_reviewer_limited_to_a_town_gets_no_ledger_panel(city: Region) -> None:
    town = Region.objects.get(code="220581001")
    reviewer = make_user("reviewer_town", Role.REVIEWER, region=town)
    assert [p.kind for p in panels_for(reviewer)] == [
        "subsidies.claims",
        "fraud.alerts",
        "core.audit",
    ]


@pytest.mark.parametrize("role", [Role.INSTITUTION_STAFF, Role.EVALUATOR, Role.EMPLOYER])
def test_a_role_that_reads_none_of_the_lists_gets_403(school_a: Any, role: str) -> None:
    user = make_user(f"not_auditor_{role}", role, organization=school_a)
    assert as_user(user).get(PAGE).status_code == 403


def test_the_workspace_links_the_page_for_the_audit_roles(auditor: User) -> None:
    assert PAGE in as_user(auditor).get(reverse("home")).content.decode()
