"""The engine with a rule registered here: alerts, dedup on rescan, versions, dispositions."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from io import StringIO
from typing import Any

import pytest
from django.core.management import call_command

from jineng.core.errors import PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.fraud import engine, integration, queries, services
from jineng.fraud.models import Alert, FraudRule
from jineng.fraud.rules.base import REGISTRY, Hit, Threshold, Window, rule

# What the test rule finds: the subject ids above its threshold.
FOUND: list[int] = []


@pytest.fixture
def test_rule() -> Iterator[str]:
    def check(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
        for n in FOUND:
            if n >= int(params["at_least"]):
                yield Hit(
                    subject="person",
                    subject_id=n,
                    key=f"p:{n}",
                    summary=f"Person {n} found",
                    evidence=({"person_id": n, "count": n},),
                    evidence_count=1,
                    person_ids=(n,),
                )

    rule("T99", name="Test rule", action="hold", defaults={"at_least": 2})(check)
    FOUND[:] = []
    yield "T99"
    del REGISTRY["T99"]


@pytest.fixture
def holds(monkeypatch: Any) -> list[str]:
    placed: list[str] = []

    def fake(alert: Any, *, actor: Any) -> int:
        placed.append(integration.source_of(alert))
        return 1

    monkeypatch.setattr(integration, "place_holds", fake)
    return placed


@pytest.mark.django_db
def test_run_opens_alerts_and_a_rescan_does_not_duplicate(test_rule: str, holds: list[str]) -> None:
    FOUND[:] = [1, 2, 3]
    first = engine.run([test_rule])
    assert (first.hits, first.new_alerts, first.holds) == (2, 2, 2)
    assert FraudRule.objects.get(code="T99").thresholds == {"at_least": 2}
    again = engine.run([test_rule])
    assert (again.hits, again.new_alerts) == (2, 0)
    alerts = Alert.objects.filter(rule_code="T99").order_by("subject_id")
    assert [(a.key, a.status, a.evidence_count) for a in alerts] == [
        ("p:2", "open", 1),
        ("p:3", "open", 1),
    ]
    assert AuditEvent.objects.filter(action="fraud.alert.opened").count() == 2
    assert AuditEvent.objects.filter(action="fraud.scan.run").count() == 2


@pytest.mark.django_db
def test_changing_a_threshold_makes_a_version(
    test_rule: str, bureau_admin: Any, reviewer: Any
) -> None:
    services.seed_rules()
    with pytest.raises(ValidationFailed):
        services.change_rule(
            "T99", thresholds={"at_least": "x"}, enabled=True, note="tune", actor=bureau_admin
        )
    with pytest.raises(ValidationFailed):
        services.change_rule(
            "T99", thresholds={"other": 1}, enabled=True, note="tune", actor=bureau_admin
        )
    with pytest.raises(PermissionDenied):
        services.change_rule(
            "T99", thresholds={"at_least": 3}, enabled=True, note="tune", actor=reviewer
        )
    v2 = services.change_rule(
        "T99", thresholds={"at_least": "3"}, enabled=True, note="tune", actor=bureau_admin
    )
    assert (v2.version, v2.thresholds) == (2, {"at_least": 3})
    FOUND[:] = [2, 3]
    summary = engine.run(["T99"])
    assert [(r.version, r.hits) for r in summary.rules] == [(2, 1)]


@pytest.mark.django_db
def test_dispositions_and_precision(
    test_rule: str, holds: list[str], reviewer: Any, auditor: Any
) -> None:
    FOUND[:] = [2, 3, 4]
    engine.run([test_rule])
    a2, a3, a4 = Alert.objects.filter(rule_code="T99").order_by("subject_id")
    with pytest.raises(ValidationFailed):
        services.dispose(a2.pk, outcome="cleared", reason=" ", actor=reviewer)
    with pytest.raises(PermissionDenied):
        services.dispose(a2.pk, outcome="cleared", reason="ok", actor=auditor)
    services.dispose(a2.pk, outcome="cleared", reason="家访核实本人参训", actor=reviewer)
    services.dispose(a3.pk, outcome="confirmed", reason="本人否认参训", actor=reviewer)
    services.dispose(a4.pk, outcome="confirmed", reason="本人否认参训", actor=reviewer)
    assert queries.precision()["T99"] == pytest.approx(2 / 3)
    # Worked hits, found again on the same evidence, are not reopened.
    again = engine.run([test_rule])
    assert again.new_alerts == 0


@pytest.mark.django_db
def test_scan_command_says_what_it_found(test_rule: str, holds: list[str]) -> None:
    FOUND[:] = [5]
    out = StringIO()
    call_command("fraud", "scan", "--rule", "T99", stdout=out, stderr=StringIO())
    assert "T99 v1: 1 hits, 1 new alerts, 1 holds" in out.getvalue()
    assert "Scanned 1 rules: 1 hits, 1 new alerts, 1 claims held." in out.getvalue()
