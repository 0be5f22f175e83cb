"""Reads of fraud: precision per rule, and why a claim in a person's name is held."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q

from jineng.fraud.choices import AlertStatus
from jineng.fraud.integration import HOLDING_ACTIONS
from jineng.fraud.models import Alert
from jineng.fraud.rules.base import REGISTRY


def precision() -> dict[str, float | None]:
    """Per rule code: confirmed / (confirmed + cleared), None before any disposition."""
    rows = Alert.objects.values("rule_code").annotate(
        confirmed=Count("id", filter=Q(status=AlertStatus.CONFIRMED)),
        cleared=Count("id", filter=Q(status=AlertStatus.CLEARED)),
    )
    found: dict[str, float | None] = {}
    for row in rows:
        worked = row["confirmed"] + row["cleared"]
        found[row["rule_code"]] = row["confirmed"] / worked if worked else None
    return found


@dataclass(frozen=True)
class HoldReason:
    """Why a claim in a person's name is held, in plain words, naming nobody else."""

    rule: str
    name: str
    explanation: str
    since: Any


def holds_explained_for_person(person: Any) -> list[HoldReason]:
    """The open alerts that hold claims in this person's name (PIPL Art. 24).

    Said with the rule's name and general explanation, never an alert's summary or evidence,
    which may name other people.
    """
    alerts = (
        Alert.objects.filter(status=AlertStatus.OPEN, people__person_id=person.pk)
        .select_related("rule")
        .order_by("created_at")
    )
    reasons = []
    for alert in alerts:
        if alert.rule.action not in HOLDING_ACTIONS:
            continue
        spec = REGISTRY.get(alert.rule_code)
        reasons.append(
            HoldReason(
                rule=alert.rule_code,
                name=str(spec.name) if spec else alert.rule_code,
                explanation=str(spec.explanation) if spec else "",
                since=alert.created_at,
            )
        )
    return reasons
