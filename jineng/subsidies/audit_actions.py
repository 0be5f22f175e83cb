"""Name the subsidy claims' audit actions and fields (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import register_actions, register_fields, register_values
from jineng.subsidies.choices import ClaimStatus, ObjectionStatus

register_actions(
    {
        "subsidies.claims.exported": _("Exported subsidy claims"),
        "subsidies.claim.submitted": _("Submitted a subsidy claim"),
        "subsidies.claim.first_reviewed": _("Passed a subsidy claim's first review"),
        "subsidies.claim.second_reviewed": _("Passed a subsidy claim's second review"),
        "subsidies.claim.notice_started": _("Published a subsidy claim for public notice"),
        "subsidies.claim.approved": _("Approved a subsidy claim"),
        "subsidies.claim.rejected": _("Rejected a subsidy claim"),
        "subsidies.claim.paid": _("Paid a subsidy claim"),
        "subsidies.claim.held": _("Held a subsidy claim"),
        "subsidies.claim.released": _("Released a hold on a subsidy claim"),
        "subsidies.claim.line_removed": _("Took a line out of a subsidy claim"),
        "subsidies.claimline.confirmed": _("Confirmed a subsidy claim line in one's name"),
        "subsidies.claimline.disputed": _("Disputed a subsidy claim line in one's name"),
        "subsidies.objection.raised": _("Raised an objection to a subsidy claim"),
        "subsidies.objection.resolved": _("Resolved an objection to a subsidy claim"),
        "subsidies.objection.contact_viewed": _(
            "Read how to reach the objector to a subsidy claim"
        ),
    }
)
register_fields(
    {
        "total_fen": _("Amount (fen)"),
        "lines": _("Lines"),
        "ineligible": _("Not claimed for"),
        "rule_set": _("Rule set"),
        "fund_source": _("Paid from"),
        "batch_reference": _("Payment batch"),
        "reasons": _("Reasons"),
        "released": _("Commitment released"),
        "source": _("Placed by"),
        "objection": _("Objection"),
        "resolution": _("Resolution"),
        "starts_on": _("From"),
        "ends_on": _("Until"),
        "contact": _("Contact given"),
    }
)
register_values("status", dict(ClaimStatus.choices), actions="subsidies.claim")
register_values("status", dict(ObjectionStatus.choices), actions="subsidies.objection")
