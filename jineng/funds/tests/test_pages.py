"""The funds pages: who sees them (others get 404), budgets set through the form, payment
files downloaded by finance only, the reconciliation report."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from jineng.core.models import AuditEvent
from jineng.funds import services
from jineng.funds.models import Budget

from .conftest import YEAR, commit, line

pytestmark = pytest.mark.django_db
EN = {"HTTP_ACCEPT_LANGUAGE": "en"}


@pytest.fixture
def batch(budget: Any, approver: Any, finance: Any) -> Any:
    commit("subsidies.claim:1", 120_050, approver)
    return services.record_payment_batch(
        lines=[line("subsidies.claim:1", 120_050)], batch_reference="PAY-1", actor=finance
    )


def _get(client: Client, user: Any, url: str) -> Any:
    client.force_login(user)
    return client.get(url, **EN)


READERS = ["bureau_admin", "reviewer", "auditor", "finance"]
OTHERS = ["staff_a", "worker"]


@pytest.mark.parametrize("name", ["balances", "ledger", "batches", "reconciliation"])
@pytest.mark.parametrize("who", READERS + OTHERS)
def test_who_reads_the_funds_pages(
    client: Client, request: Any, batch: Any, name: str, who: str
) -> None:
    response = _get(client, request.getfixturevalue(who), reverse(f"funds:{name}"))
    assert response.status_code == (200 if who in READERS else 404)


def test_anonymous_is_sent_to_sign_in(client: Client, budget: Any) -> None:
    response = client.get(reverse("funds:balances"))
    assert response.status_code == 302
    assert "login" in response["Location"]


def test_balances_page_shows_exact_amounts_and_chart(
    client: Client, batch: Any, auditor: Any
) -> None:
    response = _get(client, auditor, reverse("funds:balances"))
    text = response.content.decode()
    assert "就业补助资金" in text
    assert "10,000.00 元" in text
    assert "1,200.50 元" in text
    assert 'id="funds-data"' in text
    assert "example" in text
    assert response.context["chart"]["paid"] == [1200.5]


def test_ledger_filters_by_kind_and_reference(client: Client, batch: Any, reviewer: Any) -> None:
    url = reverse("funds:ledger")
    response = _get(client, reviewer, f"{url}?kind=disbursement")
    assert [t.kind for t in response.context["page"]] == ["disbursement"]
    response = client.get(f"{url}?reference=subsidies.claim:1", **EN)
    assert sorted(t.kind for t in response.context["page"]) == ["commitment", "disbursement"]
    response = client.get(f"{url}?year={YEAR + 1}", **EN)
    assert list(response.context["page"]) == []


def test_finance_sets_a_budget_through_the_form(
    client: Client, sources: None, finance: Any
) -> None:
    client.force_login(finance)
    url = reverse("funds:set_budget")
    assert client.get(url, **EN).status_code == 200
    response = client.post(url, {"source": "donation", "year": YEAR, "amount": "1,234.56"}, **EN)
    assert response.status_code == 302
    budget = Budget.objects.get(source__code="donation", year=YEAR)
    assert budget.amount_fen == 123_456
    assert AuditEvent.objects.get(action="funds.budget.set").actor_id == finance.pk


def test_a_cut_below_spent_shows_next_to_the_amount(
    client: Client, budget: Any, approver: Any, finance: Any
) -> None:
    commit("subsidies.claim:1", 700_000, approver)
    client.force_login(finance)
    response = client.post(
        reverse("funds:set_budget"),
        {"source": "employment_fund", "year": YEAR, "amount": "10"},
        **EN,
    )
    assert response.status_code == 400
    assert "committed or paid" in response.context["form"].errors["amount"][0]


@pytest.mark.parametrize("who", ["bureau_admin", "reviewer", "auditor", "staff_a"])
def test_only_manage_funds_may_set_a_budget(
    client: Client, request: Any, sources: None, who: str
) -> None:
    client.force_login(request.getfixturevalue(who))
    url = reverse("funds:set_budget")
    assert client.get(url, **EN).status_code == 404
    post = client.post(url, {"source": "donation", "year": YEAR, "amount": "1"}, **EN)
    assert post.status_code == 404
    assert not Budget.objects.exists()


def test_finance_downloads_the_payment_file(client: Client, batch: Any, finance: Any) -> None:
    detail = _get(client, finance, reverse("funds:batch_detail", args=[batch.pk]))
    assert "***************3445" in detail.content.decode()
    assert "6222020200112233445" not in detail.content.decode()
    response = client.get(reverse("funds:payment_file", args=[batch.pk]) + "?layout=example_csv")
    assert response.status_code == 200
    assert response["Cache-Control"] == "private, no-store"
    assert response["Content-Disposition"] == 'attachment; filename="PAY-1-example_csv.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[1][2] == "6222020200112233445"
    assert rows[1][4] == "1200.50"
    xlsx = client.get(reverse("funds:payment_file", args=[batch.pk]) + "?layout=example_xlsx")
    assert xlsx.status_code == 200
    missing = client.get(reverse("funds:payment_file", args=[batch.pk]) + "?layout=nobank")
    assert missing.status_code == 404


@pytest.mark.parametrize(
    ("who", "status"),
    [("auditor", 403), ("reviewer", 403), ("bureau_admin", 403), ("worker", 404)],
)
def test_only_finance_downloads_payment_files(
    client: Client, request: Any, batch: Any, who: str, status: int
) -> None:
    """Who sees the batch is refused its file (403); anyone else finds nothing (404)."""
    url = reverse("funds:payment_file", args=[batch.pk]) + "?layout=example_csv"
    missing = reverse("funds:payment_file", args=[batch.pk + 99]) + "?layout=example_csv"
    user = request.getfixturevalue(who)
    assert _get(client, user, url).status_code == status
    assert _get(client, user, missing).status_code == 404


def test_missing_batch_is_404(client: Client, batch: Any, finance: Any) -> None:
    assert (
        _get(client, finance, reverse("funds:batch_detail", args=[batch.pk + 99])).status_code
        == 404
    )


def test_reconciliation_page(client: Client, batch: Any, auditor: Any) -> None:
    response = _get(client, auditor, reverse("funds:reconciliation"))
    report = response.context["report"]
    assert all(row.is_reconciled for row in report.rows)
    # No claim subsidies.claim:1 exists: the commitment is listed as an orphan.
    assert [c.reference for c in report.orphans] == ["subsidies.claim:1"]
    assert "subsidies.claim:1" in response.content.decode()


def test_ledger_page_queries_do_not_grow_with_rows(
    client: Client, budget: Any, approver: Any, auditor: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(10):
        commit(f"subsidies.claim:{n}", 100 + n, approver)
    client.force_login(auditor)
    with django_assert_max_num_queries(14):
        response = client.get(reverse("funds:ledger"), **EN)
    assert len(response.context["page"]) == 11


def test_finance_reverses_a_payment_from_the_batch_page(
    client: Client, batch: Any, finance: Any
) -> None:
    payment = batch.payments.get()
    client.force_login(finance)
    url = reverse("funds:reverse_payment", args=[payment.pk])
    response = client.post(url, {"memo": "账户已销户"}, **EN)
    assert response.status_code == 302
    payment.refresh_from_db()
    assert payment.reversal is not None
    assert payment.reversal.memo == "账户已销户"


@pytest.mark.parametrize("who", ["auditor", "reviewer", "staff_a"])
def test_others_may_not_reverse(client: Client, request: Any, batch: Any, who: str) -> None:
    payment = batch.payments.get()
    client.force_login(request.getfixturevalue(who))
    url = reverse("funds:reverse_payment", args=[payment.pk])
    assert client.post(url, {"memo": "x"}, **EN).status_code == 404
    payment.refresh_from_db()
    assert payment.reversal is None


def test_finance_records_a_recovery(client: Client, batch: Any, finance: Any) -> None:
    order = services.order_recovery(
        reference="subsidies.claim:1", amount_fen=120_050, memo="R15", actor=finance
    )
    page = _get(client, finance, reverse("funds:recoveries"))
    assert "1,200.50 元" in page.content.decode()
    url = reverse("funds:record_recovery", args=[order.pk])
    assert client.post(url, {"amount": "200.50"}, **EN).status_code == 302
    order.refresh_from_db()
    assert order.recovered_fen == 20_050
    # More than is owed is refused and changes nothing.
    client.post(url, {"amount": "1000.01"}, **EN)
    order.refresh_from_db()
    assert order.recovered_fen == 20_050
    client.force_login(request_user := make_user("aud2", "auditor"))
    assert client.post(url, {"amount": "1"}, **EN).status_code == 404
    assert request_user.can("view_subsidies")
