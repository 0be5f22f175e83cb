"""Models of funds (资金): sources, budgets and a double-entry ledger (台账).

Every fund source (就业补助资金, 失业保险基金 …) has a budget per year and, for that source and
year, one account of each kind in the chart of accounts (choices.AccountKind). Money moves
only as a ``LedgerTransaction`` whose ``LedgerEntry`` rows balance (debits equal credits);
each account keeps its balance on its normal side, checked never below zero. Commitments,
payment batches and recovery orders are the sub-ledgers that say which reference (a claim:
``subsidies.claim:<id>``) the money belongs to. Money is integer fen. See ADR 0022.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from jineng.core import pii
from jineng.core.models import TimeStampedModel
from jineng.core.scope import ScopedQuerySet
from jineng.funds.choices import (
    AccountKind,
    CommitmentStatus,
    RecoveryStatus,
    Side,
    TransactionKind,
)

_USER = settings.AUTH_USER_MODEL
# The largest budget of one source and year: 100 billion yuan.
MAX_BUDGET_FEN = 10_000_000_000_000
MIN_YEAR = 2000
MAX_YEAR = 2100


class FundSource(models.Model):
    """A source of subsidy money (资金来源), e.g. 就业补助资金; loaded from data/sources.json."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=100)
    description = models.CharField(_("description"), max_length=300, blank=True)
    ordering = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        verbose_name = _("fund source")
        verbose_name_plural = _("fund sources")
        ordering = ("ordering", "code")

    def __str__(self) -> str:
        return self.name


class Budget(TimeStampedModel):
    """The money granted to one source for one year (年度预算); its row is the ledger's lock."""

    source = models.ForeignKey(
        FundSource, models.PROTECT, related_name="budgets", verbose_name=_("fund source")
    )
    year = models.PositiveSmallIntegerField(_("year"))
    amount_fen = models.BigIntegerField(_("budget (fen)"))
    is_example = models.BooleanField(_("example amount"), default=False)

    objects = ScopedQuerySet["Budget"].as_manager()

    class Meta:
        verbose_name = _("budget")
        verbose_name_plural = _("budgets")
        ordering = ("-year", "source__ordering")
        constraints = [
            models.UniqueConstraint(fields=["source", "year"], name="funds_budget_one_per_year"),
            models.CheckConstraint(
                condition=Q(amount_fen__gte=0, amount_fen__lte=MAX_BUDGET_FEN),
                name="funds_budget_amount_range",
            ),
            models.CheckConstraint(
                condition=Q(year__gte=MIN_YEAR, year__lte=MAX_YEAR), name="funds_budget_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.source} {self.year}"


class Account(models.Model):
    """One account of the chart (科目) for a budget: its balance on its normal side, never < 0."""

    budget = models.ForeignKey(
        Budget, models.PROTECT, related_name="accounts", verbose_name=_("budget")
    )
    kind = models.CharField(_("account"), max_length=20, choices=AccountKind.choices)
    balance_fen = models.BigIntegerField(_("balance (fen)"), default=0)

    class Meta:
        verbose_name = _("ledger account")
        verbose_name_plural = _("ledger accounts")
        ordering = ("budget", "kind")
        constraints = [
            models.UniqueConstraint(fields=["budget", "kind"], name="funds_account_one_per_kind"),
            models.CheckConstraint(
                condition=Q(balance_fen__gte=0), name="funds_account_never_below_zero"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=AccountKind.values), name="funds_account_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.budget} {self.get_kind_display()}"


class LedgerTransaction(models.Model):
    """One movement of money (记账凭证): balanced entries on the accounts of one budget."""

    budget = models.ForeignKey(
        Budget, models.PROTECT, related_name="transactions", verbose_name=_("budget")
    )
    kind = models.CharField(_("kind"), max_length=20, choices=TransactionKind.choices)
    reference = models.CharField(_("reference"), max_length=100, blank=True, db_index=True)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    actor = models.ForeignKey(
        _USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("by")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)

    objects = ScopedQuerySet["LedgerTransaction"].as_manager()

    class Meta:
        verbose_name = _("ledger transaction")
        verbose_name_plural = _("ledger transactions")
        ordering = ("-at", "-pk")
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="funds_transaction_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(kind__in=TransactionKind.values), name="funds_transaction_kind_known"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.reference}"


class LedgerEntry(models.Model):
    """One debit or credit of a transaction on one account (分录); the amount is above zero."""

    transaction = models.ForeignKey(
        LedgerTransaction, models.PROTECT, related_name="entries", verbose_name=_("transaction")
    )
    account = models.ForeignKey(
        Account, models.PROTECT, related_name="entries", verbose_name=_("account")
    )
    side = models.CharField(_("side"), max_length=1, choices=Side.choices)
    amount_fen = models.BigIntegerField(_("amount (fen)"))

    class Meta:
        verbose_name = _("ledger entry")
        verbose_name_plural = _("ledger entries")
        ordering = ("transaction", "pk")
        constraints = [
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="funds_entry_positive"),
            models.CheckConstraint(condition=Q(side__in=Side.values), name="funds_entry_side"),
        ]

    def __str__(self) -> str:
        return f"{self.side} {self.amount_fen}"

    @property
    def signed_fen(self) -> int:
        """The amount with debits positive and credits negative (a transaction sums to 0)."""
        return self.amount_fen if self.side == Side.DEBIT else -self.amount_fen


class Commitment(TimeStampedModel):
    """The money committed to one reference on approval (承诺), until paid or released."""

    reference = models.CharField(_("reference"), max_length=100, unique=True)
    budget = models.ForeignKey(
        Budget, models.PROTECT, related_name="commitments", verbose_name=_("budget")
    )
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    status = models.CharField(
        _("status"), max_length=12, choices=CommitmentStatus.choices, default=CommitmentStatus.OPEN
    )

    objects = ScopedQuerySet["Commitment"].as_manager()

    class Meta:
        verbose_name = _("commitment")
        verbose_name_plural = _("commitments")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="funds_commitment_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(status__in=CommitmentStatus.values), name="funds_commitment_status"
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class PaymentBatch(models.Model):
    """Payments sent to the bank together (拨付批次), each line a disbursement."""

    reference = models.CharField(_("batch reference"), max_length=100, unique=True)
    total_fen = models.BigIntegerField(_("total (fen)"))
    created_by = models.ForeignKey(
        _USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("paid by")
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)

    objects = ScopedQuerySet["PaymentBatch"].as_manager()

    class Meta:
        verbose_name = _("payment batch")
        verbose_name_plural = _("payment batches")
        ordering = ("-created_at", "-pk")

    def __str__(self) -> str:
        return self.reference


class Payment(models.Model):
    """One line of a payment batch: who is paid what for which reference."""

    batch = models.ForeignKey(
        PaymentBatch, models.PROTECT, related_name="payments", verbose_name=_("batch")
    )
    index = models.PositiveIntegerField(_("line"))
    commitment = models.ForeignKey(
        Commitment, models.PROTECT, related_name="payments", verbose_name=_("commitment")
    )
    reference = models.CharField(_("reference"), max_length=100)
    payee_name = models.CharField(_("payee"), max_length=200)
    payee_account_encrypted = models.BinaryField(_("payee account (encrypted)"))
    bank = models.CharField(_("bank"), max_length=200)
    amount_fen = models.BigIntegerField(_("amount (fen)"))
    memo = models.CharField(_("memo"), max_length=200, blank=True)
    transaction = models.OneToOneField(
        LedgerTransaction, models.PROTECT, related_name="payment", verbose_name=_("disbursement")
    )
    reversal = models.OneToOneField(
        LedgerTransaction,
        models.PROTECT,
        null=True,
        blank=True,
        related_name="reversed_payment",
        verbose_name=_("reversal"),
    )

    class Meta:
        verbose_name = _("payment")
        verbose_name_plural = _("payments")
        ordering = ("batch", "index")
        constraints = [
            models.UniqueConstraint(fields=["batch", "index"], name="funds_payment_line_unique"),
            models.CheckConstraint(condition=Q(amount_fen__gt=0), name="funds_payment_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.batch_id}/{self.index} {self.reference}"

    @property
    def payee_account(self) -> str:
        """The payee's bank account number in clear (for the payment file only)."""
        return pii.decrypt(self.payee_account_encrypted)

    @property
    def payee_account_masked(self) -> str:
        """The account number with all but its last four digits hidden."""
        account = self.payee_account
        return "*" * max(0, len(account) - 4) + account[-4:]


class RecoveryOrder(TimeStampedModel):
    """An order to recover money paid on a reference (追回), and how much came back."""

    reference = models.CharField(_("reference"), max_length=100, db_index=True)
    commitment = models.ForeignKey(
        Commitment, models.PROTECT, related_name="recoveries", verbose_name=_("commitment")
    )
    amount_fen = models.BigIntegerField(_("amount ordered (fen)"))
    recovered_fen = models.BigIntegerField(_("amount recovered (fen)"), default=0)
    memo = models.CharField(_("memo"), max_length=500, blank=True)
    status = models.CharField(
        _("status"), max_length=12, choices=RecoveryStatus.choices, default=RecoveryStatus.OPEN
    )
    ordered_by = models.ForeignKey(
        _USER, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("ordered by")
    )

    objects = ScopedQuerySet["RecoveryOrder"].as_manager()

    class Meta:
        verbose_name = _("recovery order")
        verbose_name_plural = _("recovery orders")
        ordering = ("-created_at",)
        constraints = [
            models.CheckConstraint(
                condition=Q(amount_fen__gt=0), name="funds_recovery_amount_positive"
            ),
            models.CheckConstraint(
                condition=Q(recovered_fen__gte=0, recovered_fen__lte=models.F("amount_fen")),
                name="funds_recovery_not_above_order",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.amount_fen}"

    @property
    def outstanding_fen(self) -> int:
        """What is still to be recovered."""
        return self.amount_fen - self.recovered_fen
