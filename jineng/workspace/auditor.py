"""The auditor's page (审计视图): claims, the ledger, fraud alerts and the audit trail in one
place, each with its figures, its list and its xlsx export.

Read-only: nothing here changes a row. Each panel appears only for a viewer whose role may
read that list, and its figures come through the owning app's access layer, so a viewer
limited to a region counts only the claims and alerts of its region and sees no ledger
(budgets are city-wide; the funds scope fails closed). The exports are the apps' own (a POST
of the same filters as the list page), each audited by the app that writes it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Q, Sum
from django.urls import reverse
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.accounts.roles import Capability, has_capability
from jineng.core.money import format_yuan
from jineng.fraud import access as fraud_access
from jineng.fraud.choices import AlertStatus
from jineng.funds import access as funds_access
from jineng.funds import queries as funds_queries
from jineng.funds.models import LedgerTransaction
from jineng.subsidies import access as subsidy_access
from jineng.subsidies import queries as subsidy_queries
from jineng.subsidies.choices import ClaimStatus


@dataclass(frozen=True)
class Figure:
    """One figure of a panel: what it counts, in words, and its value."""

    label: str
    value: str


@dataclass(frozen=True)
class Panel:
    """One list the viewer may read: its figures, its page, and how to export it."""

    kind: str
    heading: str
    figures: list[Figure]
    link: str
    export: str
    # The export's filter: (field name, label, [(value, label)]); empty: no filter offered.
    choice: tuple[str, str, list[tuple[Any, Any]]] | None = None
    dates: bool = False
    hidden: dict[str, str] = field(default_factory=dict)
    more: list[tuple[str, str]] = field(default_factory=list)


def claims_panel(user: Viewer) -> Panel:
    """The claims in the viewer's scope: how many, how many paid (and how much), held."""
    claims = subsidy_access.claims_for_user(user)
    totals = claims.aggregate(
        count=Count("pk"),
        paid=Count("pk", filter=Q(status=ClaimStatus.PAID)),
        paid_fen=Sum("total_fen", filter=Q(status=ClaimStatus.PAID)),
    )
    return Panel(
        kind="subsidies.claims",
        heading=_("Subsidy claims"),
        figures=[
            Figure(_("Claims"), str(totals["count"])),
            Figure(_("Paid claims"), str(totals["paid"])),
            Figure(_("Paid (yuan)"), format_yuan(totals["paid_fen"] or 0)),
            Figure(_("Held or objected to"), str(subsidy_queries.held_or_waiting(user).count())),
        ],
        link=reverse("subsidies:claims"),
        export=reverse("subsidies:claims_export"),
        choice=("status", _("Status"), [("", _("Any status")), *ClaimStatus.choices]),
        more=[(_("Public notice (公示)"), reverse("subsidies:notice"))],
    )


def ledger_panel(user: Viewer) -> Panel:
    """The ledger: how many transactions, and the budgets and payments over all years."""
    rows = funds_queries.balances(None)
    figures = [
        Figure(_("Ledger transactions"), str(LedgerTransaction.objects.visible_to(user).count())),
        Figure(_("Budgets, all years (yuan)"), format_yuan(sum(r.budget for r in rows))),
        Figure(
            _("Paid less recovered, all years (yuan)"),
            format_yuan(sum(r.paid - r.recovered for r in rows)),
        ),
    ]
    years = [(y, str(y)) for y in funds_queries.years()]
    return Panel(
        kind="funds.ledger",
        heading=_("Ledger"),
        figures=figures,
        link=reverse("funds:ledger"),
        export=reverse("funds:ledger_export"),
        choice=("year", _("Year"), [("", _("All")), *years]),
        more=[
            (_("Balances"), reverse("funds:balances")),
            (_("Reconciliation"), reverse("funds:reconciliation")),
        ],
    )


def alerts_panel(user: Viewer) -> Panel:
    """The fraud alerts in the viewer's scope, by where they stand."""
    counts = fraud_access.alerts_for_user(user).aggregate(
        **{status: Count("pk", filter=Q(status=status)) for status in AlertStatus.values}
    )
    return Panel(
        kind="fraud.alerts",
        heading=_("Fraud alerts"),
        figures=[Figure(str(label), str(counts[value])) for value, label in AlertStatus.choices],
        link=reverse("fraud:alert_list"),
        export=reverse("fraud:alert_export"),
        choice=("status", _("Status"), [("", _("Any status")), *AlertStatus.choices]),
        more=[(_("The fraud rules"), reverse("fraud:rule_list"))],
    )


def audit_panel(user: Viewer) -> Panel:
    """The audit trail: its page, its signed checkpoints, and an export by dates."""
    return Panel(
        kind="core.audit",
        heading=_("Audit trail"),
        figures=[],
        link=reverse("accounts:audit"),
        export=reverse("accounts:audit"),
        dates=True,
        hidden={"export": "xlsx"},
        more=[(_("Signed checkpoints"), reverse("audit_checkpoints"))],
    )


def panels_for(user: Viewer) -> list[Panel]:
    """The panels the viewer's role may read, in the page's order (none: not an auditor)."""
    panels = []
    if has_capability(user, Capability.VIEW_SUBSIDIES):
        panels.append(claims_panel(user))
    if funds_access.may_view(user):
        panels.append(ledger_panel(user))
    if fraud_access.may_view(user):
        panels.append(alerts_panel(user))
    if has_capability(user, Capability.VIEW_AUDIT):
        panels.append(audit_panel(user))
    return panels
