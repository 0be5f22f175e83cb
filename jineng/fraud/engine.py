"""Run fraud rules: each rule's check is one set-based query; hits become alerts.

``run(codes, window)`` takes each enabled rule's version in force, calls its check with that
version's thresholds and the window, and turns its hits into alerts: a hit whose (rule, key)
has an open alert refreshes it (a rescan never duplicates), any other opens one. Hits of a
rule that holds or blocks put the claims concerned on hold (``integration.place_holds``),
never an automatic rejection. The engine loops over hits, never over the data's rows.

Claim screens (``screen_claim``) run the rules that look at one claim's people and class,
limited to them, inside the submission's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import audit
from jineng.core.errors import PermissionDenied
from jineng.fraud import integration, services
from jineng.fraud.choices import AlertStatus
from jineng.fraud.models import Alert, AlertPerson, FraudRule
from jineng.fraud.rules.base import REGISTRY, Hit, Window

# Rules that look at one trainee, class or claim, and so can run on write for one claim.
# Rules over city-wide distributions (medians, pass-rate shapes) run in the scan only.
CLAIM_SCREEN_RULES: tuple[str, ...] = (
    "R01",
    "R02",
    "R06",
    "R09",
    "R10",
    "R15",
    "R17",
    "R22",
    "R24",
    "R29",
    "R33",
)
_CHUNK = 500


@dataclass
class RuleRun:
    """What one rule's run found."""

    code: str
    version: int = 0
    hits: int = 0
    new_alerts: int = 0
    holds: int = 0
    skipped: bool = False


@dataclass
class RunSummary:
    """What a run found, rule by rule."""

    rules: list[RuleRun] = field(default_factory=list)

    @property
    def hits(self) -> int:
        return sum(r.hits for r in self.rules)

    @property
    def new_alerts(self) -> int:
        return sum(r.new_alerts for r in self.rules)

    @property
    def holds(self) -> int:
        return sum(r.holds for r in self.rules)


def _chunks(items: Sequence[str]) -> Iterable[list[str]]:
    it = iter(items)
    while batch := list(islice(it, _CHUNK)):
        yield batch


def _unique_hits(hits: Iterable[Hit]) -> dict[str, Hit]:
    found: dict[str, Hit] = {}
    for hit in hits:
        found.setdefault(hit.key[:200], hit)
    return found


def _fields(hit: Hit) -> dict[str, Any]:
    return {
        "subject": hit.subject,
        "subject_id": hit.subject_id,
        "summary": str(hit.summary),
        "evidence": [dict(row) for row in hit.evidence],
        "evidence_count": max(hit.evidence_count, len(hit.evidence)),
        "person_ids": sorted(set(hit.person_ids)),
        "class_ids": sorted(set(hit.class_ids)),
        "organization_ids": sorted(set(hit.organization_ids)),
    }


def _upsert(version: FraudRule, hits: dict[str, Hit]) -> tuple[list[Alert], list[Alert]]:
    """Refresh the open alerts of these keys and open the others; return (new, all)."""
    now = timezone.now()
    existing: dict[str, Alert] = {}
    for keys in _chunks(list(hits)):
        for alert in Alert.objects.filter(
            rule_code=version.code, status=AlertStatus.OPEN, key__in=keys
        ):
            existing[alert.key] = alert
    refreshed = []
    for key, alert in existing.items():
        for name, value in _fields(hits[key]).items():
            setattr(alert, name, value)
        alert.last_seen_at = now
        refreshed.append(alert)
    if refreshed:
        Alert.objects.bulk_update(
            refreshed,
            [*_fields(next(iter(hits.values()))), "last_seen_at"],
            batch_size=_CHUNK,
        )
    cleared = _cleared_unchanged(version.code, hits, exclude=existing)
    new = Alert.objects.bulk_create(
        [
            Alert(rule=version, rule_code=version.code, key=key, created_at=now, **_fields(hit))
            for key, hit in hits.items()
            if key not in existing and key not in cleared
        ],
        batch_size=_CHUNK,
    )
    AlertPerson.objects.filter(alert__in=refreshed).delete()
    AlertPerson.objects.bulk_create(
        [
            AlertPerson(alert=alert, person_id=person_id)
            for alert in [*refreshed, *new]
            for person_id in alert.person_ids
        ],
        batch_size=_CHUNK,
    )
    return new, [*refreshed, *new]


def _cleared_unchanged(code: str, hits: dict[str, Hit], *, exclude: dict[str, Alert]) -> set[str]:
    """Keys whose last alert was worked on the very evidence found again: not reopened."""
    keys = [key for key in hits if key not in exclude]
    last: dict[str, Alert] = {}
    for batch in _chunks(keys):
        for alert in Alert.objects.filter(rule_code=code, key__in=batch).order_by(
            "created_at", "id"
        ):
            last[alert.key] = alert
    return {
        key
        for key, alert in last.items()
        if alert.status != AlertStatus.OPEN
        and alert.evidence == _fields(hits[key])["evidence"]
        and alert.evidence_count == _fields(hits[key])["evidence_count"]
    }


def _run_rule(code: str, window: Window, actor: Actor | None) -> RuleRun:
    result = RuleRun(code)
    version = services.current_version(code)
    if version is None:
        services.seed_rules(codes=[code])
        version = services.current_version(code)
    if version is None or not version.enabled:
        result.skipped = True
        return result
    result.version = version.version
    spec = REGISTRY[code]
    hits = _unique_hits(spec.check(dict(version.thresholds), window))
    result.hits = len(hits)
    if not hits:
        return result
    try:
        with transaction.atomic():
            new, alerts = _upsert(version, hits)
    except IntegrityError:
        # Another run opened one of these alerts meanwhile: read it as existing this time.
        with transaction.atomic():
            new, alerts = _upsert(version, hits)
    result.new_alerts = len(new)
    if version.action in integration.HOLDING_ACTIONS:
        for alert in alerts:
            placed = integration.place_holds(alert, actor=actor)
            if placed:
                alert.holds += placed
                Alert.objects.filter(pk=alert.pk).update(holds=alert.holds)
                result.holds += placed
    audit.record_many(
        actor,
        (
            audit.Entry(
                "fraud.alert.opened",
                alert,
                data={
                    "rule": code,
                    "version": version.version,
                    "key": alert.key,
                    "summary": alert.summary,
                    "evidence_count": alert.evidence_count,
                    "evidence": alert.evidence,
                    "holds": alert.holds,
                },
            )
            for alert in new
        ),
    )
    return result


def run(
    codes: Iterable[str] | None = None,
    window: Window | None = None,
    *,
    actor: Actor | None = None,
    progress: Callable[[RuleRun], None] | None = None,
    record: bool = True,
) -> RunSummary:
    """Run the rules of these codes (every registered rule when None) over the window.

    Each rule runs in its own transaction (a savepoint when called inside one). ``actor`` is
    the bureau's account for a scan from the pages, None for the system; ``progress`` is told
    of each rule as it finishes.
    """
    if actor is not None and not actor.can(Capability.MANAGE_FRAUD_RULES):
        raise PermissionDenied("Only the bureau runs the fraud rules.")
    wanted = sorted(REGISTRY) if codes is None else sorted(set(codes))
    for code in wanted:
        services.spec_for(code)
    given = window or Window()
    summary = RunSummary()
    for code in wanted:
        with transaction.atomic():
            step = _run_rule(code, given, actor)
        summary.rules.append(step)
        if progress is not None:
            progress(step)
    if record:
        with transaction.atomic():
            audit.record(
                actor,
                "fraud.scan.run",
                object_type="fraud.scan",
                data={
                    "rules": [r.code for r in summary.rules if not r.skipped],
                    "since": given.since.isoformat() if given.since else None,
                    "hits": summary.hits,
                    "new_alerts": summary.new_alerts,
                    "holds": summary.holds,
                },
            )
    return summary


def screen_claim(claim: Any, actor: Actor | None) -> None:
    """Run the claim-level rules over one claim's people and class (subsidies' claim screen).

    Runs in the submission's transaction as the system: the claimant need not run rules.
    """
    people = frozenset(
        claim.lines.values_list("person_id", flat=True) if hasattr(claim, "lines") else ()
    )
    classes = frozenset({claim.training_class_id} if claim.training_class_id else ())
    if not people and not classes:
        return
    codes = [code for code in CLAIM_SCREEN_RULES if code in REGISTRY]
    run(codes, Window(person_ids=people, class_ids=classes), actor=None, record=False)
