"""Domain errors of funds: budgets, commitments, payments and recoveries, each with a code."""

from __future__ import annotations

from collections.abc import Sequence

from django.utils.translation import gettext as _

from jineng.core.errors import Conflict, DomainError, NotFound, ValidationFailed


class NoBudget(Conflict):
    """No budget is set for the source and year a commitment asks of."""

    code = "no_budget"


class InsufficientFunds(Conflict):
    """The budget's available money is less than what a commitment asks for."""

    code = "insufficient_funds"


class NotCommitted(Conflict):
    """The reference has no open commitment (never committed, released or already paid)."""

    code = "not_committed"


class AlreadyCommitted(Conflict):
    """The reference already holds an open or paid commitment."""

    code = "already_committed"


class BudgetBelowSpent(Conflict):
    """A budget cannot be cut below what is already committed or paid."""

    code = "budget_below_spent"


class NotPaid(Conflict):
    """The payment, or the reference, has not been paid (or was reversed already)."""

    code = "not_paid"


class RecoveryTooLarge(Conflict):
    """A recovery asks for more than was paid, or more than the order still owes."""

    code = "recovery_too_large"


class UnknownSource(NotFound):
    """No fund source has this code."""

    code = "unknown_fund_source"


class UnknownLayout(NotFound):
    """No payment file layout has this code."""

    code = "unknown_payment_layout"


class InvalidAmount(ValidationFailed):
    """An amount is not a positive number of fen within bounds."""

    code = "invalid_amount"


class PaymentRefused(DomainError):
    """One or more lines of a payment batch are wrong; nothing of the batch was written."""

    code = "payment_refused"
    status = 409

    def __init__(self, problems: Sequence[tuple[int, str, str]]) -> None:
        self.problems = list(problems)
        lines = "; ".join(
            _("line {index} ({reference}): {reason}").format(
                index=index, reference=reference, reason=reason
            )
            for index, reference, reason in self.problems
        )
        super().__init__(
            _("The payment batch was refused and nothing was paid: {lines}").format(lines=lines),
            problems=[
                {"line": index, "reference": reference, "reason": reason}
                for index, reference, reason in self.problems
            ],
        )
