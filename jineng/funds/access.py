"""Data scope for funds: the only place that decides who sees budgets and the ledger.

The ledger is the city's: ``view_subsidies`` (bureau, reviewers, auditors, finance) reads
budgets, transactions, payments and recovery orders; ``manage_funds`` sets budgets and
records reversals and recoveries; ``pay_claims`` records payment batches and downloads payment
files. An account limited to a region sees none of it (budgets are city-wide: the scope fails
closed). Everyone else gets NotFound, exactly like missing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.accounts.roles import Capability, has_capability
from jineng.core import scope
from jineng.core.errors import NotFound
from jineng.core.scope import VIEW
from jineng.funds.models import (
    Budget,
    Commitment,
    LedgerTransaction,
    Payment,
    PaymentBatch,
    RecoveryOrder,
)


def may_view(user: Viewer) -> bool:
    """Tell whether the user reads budgets and the ledger (view_subsidies)."""
    return has_capability(user, Capability.VIEW_SUBSIDIES) and not getattr(user, "region_id", None)


def may_manage(user: Viewer) -> bool:
    """Tell whether the user sets budgets and records reversals and recoveries."""
    return may_view(user) and has_capability(user, Capability.MANAGE_FUNDS)


def may_pay(user: Viewer) -> bool:
    """Tell whether the user records payment batches and downloads payment files."""
    return may_view(user) and has_capability(user, Capability.PAY_CLAIMS)


def require_view(user: Viewer) -> None:
    """Answer NotFound, like a missing page, to anyone who may not read the ledger."""
    if not may_view(user):
        raise NotFound(_("No such page."))


def _rule(change: Capability) -> Any:
    def restrict(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        needed = Capability.VIEW_SUBSIDIES if action == VIEW else change
        if not scope.is_active(user) or user.region_id or not user.can(needed):
            return queryset.none()
        return queryset

    return restrict


def get_batch_for_user(user: Viewer, pk: int | str, *, action: str = VIEW) -> PaymentBatch:
    """Return a payment batch the user may act on, or NotFound for missing and out of scope."""
    found: PaymentBatch = scope.get_for_user(
        PaymentBatch.objects.all(), user, pk, action=action, missing=_("No such payment batch.")
    )
    return found


def get_transaction_for_user(user: Viewer, pk: int | str) -> LedgerTransaction:
    """Return a ledger transaction the user may view, or NotFound."""
    rows = LedgerTransaction.objects.select_related("budget__source", "actor")
    found: LedgerTransaction = scope.get_for_user(
        rows, user, pk, missing=_("No such ledger transaction.")
    )
    return found


def get_payment_for_user(user: Viewer, pk: int | str, *, action: str = VIEW) -> Payment:
    """Return a payment the user may act on, or NotFound for missing and out of scope."""
    found: Payment = scope.get_for_user(
        Payment.objects.select_related("batch"),
        user,
        pk,
        action=action,
        missing=_("No such payment."),
    )
    return found


def get_recovery_for_user(user: Viewer, pk: int | str, *, action: str = VIEW) -> RecoveryOrder:
    """Return a recovery order the user may act on, or NotFound."""
    found: RecoveryOrder = scope.get_for_user(
        RecoveryOrder.objects.all(), user, pk, action=action, missing=_("No such recovery order.")
    )
    return found


def recoveries_for_user(user: Viewer) -> QuerySet[RecoveryOrder]:
    """Every recovery order the user may view, newest first."""
    return RecoveryOrder.objects.visible_to(user).select_related("ordered_by")


def batches_for_user(user: Viewer) -> QuerySet[PaymentBatch]:
    """Every payment batch the user may view."""
    return PaymentBatch.objects.visible_to(user)


_NOTE = "city-wide: view_subsidies to view; manage_funds / pay_claims to change"
scope.register(Budget, rule=_rule(Capability.MANAGE_FUNDS), notes=_NOTE)
scope.register(LedgerTransaction, rule=_rule(Capability.MANAGE_FUNDS), notes=_NOTE)
scope.register(Commitment, rule=_rule(Capability.MANAGE_FUNDS), notes=_NOTE)
scope.register(
    RecoveryOrder, rule=_rule(Capability.MANAGE_FUNDS), url_params=("order_id",), notes=_NOTE
)
scope.register(
    Payment, rule=_rule(Capability.MANAGE_FUNDS), url_params=("payment_id",), notes=_NOTE
)
scope.register(
    PaymentBatch, rule=_rule(Capability.PAY_CLAIMS), url_params=("batch_id",), notes=_NOTE
)
