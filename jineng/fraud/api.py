"""REST endpoints of fraud: alerts (view_alerts; 404 for anyone else), their disposition
(work_alerts), and the published rules with their precision.

Alerts come through ``access`` (404 outside the caller's scope, as for a missing one) and their
evidence is always masked here (the pages show it in full, audited, to a role that needs it).
The rules' list is public to any signed-in caller; thresholds, versions and precision only to
view_alerts roles, so that a provider cannot tune its claims just under them.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from jineng.api.auth import actor
from jineng.api.errors import responses
from jineng.api.schemas import ObjectId, Page, PageParams, paginate
from jineng.core.errors import NotFound, PermissionDenied
from jineng.fraud import access, services
from jineng.fraud.choices import AlertStatus, RuleAction, Subject
from jineng.fraud.models import Alert
from jineng.fraud.rules.base import REGISTRY
from jineng.fraud.views import evidence
from jineng.fraud.views.alerts import filter_alerts
from jineng.fraud.views.common import claims_held
from jineng.fraud.views.rules import rule_views

router = Router(tags=["fraud"])

Cell = int | float | str | bool | None


class PersonOut(Schema):
    """A person an alert concerns, masked."""

    id: int
    name: str = Field(description="Masked (张*明).")
    id_number: str = Field(description="Masked (220581**********3X).")


class AlertOut(Schema):
    """An alert: the rule's hit, its evidence (masked) and how it was worked."""

    id: int
    url: str
    rule: str = Field(description="The rule's code, e.g. R22.")
    rule_name: str
    rule_version: int
    action: RuleAction
    subject: Subject
    subject_id: int
    summary: str
    status: AlertStatus
    evidence: list[dict[str, Cell]] = Field(description="The rows that show it, masked.")
    evidence_count: int = Field(description="How many rows there were (at most 50 are kept).")
    people: list[PersonOut]
    class_ids: list[int]
    organization_ids: list[int]
    holds_placed: int
    claims_held: int = Field(description="Claims this alert holds now.")
    disposition_reason: str | None
    disposed_at: datetime.datetime | None
    created_at: datetime.datetime
    last_seen_at: datetime.datetime


class AlertFiltersIn(Schema):
    """Filter the alerts."""

    rule: str = Field("", max_length=8, description="A rule's code, e.g. R22.")
    status: AlertStatus | None = None


class DispositionIn(Schema):
    """Clear an alert (its holds are released) or confirm it (recovery orders), with a reason."""

    outcome: AlertStatus = Field(description="cleared or confirmed.")
    reason: str = Field(min_length=1, max_length=services.MAX_TEXT)


class ThresholdOut(Schema):
    """One threshold of a rule, in words."""

    key: str
    label: str
    value: int | float | str | bool | None


class PrecisionOut(Schema):
    """How a rule's worked alerts came out: confirmed / (confirmed + cleared)."""

    confirmed: int
    cleared: int
    open: int
    precision: float | None = Field(description="None before any alert was worked.")


class RuleOut(Schema):
    """A published rule; thresholds, version and precision only for view_alerts roles."""

    code: str
    name: str
    explanation: str
    action: RuleAction
    enabled: bool
    version: int | None
    thresholds: list[ThresholdOut] | None
    precision: PrecisionOut | None


def _alert_out(alert: Alert, user: Any) -> dict[str, Any]:
    people = evidence.people_of(alert, user, full=False)
    spec = REGISTRY.get(alert.rule_code)
    return {
        "id": alert.pk,
        "url": reverse("api:fraud_alert", kwargs={"alert_id": alert.pk}),
        "rule": alert.rule_code,
        "rule_name": str(spec.name) if spec else alert.rule_code,
        "rule_version": alert.rule.version,
        "action": alert.rule.action,
        "subject": alert.subject,
        "subject_id": alert.subject_id,
        "summary": alert.summary,
        "status": alert.status,
        "evidence": [
            {key: evidence.mask_value(key, value) for key, value in row.items()}
            for row in alert.evidence
        ],
        "evidence_count": alert.evidence_count,
        "people": [{"id": p.id, "name": p.name, "id_number": p.id_number} for p in people.values()],
        "class_ids": list(alert.class_ids),
        "organization_ids": list(alert.organization_ids),
        "holds_placed": alert.holds,
        "claims_held": claims_held(alert),
        "disposition_reason": alert.disposition_reason or None,
        "disposed_at": alert.disposed_at,
        "created_at": alert.created_at,
        "last_seen_at": alert.last_seen_at,
    }


def _require_view(user: Any) -> None:
    if not access.may_view(user):
        raise NotFound(_("No such alert."))


@router.get(
    "/fraud/alerts",
    response={200: Page[AlertOut], **responses(400, 401, 404)},
    summary="List fraud alerts",
    url_name="fraud_alerts",
)
def list_alerts(
    request: HttpRequest, filters: Query[AlertFiltersIn], page: Query[PageParams]
) -> dict[str, Any]:
    """List the alerts, newest first, by rule and status (view_alerts; 404 for others)."""
    user = actor(request)
    _require_view(user)
    chosen = {"rule": filters.rule.strip().upper(), "status": filters.status or ""}
    result = paginate(filter_alerts(access.alerts_for_user(user), chosen), page)
    result["items"] = [_alert_out(alert, user) for alert in result["items"]]
    return result


@router.get(
    "/fraud/alerts/{alert_id}",
    response={200: AlertOut, **responses(400, 401, 404)},
    summary="Get a fraud alert",
    url_name="fraud_alert",
)
def get_alert(request: HttpRequest, alert_id: ObjectId) -> dict[str, Any]:
    """Return one alert with its evidence, masked (404 outside the caller's scope)."""
    user = actor(request)
    _require_view(user)
    return _alert_out(access.get_alert_for_user(user, alert_id), user)


@router.post(
    "/fraud/alerts/{alert_id}/disposition",
    response={200: AlertOut, **responses(400, 401, 403, 404, 409, 422)},
    summary="Clear or confirm a fraud alert",
    url_name="fraud_alert_disposition",
)
def dispose_alert(
    request: HttpRequest, alert_id: ObjectId, payload: DispositionIn
) -> dict[str, Any]:
    """Clear an open alert (its holds are released) or confirm it (holds stay; recovery is
    ordered for what was paid), with a reason (work_alerts)."""
    user = actor(request)
    _require_view(user)
    alert = access.get_alert_for_user(user, alert_id)
    if not access.may_work(user):
        raise PermissionDenied(_("Your role may not work fraud alerts."))
    services.dispose(alert.pk, outcome=payload.outcome, reason=payload.reason, actor=user)
    return _alert_out(access.get_alert_for_user(user, alert_id), user)


@router.get(
    "/fraud/rules",
    response={200: list[RuleOut], **responses(401)},
    summary="List the fraud rules",
    url_name="fraud_rules",
)
def list_rules(request: HttpRequest) -> list[dict[str, Any]]:
    """The published rules with what a hit does; thresholds, the version in force and the
    precision only for view_alerts roles."""
    user = actor(request)
    staff = access.may_view(user)
    found = []
    for rule in rule_views(user):
        found.append(
            {
                "code": rule.code,
                "name": rule.name,
                "explanation": rule.explanation,
                "action": rule.action,
                "enabled": rule.enabled,
                "version": rule.version if staff else None,
                "thresholds": [
                    {"key": key, "label": label, "value": value}
                    for key, label, value in rule.thresholds
                ]
                if staff
                else None,
                "precision": {
                    "confirmed": rule.precision.confirmed,
                    "cleared": rule.precision.cleared,
                    "open": rule.precision.open,
                    "precision": rule.precision.value,
                }
                if staff and rule.precision is not None
                else None,
            }
        )
    return found
