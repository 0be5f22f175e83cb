"""Where fraud meets subsidies and funds: holds, their release, and recovery orders.

The only module of fraud that calls the apps below it for writes, so tests replace these
functions in one place. Subsidies holds the claims (``hold_claims``, ``release_holds``);
funds orders the recovery of money already paid (``order_recovery``). Either app may not be
built yet in a deployment's version: then nothing is held and the alert says so (holds 0).
"""

from __future__ import annotations

import importlib
from types import ModuleType

from jineng.accounts.actors import Actor
from jineng.fraud.choices import RuleAction
from jineng.fraud.models import Alert

# The actions whose hits hold the claims concerned; a flag only opens a case.
HOLDING_ACTIONS = frozenset({RuleAction.HOLD.value, RuleAction.BLOCK.value})


def _module(name: str) -> ModuleType | None:
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as error:
        if error.name != name:
            raise
        return None


def source_of(alert: Alert) -> str:
    """The hold source an alert's holds carry in subsidies."""
    return f"fraud.alert:{alert.pk}"


def place_holds(alert: Alert, *, actor: Actor | None) -> int:
    """Hold every claim not paid or rejected that involves the alert's people, classes or
    organisations; return how many were newly held (subsidies skips a claim already held by
    the same alert)."""
    services = _module("jineng.subsidies.services")
    hold = getattr(services, "hold_claims", None)
    if hold is None or not (alert.person_ids or alert.class_ids or alert.organization_ids):
        return 0
    held: int = hold(
        person_ids=alert.person_ids,
        class_ids=alert.class_ids,
        organization_ids=alert.organization_ids,
        source=source_of(alert),
        reason=alert.summary,
        actor=actor,
    )
    return held


def release_holds(alert: Alert, *, reason: str, actor: Actor) -> int:
    """Release the holds a cleared alert placed; return how many."""
    services = _module("jineng.subsidies.services")
    release = getattr(services, "release_holds", None)
    if release is None:
        return 0
    released: int = release(source=source_of(alert), actor=actor, reason=reason)
    return released


def order_recoveries(alert: Alert, *, reason: str, actor: Actor) -> int:
    """Order the recovery (追回) of what was paid on the claims a confirmed alert concerns.

    Subsidies says which of the alert's claims were paid and how much
    (``subsidies.queries.paid_claims_for(person_ids, class_ids, organization_ids)`` yielding
    ``(claim reference, amount_fen)``); funds orders each recovery. Returns how many.
    """
    queries = _module("jineng.subsidies.queries")
    funds = _module("jineng.funds.services")
    paid_for = getattr(queries, "paid_claims_for", None)
    order = getattr(funds, "order_recovery", None)
    if paid_for is None or order is None:
        return 0
    count = 0
    for reference, amount_fen in paid_for(
        person_ids=alert.person_ids,
        class_ids=alert.class_ids,
        organization_ids=alert.organization_ids,
    ):
        if amount_fen <= 0:
            continue
        order(
            reference=reference,
            amount_fen=amount_fen,
            memo=f"{alert.rule_code} {source_of(alert)}: {reason}"[:500],
            actor=actor,
        )
        count += 1
    return count
