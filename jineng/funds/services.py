"""Every write of funds: budgets, commitments, payments, reversals and recoveries.

Each service locks the budget row(s) it touches first (locks.py), checks the rule with a
message that names the source, year and amounts in yuan, posts balanced entries
(ledger.post) and records the audit event in the same transaction. Subsidies calls
``commit``, ``release`` and ``record_payment_batch`` inside its own transactions, so those are
not durable; none of these services calls another. See ADR 0022.
"""

from __future__ import annotations

from collections.abc import Sequence

from django.db import transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import audit, pii
from jineng.core.errors import NotFound, PermissionDenied
from jineng.core.money import format_yuan
from jineng.funds import ledger, locks, payments, queries
from jineng.funds.choices import (
    AccountKind,
    CommitmentStatus,
    RecoveryStatus,
    Side,
    TransactionKind,
)
from jineng.funds.errors import (
    AlreadyCommitted,
    BudgetBelowSpent,
    InsufficientFunds,
    InvalidAmount,
    NoBudget,
    NotCommitted,
    NotPaid,
    RecoveryTooLarge,
    UnknownSource,
)
from jineng.funds.models import (
    MAX_BUDGET_FEN,
    MAX_YEAR,
    MIN_YEAR,
    Budget,
    Commitment,
    FundSource,
    LedgerTransaction,
    Payment,
    PaymentBatch,
    RecoveryOrder,
)
from jineng.funds.payments import PaymentLine

__all__ = [
    "PaymentLine",
    "commit",
    "order_recovery",
    "payment_file",
    "record_payment_batch",
    "record_recovery",
    "release",
    "reverse_payment",
    "set_budget",
]


def _require(actor: Actor | None, *capabilities: Capability) -> None:
    """Let the system (None) or an account holding one of the capabilities through."""
    if actor is None:
        return
    if not actor.is_active or not any(actor.can(c) for c in capabilities):
        raise PermissionDenied(_("You may not do this with public funds."))


def _check_amount(amount_fen: int, *, field: str = "amount_fen", zero: bool = False) -> None:
    low = 0 if zero else 1
    if not isinstance(amount_fen, int) or not low <= amount_fen <= MAX_BUDGET_FEN:
        raise InvalidAmount(
            _("The amount must be a whole number of fen from {low} to {high}.").format(
                low=low, high=MAX_BUDGET_FEN
            ),
            field=field,
        )


def _source(code: str) -> FundSource:
    found = FundSource.objects.filter(code=code).first()
    if found is None:
        raise UnknownSource(_("No fund source has the code {code}.").format(code=code))
    return found


@transaction.atomic(durable=True)
def set_budget(
    *, source: str, year: int, amount_fen: int, actor: Actor | None, is_example: bool = False
) -> Budget:
    """Set the budget (年度预算) of a source and year; a cut may not go below what is spent."""
    _require(actor, Capability.MANAGE_FUNDS)
    _check_amount(amount_fen, zero=True)
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidAmount(_("The year must lie between 2000 and 2100."), field="year")
    fund = _source(source)
    budget = locks.budget_for_update(source, year)
    if budget is None:
        Budget.objects.bulk_create(
            [Budget(source=fund, year=year, amount_fen=0)], ignore_conflicts=True
        )
        budget = locks.budget_for_update(source, year)
        assert budget is not None
    ledger.ensure_accounts(budget)
    before = budget.amount_fen
    change = amount_fen - before
    if change < 0:
        available = ledger.balances(budget)[AccountKind.AVAILABLE]
        if available < -change:
            raise BudgetBelowSpent(
                _(
                    "The budget of {source} {year} cannot be cut to {asked} yuan: "
                    "{spent} yuan are committed or paid."
                ).format(
                    source=fund.name,
                    year=year,
                    asked=format_yuan(amount_fen),
                    spent=format_yuan(before - available),
                ),
                field="amount_fen",
            )
    if change:
        grow = change > 0
        legs = [
            ledger.Leg(AccountKind.AVAILABLE, Side.DEBIT if grow else Side.CREDIT, abs(change)),
            ledger.Leg(AccountKind.APPROPRIATION, Side.CREDIT if grow else Side.DEBIT, abs(change)),
        ]
        memo = _("Budget set from {before} to {after} yuan").format(
            before=format_yuan(before), after=format_yuan(amount_fen)
        )
        ledger.post(
            budget,
            TransactionKind.BUDGET,
            legs,
            reference=f"funds.budget:{budget.pk}",
            memo=memo,
            actor=actor,
        )
    budget.amount_fen = amount_fen
    budget.is_example = is_example
    budget.save(update_fields=["amount_fen", "is_example", "updated_at"])
    audit.record(
        actor,
        "funds.budget.set",
        budget,
        data={"source": source, "year": year, "before": before, "after": amount_fen},
    )
    return budget


@transaction.atomic
def commit(
    *, source: str, year: int, amount_fen: int, reference: str, memo: str, actor: Actor | None
) -> LedgerTransaction:
    """Commit money of a budget to a reference on approval (承诺); never beyond what is left."""
    _require(actor, Capability.APPROVE_CLAIMS)
    _check_amount(amount_fen)
    fund = _source(source)
    budget = locks.budget_for_update(source, year)
    if budget is None:
        raise NoBudget(
            _("No budget is set for {source} {year}.").format(source=fund.name, year=year)
        )
    existing = locks.commitment_for_update(reference)
    if existing is not None and existing.status != CommitmentStatus.RELEASED:
        raise AlreadyCommitted(
            _("{reference} is already committed ({status}).").format(
                reference=reference, status=existing.get_status_display()
            )
        )
    available = ledger.balances(budget)[AccountKind.AVAILABLE]
    if available < amount_fen:
        raise InsufficientFunds(
            _(
                "Not enough money in {source} {year}: {available} yuan available, "
                "{asked} yuan asked."
            ).format(
                source=fund.name,
                year=year,
                available=format_yuan(available),
                asked=format_yuan(amount_fen),
            )
        )
    posted = ledger.move(
        budget, TransactionKind.COMMITMENT, amount_fen, reference=reference, memo=memo, actor=actor
    )
    if existing is None:
        existing = Commitment.objects.create(
            reference=reference, budget=budget, amount_fen=amount_fen
        )
    else:
        existing.budget, existing.amount_fen = budget, amount_fen
        existing.status = CommitmentStatus.OPEN
        existing.save(update_fields=["budget", "amount_fen", "status", "updated_at"])
    audit.record(
        actor,
        "funds.commitment.created",
        existing,
        data={"reference": reference, "source": source, "year": year, "amount_fen": amount_fen},
    )
    return posted


def _locked_commitment(reference: str) -> tuple[Budget, Commitment] | None:
    """Lock a reference's budget, then its commitment (the lock order); None when none."""
    found = Commitment.objects.filter(reference=reference).only("budget_id").first()
    if found is None:
        return None
    budget = locks.budgets_for_update([found.budget_id])[found.budget_id]
    commitment = locks.commitment_for_update(reference)
    if commitment is None or commitment.budget_id != budget.pk:
        # Re-committed to another budget meanwhile: what we locked is not its budget.
        raise NotCommitted(
            _("{reference} changed meanwhile; try again.").format(reference=reference)
        )
    return budget, commitment


@transaction.atomic
def release(*, reference: str, memo: str, actor: Actor | None) -> LedgerTransaction | None:
    """Release a reference's open commitment (claim rejected or withdrawn); None if none."""
    _require(actor, Capability.APPROVE_CLAIMS, Capability.MANAGE_FUNDS)
    locked = _locked_commitment(reference)
    if locked is None or locked[1].status != CommitmentStatus.OPEN:
        return None
    budget, commitment = locked
    posted = ledger.move(
        budget,
        TransactionKind.RELEASE,
        commitment.amount_fen,
        reference=reference,
        memo=memo,
        actor=actor,
    )
    commitment.status = CommitmentStatus.RELEASED
    commitment.save(update_fields=["status", "updated_at"])
    audit.record(
        actor,
        "funds.commitment.released",
        commitment,
        data={"reference": reference, "amount_fen": commitment.amount_fen, "memo": memo},
    )
    return posted


@transaction.atomic
def record_payment_batch(
    *, lines: Sequence[PaymentLine], batch_reference: str, actor: Actor | None
) -> PaymentBatch:
    """Pay every line of a batch (拨付) or, if any line is wrong, nothing at all."""
    _require(actor, Capability.PAY_CLAIMS)
    payments.check_shape(lines, batch_reference)
    references = [line.reference for line in lines]
    budget_ids = Commitment.objects.filter(reference__in=references).values_list(
        "budget_id", flat=True
    )
    budgets = locks.budgets_for_update(budget_ids)
    commitments = locks.commitments_for_update(references)
    payments.check_lines(lines, commitments, actor)
    batch = PaymentBatch.objects.create(
        reference=batch_reference,
        total_fen=sum(line.amount_fen for line in lines),
        created_by=actor if actor is not None and actor.pk else None,
    )
    for index, line in enumerate(lines, start=1):
        commitment = commitments[line.reference]
        posted = ledger.move(
            budgets[commitment.budget_id],
            TransactionKind.DISBURSEMENT,
            line.amount_fen,
            reference=line.reference,
            memo=line.memo or batch_reference,
            actor=actor,
        )
        Payment.objects.create(
            batch=batch,
            index=index,
            commitment=commitment,
            reference=line.reference,
            payee_name=line.payee_name,
            payee_account_encrypted=pii.encrypt(line.payee_account),
            bank=line.bank,
            amount_fen=line.amount_fen,
            memo=line.memo,
            transaction=posted,
        )
        commitment.status = CommitmentStatus.PAID
        commitment.save(update_fields=["status", "updated_at"])
    audit.record(
        actor,
        "funds.paymentbatch.recorded",
        batch,
        data={"reference": batch_reference, "lines": len(lines), "total_fen": batch.total_fen},
    )
    return batch


def payment_file(batch: PaymentBatch, layout_code: str) -> bytes:
    """Write a batch's payment file (支付文件) in a layout of data/payment_layouts.json."""
    return payments.render(batch, payments.get_layout(layout_code))


@transaction.atomic
def reverse_payment(payment_id: int, *, memo: str, actor: Actor | None) -> LedgerTransaction:
    """Reverse a disbursement the bank returned (冲销): the money is committed again."""
    _require(actor, Capability.MANAGE_FUNDS)
    payment = Payment.objects.filter(pk=payment_id).select_related("commitment").first()
    if payment is None:
        raise NotFound(_("No such payment."))
    locked = _locked_commitment(payment.reference)
    assert locked is not None
    budget, commitment = locked
    payment.refresh_from_db()
    if payment.reversal_id is not None or commitment.status != CommitmentStatus.PAID:
        raise NotPaid(
            _("Payment {reference} is not paid or was reversed already.").format(
                reference=payment.reference
            )
        )
    if queries.recoverable_fen(payment.reference) < payment.amount_fen:
        raise NotPaid(
            _("A recovery was ordered on {reference}: it cannot be reversed.").format(
                reference=payment.reference
            )
        )
    posted = ledger.move(
        budget,
        TransactionKind.REVERSAL,
        payment.amount_fen,
        reference=payment.reference,
        memo=memo,
        actor=actor,
    )
    payment.reversal = posted
    payment.save(update_fields=["reversal"])
    commitment.status = CommitmentStatus.OPEN
    commitment.save(update_fields=["status", "updated_at"])
    audit.record(
        actor,
        "funds.payment.reversed",
        payment,
        data={"reference": payment.reference, "amount_fen": payment.amount_fen, "memo": memo},
    )
    return posted


@transaction.atomic
def order_recovery(
    *, reference: str, amount_fen: int, memo: str, actor: Actor | None
) -> RecoveryOrder:
    """Order the recovery (追回) of money paid on a reference, at most what was paid."""
    _require(actor, Capability.MANAGE_FUNDS, Capability.WORK_ALERTS)
    _check_amount(amount_fen)
    locked = _locked_commitment(reference)
    if locked is None:
        raise NotPaid(_("Nothing was paid on {reference}.").format(reference=reference))
    budget, commitment = locked
    recoverable = queries.recoverable_fen(reference)
    if amount_fen > recoverable:
        raise RecoveryTooLarge(
            _("{reference}: {asked} yuan asked, only {left} yuan paid and not yet ordered.").format(
                reference=reference,
                asked=format_yuan(amount_fen),
                left=format_yuan(recoverable),
            ),
            field="amount_fen",
        )
    ledger.move(
        budget,
        TransactionKind.RECOVERY_ORDER,
        amount_fen,
        reference=reference,
        memo=memo,
        actor=actor,
    )
    order = RecoveryOrder.objects.create(
        reference=reference,
        commitment=commitment,
        amount_fen=amount_fen,
        memo=memo[:500],
        ordered_by=actor if actor is not None and actor.pk else None,
    )
    audit.record(
        actor,
        "funds.recoveryorder.created",
        order,
        data={"reference": reference, "amount_fen": amount_fen, "memo": memo},
    )
    return order


@transaction.atomic
def record_recovery(order_id: int, amount_fen: int, *, actor: Actor | None) -> RecoveryOrder:
    """Record money recovered on an order (追回到账); it is available to the budget again."""
    _require(actor, Capability.MANAGE_FUNDS)
    _check_amount(amount_fen)
    found = RecoveryOrder.objects.filter(pk=order_id).select_related("commitment").first()
    if found is None:
        raise NotFound(_("No such recovery order."))
    budget_id = found.commitment.budget_id
    budget = locks.budgets_for_update([budget_id])[budget_id]
    order = locks.recovery_for_update(order_id)
    if amount_fen > order.outstanding_fen:
        raise RecoveryTooLarge(
            _("{reference}: {asked} yuan recovered, but only {left} yuan are owed.").format(
                reference=order.reference,
                asked=format_yuan(amount_fen),
                left=format_yuan(order.outstanding_fen),
            ),
            field="amount_fen",
        )
    ledger.move(
        budget,
        TransactionKind.RECOVERY,
        amount_fen,
        reference=order.reference,
        memo=_("Recovery order {id}").format(id=order.pk),
        actor=actor,
    )
    order.recovered_fen += amount_fen
    if order.recovered_fen == order.amount_fen:
        order.status = RecoveryStatus.RECOVERED
    order.save(update_fields=["recovered_fen", "status", "updated_at"])
    audit.record(
        actor,
        "funds.recoveryorder.recovered",
        order,
        data={"reference": order.reference, "amount_fen": amount_fen},
    )
    return order
