"""Name the funds' audit actions and fields (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import register_actions, register_fields

register_actions(
    {
        "funds.ledger.exported": _("Exported the ledger"),
        "funds.budget.set": _("Set a budget"),
        "funds.commitment.created": _("Committed funds to a claim"),
        "funds.commitment.released": _("Released committed funds"),
        "funds.paymentbatch.recorded": _("Recorded a payment batch"),
        "funds.payment.reversed": _("Reversed a payment"),
        "funds.recoveryorder.created": _("Ordered a recovery"),
        "funds.recoveryorder.recovered": _("Recorded recovered funds"),
    }
)
register_fields(
    {
        "source": _("Fund source"),
        "year": _("Year"),
        "amount_fen": _("Amount (fen)"),
        "total_fen": _("Total (fen)"),
        "lines": _("Lines"),
        "memo": _("Memo"),
    }
)
