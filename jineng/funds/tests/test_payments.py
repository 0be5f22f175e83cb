"""Payment batches, payment files, reversals and recoveries: all or nothing, exact amounts."""

from __future__ import annotations

import csv
import io
from typing import Any
from unittest import mock

import pytest
from django.utils import translation
from openpyxl import load_workbook

from jineng.core.errors import PermissionDenied
from jineng.core.models import AuditEvent
from jineng.funds import queries, services
from jineng.funds.choices import AccountKind, CommitmentStatus, RecoveryStatus, TransactionKind
from jineng.funds.errors import NotPaid, PaymentRefused, RecoveryTooLarge, UnknownLayout
from jineng.funds.models import Account, Commitment, LedgerTransaction, Payment, PaymentBatch

from .conftest import BUDGET_FEN, commit, line

pytestmark = pytest.mark.django_db


def _balances(budget: Any) -> dict[str, int]:
    return dict(Account.objects.filter(budget=budget).values_list("kind", "balance_fen"))


@pytest.fixture
def committed(budget: Any, approver: Any) -> Any:
    commit("subsidies.claim:1", 120_050, approver)
    commit("subsidies.claim:2", 80_000, approver)
    commit("subsidies.claim:3", 5_000, approver)
    return budget


def _pay(finance: Any, *lines: Any, reference: str = "PAY-2026-001") -> PaymentBatch:
    return services.record_payment_batch(
        lines=list(lines), batch_reference=reference, actor=finance
    )


def test_batch_pays_every_line(committed: Any, finance: Any) -> None:
    batch = _pay(finance, line("subsidies.claim:1", 120_050), line("subsidies.claim:2", 80_000))
    assert batch.total_fen == 200_050
    assert list(batch.payments.values_list("index", "reference", "amount_fen")) == [
        (1, "subsidies.claim:1", 120_050),
        (2, "subsidies.claim:2", 80_000),
    ]
    assert _balances(committed) == {
        AccountKind.APPROPRIATION: BUDGET_FEN,
        AccountKind.AVAILABLE: BUDGET_FEN - 205_050,
        AccountKind.COMMITTED: 5_000,
        AccountKind.PAID: 200_050,
        AccountKind.RECEIVABLE: 0,
    }
    assert queries.paid_fen("subsidies.claim:1") == 120_050
    assert Commitment.objects.get(reference="subsidies.claim:1").status == CommitmentStatus.PAID
    event = AuditEvent.objects.get(action="funds.paymentbatch.recorded")
    assert event.data == {"reference": "PAY-2026-001", "lines": 2, "total_fen": 200_050}
    assert Payment.objects.get(index=1).payee_account_masked == "***************3445"


def test_batch_with_bad_lines_writes_nothing_and_names_each(committed: Any, finance: Any) -> None:
    before = LedgerTransaction.objects.count()
    with translation.override("en"), pytest.raises(PaymentRefused) as caught:
        _pay(
            finance,
            line("subsidies.claim:1", 120_050),
            line("subsidies.claim:2", 79_999),
            line("subsidies.claim:9", 100),
            line("subsidies.claim:3", 5_000, payee_account="12ab"),
            line("subsidies.claim:1", 120_050),
        )
    assert caught.value.problems == [
        (2, "subsidies.claim:2", "the amount 799.99 yuan differs from the 800.00 yuan committed"),
        (3, "subsidies.claim:9", "nothing is committed to this reference"),
        (4, "subsidies.claim:3", "the payee's account number must be 8 to 34 digits"),
        (5, "subsidies.claim:1", "the reference appears twice"),
    ]
    assert caught.value.as_dict()["problems"][0] == {
        "line": 2,
        "reference": "subsidies.claim:2",
        "reason": "the amount 799.99 yuan differs from the 800.00 yuan committed",
    }
    assert not PaymentBatch.objects.exists()
    assert not Payment.objects.exists()
    assert LedgerTransaction.objects.count() == before
    assert _balances(committed)[AccountKind.PAID] == 0
    assert not Commitment.objects.filter(status=CommitmentStatus.PAID).exists()


def test_a_line_already_paid_is_refused(committed: Any, finance: Any) -> None:
    _pay(finance, line("subsidies.claim:1", 120_050))
    with translation.override("en"), pytest.raises(PaymentRefused) as caught:
        _pay(finance, line("subsidies.claim:1", 120_050), reference="PAY-2026-002")
    assert caught.value.problems == [(1, "subsidies.claim:1", "already paid")]
    assert queries.paid_fen("subsidies.claim:1") == 120_050


def test_the_approver_may_not_pay(committed: Any, approver: Any) -> None:
    # The bureau may not pay at all.
    with pytest.raises(PermissionDenied):
        _pay(approver, line("subsidies.claim:1", 120_050))
    # Even an account granted both (a misconfigured role) may not pay what it approved.
    with (
        mock.patch.object(type(approver), "can", return_value=True),
        translation.override("en"),
        pytest.raises(PaymentRefused) as caught,
    ):
        _pay(approver, line("subsidies.claim:1", 120_050))
    assert caught.value.problems == [
        (1, "subsidies.claim:1", "the account that approved the payment may not pay it")
    ]


def test_payment_needs_pay_claims(committed: Any, reviewer: Any, auditor: Any) -> None:
    for actor in (reviewer, auditor):
        with pytest.raises(PermissionDenied):
            _pay(actor, line("subsidies.claim:1", 120_050))
    assert not PaymentBatch.objects.exists()


def test_csv_payment_file_has_every_paid_line(committed: Any, finance: Any) -> None:
    batch = _pay(finance, line("subsidies.claim:1", 120_050), line("subsidies.claim:2", 80_000))
    data = services.payment_file(batch, "example_csv")
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["序号", "收款人", "收款账号", "开户行", "金额（元）", "业务编号", "用途"]
    assert rows[1] == [
        "1",
        "梅河口市示例职业培训学校",
        "6222020200112233445",
        "示例银行梅河口支行",
        "1200.50",
        "subsidies.claim:1",
        "培训补贴",
    ]
    assert [r[4] for r in rows[1:]] == ["1200.50", "800.00"]


def test_xlsx_payment_file(committed: Any, finance: Any) -> None:
    batch = _pay(finance, line("subsidies.claim:3", 5_000))
    book = load_workbook(io.BytesIO(services.payment_file(batch, "example_xlsx")))
    rows = list(book.active.iter_rows(values_only=True))
    assert rows[0][5] == "金额（分）"
    assert rows[1][1] == "PAY-2026-001"
    assert rows[1][5] == 5_000
    assert rows[1][6] == "50.00"


def test_unknown_layout(committed: Any, finance: Any) -> None:
    batch = _pay(finance, line("subsidies.claim:3", 5_000))
    with pytest.raises(UnknownLayout):
        services.payment_file(batch, "icbc")


def test_reversal_commits_the_money_again(committed: Any, finance: Any) -> None:
    _pay(finance, line("subsidies.claim:2", 80_000))
    payment = Payment.objects.get()
    txn = services.reverse_payment(payment.pk, memo="account closed", actor=finance)
    assert txn.kind == TransactionKind.REVERSAL
    assert queries.paid_fen("subsidies.claim:2") == 0
    assert _balances(committed)[AccountKind.COMMITTED] == 205_050
    assert _balances(committed)[AccountKind.PAID] == 0
    assert Commitment.objects.get(reference="subsidies.claim:2").status == CommitmentStatus.OPEN
    with pytest.raises(NotPaid):
        services.reverse_payment(payment.pk, memo="again", actor=finance)
    # Paid again in a new batch, to a corrected account.
    _pay(
        finance,
        line("subsidies.claim:2", 80_000, payee_account="6222000011112222"),
        reference="PAY-2026-002",
    )
    assert queries.paid_fen("subsidies.claim:2") == 80_000
    assert queries.reconciliation().is_reconciled


def test_recovery_order_and_recovery(committed: Any, finance: Any, reviewer: Any) -> None:
    _pay(finance, line("subsidies.claim:1", 120_050))
    with translation.override("en"), pytest.raises(RecoveryTooLarge) as caught:
        services.order_recovery(
            reference="subsidies.claim:1", amount_fen=120_051, memo="R15", actor=reviewer
        )
    assert "only 1,200.50 yuan paid and not yet ordered" in caught.value.detail
    # A reviewer works alerts: a confirmed alert orders the recovery.
    order = services.order_recovery(
        reference="subsidies.claim:1", amount_fen=100_000, memo="R15 fraud.alert:7", actor=reviewer
    )
    assert _balances(committed)[AccountKind.PAID] == 20_050
    assert _balances(committed)[AccountKind.RECEIVABLE] == 100_000
    assert queries.recoverable_fen("subsidies.claim:1") == 20_050
    with pytest.raises(PermissionDenied):
        services.record_recovery(order.pk, 1, actor=reviewer)
    services.record_recovery(order.pk, 60_000, actor=finance)
    with pytest.raises(RecoveryTooLarge):
        services.record_recovery(order.pk, 40_001, actor=finance)
    order = services.record_recovery(order.pk, 40_000, actor=finance)
    assert order.status == RecoveryStatus.RECOVERED
    assert order.recovered_fen == 100_000
    assert _balances(committed)[AccountKind.RECEIVABLE] == 0
    assert _balances(committed)[AccountKind.AVAILABLE] == BUDGET_FEN - 205_050 + 100_000
    row = queries.balances(2026)[0]
    assert (row.budget, row.available, row.committed, row.paid, row.recovered) == (
        BUDGET_FEN,
        BUDGET_FEN - 205_050 + 100_000,
        85_000,
        120_050,
        100_000,
    )
    assert row.budget == row.available + row.committed + row.paid - row.recovered
    assert AuditEvent.objects.filter(action="funds.recoveryorder.recovered").count() == 2
    # A payment partly ordered back cannot be reversed as if the bank returned it all.
    with pytest.raises(NotPaid):
        services.reverse_payment(Payment.objects.get().pk, memo="", actor=finance)


def test_recovery_of_unpaid_reference_is_refused(committed: Any, finance: Any) -> None:
    with pytest.raises(RecoveryTooLarge):
        services.order_recovery(reference="subsidies.claim:3", amount_fen=1, memo="", actor=finance)
    with pytest.raises(NotPaid):
        services.order_recovery(reference="nothing:1", amount_fen=1, memo="", actor=finance)


def test_reconciliation_finds_orphans_and_tampering(committed: Any, finance: Any) -> None:
    _pay(finance, line("subsidies.claim:1", 120_050))
    report = queries.reconciliation({"subsidies.claim:1", "subsidies.claim:2"})
    assert report.is_reconciled is False
    assert [c.reference for c in report.orphans or []] == ["subsidies.claim:3"]
    assert report.unbalanced == []
    assert all(row.is_reconciled for row in report.rows)
    # A balance changed behind the ledger's back is found.
    Account.objects.filter(budget=committed, kind=AccountKind.PAID).update(balance_fen=1)
    row = queries.reconciliation().rows[0]
    failed = {name for name, ok, _figures in row.checks if not ok}
    assert failed == {"accounts_balance", "entries_match"}
