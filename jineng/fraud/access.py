"""Data scope for fraud: the only place that decides who sees rules and alerts.

Fraud control is the bureau's, city-wide. ``view_alerts`` (bureau, reviewers, auditors) sees
every rule version and alert; ``work_alerts`` (bureau, reviewers) disposes of alerts;
``manage_fraud_rules`` (bureau) changes a rule's thresholds and runs scans. An account limited
to a region sees none of it (alerts span regions: the scope fails closed). Institutions,
employers, evaluators and workers see nothing here: a worker reads why a claim in their name
is held in their record (``queries.holds_explained_for_person``). Out of scope answers
NotFound, exactly like missing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.accounts.roles import Capability, has_capability
from jineng.core import scope
from jineng.core.scope import VIEW
from jineng.fraud.models import Alert, AlertPerson, FraudRule


def may_view(user: Viewer) -> bool:
    """Tell whether the user sees the fraud rules and alerts (view_alerts)."""
    return has_capability(user, Capability.VIEW_ALERTS)


def may_work(user: Viewer) -> bool:
    """Tell whether the user disposes of alerts (work_alerts)."""
    return has_capability(user, Capability.WORK_ALERTS)


def may_manage(user: Viewer) -> bool:
    """Tell whether the user changes rules' thresholds and runs scans (manage_fraud_rules)."""
    return has_capability(user, Capability.MANAGE_FRAUD_RULES)


def sees_full_pii(user: Viewer) -> bool:
    """Tell whether evidence shows people's full names and numbers (view_full_pii)."""
    return has_capability(user, Capability.VIEW_FULL_PII)


def _rule(change: Capability) -> Any:
    def restrict(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        needed = Capability.VIEW_ALERTS if action == VIEW else change
        if not scope.is_active(user) or not user.can(needed):
            return queryset.none()
        return scope.in_region(queryset, scope.entry_for(queryset.model), user)

    return restrict


_alert_rule = _rule(Capability.WORK_ALERTS)
_fraud_rule_rule = _rule(Capability.MANAGE_FRAUD_RULES)


def get_alert_for_user(user: Viewer, pk: int | str, *, action: str = VIEW) -> Alert:
    """Return an alert the user may act on, or NotFound for missing and out-of-scope."""
    rows = Alert.objects.select_related("rule", "disposed_by")
    found: Alert = scope.get_for_user(rows, user, pk, action=action, missing=_("No such alert."))
    return found


def alerts_for_user(user: Viewer) -> QuerySet[Alert]:
    """Every alert the user may view."""
    return Alert.objects.visible_to(user).select_related("rule")


def rules_for_user(user: Viewer) -> QuerySet[FraudRule]:
    """Every rule version the user may view."""
    return FraudRule.objects.visible_to(user)


_NOTE = "city-wide: view_alerts to view; work_alerts / manage_fraud_rules to change"
scope.register(Alert, rule=_alert_rule, url_params=("alert_id",), notes=_NOTE)
scope.register(FraudRule, rule=_fraud_rule_rule, notes=_NOTE)
scope.register(AlertPerson, rule=_alert_rule, notes=_NOTE)
