"""Choices of funds: the chart of accounts, the kinds of ledger transaction, and states."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class AccountKind(models.TextChoices):
    """The chart of accounts (科目表) kept for every fund source and year.

    ``APPROPRIATION`` is the budget granted (credit-normal); every other account is
    debit-normal, and the granted budget is always spread over them:
    appropriation = available + committed + paid + recovery receivable.
    """

    APPROPRIATION = "appropriation", _("Budget appropriation")
    AVAILABLE = "available", _("Available")
    COMMITTED = "committed", _("Committed")
    PAID = "paid", _("Paid")
    RECEIVABLE = "receivable", _("Recovery receivable")


# The side on which each account's balance grows; a balance is kept on its normal side and
# never goes below zero.
CREDIT_NORMAL = frozenset({AccountKind.APPROPRIATION})


class Side(models.TextChoices):
    """The side of a ledger entry."""

    DEBIT = "D", _("Debit")
    CREDIT = "C", _("Credit")


class TransactionKind(models.TextChoices):
    """What a ledger transaction records (each with its fixed pair of entries)."""

    BUDGET = "budget", _("Budget")
    COMMITMENT = "commitment", _("Commitment")
    RELEASE = "release", _("Release")
    DISBURSEMENT = "disbursement", _("Disbursement")
    REVERSAL = "reversal", _("Reversal of a disbursement")
    RECOVERY_ORDER = "recovery_order", _("Recovery order")
    RECOVERY = "recovery", _("Recovery")


class CommitmentStatus(models.TextChoices):
    """Where the money committed to one reference stands."""

    OPEN = "open", _("Committed, not paid")
    PAID = "paid", _("Paid")
    RELEASED = "released", _("Released")


class RecoveryStatus(models.TextChoices):
    """Where a recovery order stands."""

    OPEN = "open", _("Open")
    RECOVERED = "recovered", _("Recovered in full")
