"""Row locks of funds: the only place select_for_update() appears in this app.

Every change of money locks the budget row(s) it touches first, in primary-key order, then
the rows of that budget it changes (commitments, recovery orders); the audit stream last.
Holding the budget row serialises every ledger write of one source and year, so the balance
checked is the balance written. Every wait is bounded by ``JINENG_LOCK_TIMEOUT_MS``
(core.db turns an expired wait into Busy).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from jineng.core.errors import NotFound
from jineng.funds.models import Budget, Commitment, RecoveryOrder


def budget_for_update(source_code: str, year: int) -> Budget | None:
    """Lock the budget of a source and year (None when no budget is set)."""
    return (
        Budget.objects.select_for_update(of=("self",))
        .select_related("source")
        .filter(source__code=source_code, year=year)
        .first()
    )


def budgets_for_update(pks: Iterable[int]) -> dict[int, Budget]:
    """Lock several budgets in primary-key order, so that two writers never wait in a cycle."""
    wanted = sorted(set(pks))
    rows = Budget.objects.select_for_update(of=("self",)).filter(pk__in=wanted).order_by("pk")
    return {budget.pk: budget for budget in rows.select_related("source")}


def commitment_for_update(reference: str) -> Commitment | None:
    """Lock a reference's commitment (after its budget); None when there is none."""
    return Commitment.objects.select_for_update().filter(reference=reference).first()


def recovery_for_update(pk: int) -> RecoveryOrder:
    """Lock a recovery order (after its budget)."""
    order = RecoveryOrder.objects.select_for_update().filter(pk=pk).first()
    if order is None:
        raise NotFound(_("No such recovery order."))
    return order


def commitments_for_update(references: Iterable[str]) -> dict[str, Commitment]:
    """Lock the commitments of some references (after their budgets), in reference order."""
    rows = (
        Commitment.objects.select_for_update()
        .filter(reference__in=sorted(set(references)))
        .order_by("reference")
    )
    return {commitment.reference: commitment for commitment in rows}
