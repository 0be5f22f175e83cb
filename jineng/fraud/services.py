"""Writes of fraud: rule versions (seeded, changed) and alert dispositions.

Every write checks the actor's capability and records an audit event in its transaction. The
system (commands, scans, screens on write) passes ``actor=None``. No write here rejects a
claim: a hit holds claims, and a person decides (FRAUD_RULES.md guardrails).
"""

from __future__ import annotations

from collections.abc import Mapping

from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import audit, scope
from jineng.core.errors import InvalidTransition, NotFound, PermissionDenied, ValidationFailed
from jineng.fraud import integration, locks
from jineng.fraud.choices import AlertStatus, RuleAction
from jineng.fraud.models import Alert, FraudRule
from jineng.fraud.rules.base import REGISTRY, RuleSpec
from jineng.fraud.thresholds import validate

MAX_TEXT = 2000


def spec_for(code: str) -> RuleSpec:
    """The rule's registration, or NotFound for a code no module registers."""
    spec = REGISTRY.get(code)
    if spec is None:
        raise NotFound(_("No such rule."), field="rule")
    return spec


def current_version(code: str) -> FraudRule | None:
    """The version in force now: the newest whose effective date has come."""
    return (
        FraudRule.objects.filter(code=code, effective_from__lte=timezone.now())
        .order_by("-version")
        .first()
    )


def seed_rules(*, actor: Actor | None = None, codes: list[str] | None = None) -> int:
    """Record version 1 of every registered rule that has none, from its defaults; say how many.

    Already seeded rules are left as they are: a deployment's thresholds are never reset.
    """
    if actor is not None and not actor.can(Capability.MANAGE_FRAUD_RULES):
        raise PermissionDenied(_("Only the bureau changes fraud rules."))
    wanted = sorted(codes if codes is not None else REGISTRY)
    with transaction.atomic():
        have = set(FraudRule.objects.filter(code__in=wanted).values_list("code", flat=True))
        missing = [REGISTRY[code] for code in wanted if code in REGISTRY and code not in have]
        created = FraudRule.objects.bulk_create(
            [
                FraudRule(
                    code=spec.code,
                    version=1,
                    thresholds=dict(spec.defaults),
                    action=spec.action,
                    enabled=True,
                    created_by=actor,
                    note=_("The rule's starting values."),
                )
                for spec in missing
            ],
            ignore_conflicts=True,
        )
        audit.record_many(
            actor,
            (
                audit.Entry(
                    "fraud.rule.seeded",
                    object_type="fraud.fraudrule",
                    object_id=rule.code,
                    data={"rule": rule.code, "version": 1, "thresholds": rule.thresholds},
                )
                for rule in created
            ),
        )
    return len(created)


def _allowed_actions(spec: RuleSpec) -> set[str]:
    # Block is only for deterministic policy violations: a rule that is not one cannot block.
    allowed = {RuleAction.HOLD.value, RuleAction.FLAG.value}
    if spec.action == RuleAction.BLOCK.value:
        allowed.add(RuleAction.BLOCK.value)
    return allowed


@transaction.atomic(durable=True)
def change_rule(
    code: str,
    *,
    thresholds: Mapping[str, object],
    enabled: bool,
    action: str | None = None,
    note: str,
    actor: Actor,
) -> FraudRule:
    """Record a new version of a rule with these thresholds, in force from now (audited)."""
    if not actor.can(Capability.MANAGE_FRAUD_RULES):
        raise PermissionDenied(_("Only the bureau changes fraud rules."))
    spec = spec_for(code)
    cleaned = validate(spec, thresholds)
    versions = locks.rule_versions_for_update(code)
    previous = versions[0] if versions else None
    chosen = action or (previous.action if previous else spec.action)
    if chosen not in _allowed_actions(spec):
        raise ValidationFailed(
            _("Only a rule of deterministic policy may block; choose hold or flag."),
            field="action",
        )
    reason = (note or "").strip()
    if not reason:
        raise ValidationFailed(_("Say why the thresholds change."), field="note")
    if len(reason) > MAX_TEXT:
        raise ValidationFailed(
            _("At most {n} characters are allowed.").format(n=MAX_TEXT), field="note"
        )
    if (
        previous is not None
        and previous.thresholds == cleaned
        and previous.enabled == enabled
        and previous.action == chosen
    ):
        raise ValidationFailed(_("Nothing changed: the rule stays as it is."), field="thresholds")
    number = (FraudRule.objects.filter(code=code).aggregate(n=Max("version"))["n"] or 0) + 1
    version = FraudRule.objects.create(
        code=code,
        version=number,
        thresholds=cleaned,
        action=chosen,
        enabled=enabled,
        created_by=actor,
        note=reason,
    )
    audit.record(
        actor,
        "fraud.rule.changed",
        version,
        data={
            "rule": code,
            "version": number,
            "thresholds": cleaned,
            "previous_thresholds": previous.thresholds if previous else None,
            "enabled": enabled,
            "action": chosen,
            "note": reason,
        },
    )
    return version


def _reason(reason: str) -> str:
    cleaned = (reason or "").strip()
    if not cleaned:
        raise ValidationFailed(_("Give the reason for the disposition."), field="reason")
    if len(cleaned) > MAX_TEXT:
        raise ValidationFailed(
            _("At most {n} characters are allowed.").format(n=MAX_TEXT), field="reason"
        )
    return cleaned


@transaction.atomic(durable=True)
def dispose(alert_id: int, *, outcome: str, reason: str, actor: Actor) -> Alert:
    """Clear or confirm an open alert, with a reason (audited).

    Clearing releases the holds the alert placed. Confirming keeps them (a person rejects the
    claims in subsidies, never this service) and orders the recovery of what was already
    paid on the claims it concerns.
    """
    if not actor.can(Capability.WORK_ALERTS):
        raise PermissionDenied(_("Your role may not work fraud alerts."))
    if outcome not in (AlertStatus.CLEARED, AlertStatus.CONFIRMED):
        raise ValidationFailed(_("Choose clear or confirm."), field="outcome")
    cleaned = _reason(reason)
    alert = locks.alert_for_update(alert_id)
    scope.require(actor, alert, action=scope.CHANGE, missing=_("No such alert."))
    if alert.status != AlertStatus.OPEN:
        raise InvalidTransition(_("This alert has already been worked."))
    alert.status = outcome
    alert.disposition_reason = cleaned
    alert.disposed_by = actor
    alert.disposed_at = timezone.now()
    alert.save(update_fields=["status", "disposition_reason", "disposed_by", "disposed_at"])
    data: dict[str, object] = {"rule": alert.rule_code, "version": alert.rule.version}
    if outcome == AlertStatus.CLEARED:
        action = "fraud.alert.cleared"
        data["released"] = integration.release_holds(alert, reason=cleaned, actor=actor)
    else:
        action = "fraud.alert.confirmed"
        data["recoveries"] = integration.order_recoveries(alert, reason=cleaned, actor=actor)
    data["reason"] = cleaned
    audit.record(actor, action, alert, data=data)
    return alert
