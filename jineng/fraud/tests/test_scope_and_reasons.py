"""Who sees alerts (auditor reads, institution staff sees nothing) and a person's hold reasons."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from jineng.core.errors import NotFound, PermissionDenied
from jineng.fraud import access, engine, integration, queries, services
from jineng.fraud.models import Alert
from jineng.fraud.rules.base import REGISTRY, Hit, Threshold, Window, rule


@pytest.fixture
def alert_about(person: Any, monkeypatch: Any) -> Iterator[Alert]:
    def check(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
        yield Hit(
            subject="person",
            subject_id=person.pk,
            key=f"p:{person.pk}",
            summary="Shares a phone with 4 other trainees: 王*国, 赵*华",
            evidence=({"person_id": person.pk},),
            evidence_count=1,
            person_ids=(person.pk,),
        )

    rule(
        "T98",
        name="Shared contact",
        action="hold",
        defaults={},
        explanation="One phone number is linked to many trainees.",
    )(check)
    monkeypatch.setattr(integration, "place_holds", lambda alert, *, actor: 1)
    engine.run(["T98"])
    yield Alert.objects.get(rule_code="T98")
    del REGISTRY["T98"]


@pytest.mark.django_db
def test_scope_of_alerts(alert_about: Alert, auditor: Any, reviewer: Any, staff_a: Any) -> None:
    assert access.get_alert_for_user(auditor, alert_about.pk).pk == alert_about.pk
    assert access.may_view(auditor)
    assert not access.may_work(auditor)
    with pytest.raises(NotFound):
        access.get_alert_for_user(staff_a, alert_about.pk)
    assert not access.alerts_for_user(staff_a).exists()
    with pytest.raises(PermissionDenied):
        services.dispose(alert_about.pk, outcome="cleared", reason="ok", actor=staff_a)
    with pytest.raises(NotFound):
        access.get_alert_for_user(reviewer, alert_about.pk + 1000)


@pytest.mark.django_db
def test_a_person_sees_why_in_plain_words_without_others(alert_about: Alert, person: Any) -> None:
    reasons = queries.holds_explained_for_person(person)
    assert [(r.rule, r.name, r.explanation) for r in reasons] == [
        ("T98", "Shared contact", "One phone number is linked to many trainees.")
    ]
    assert all("王" not in r.explanation for r in reasons)


@pytest.mark.django_db
def test_a_cleared_alert_explains_nothing(alert_about: Alert, person: Any, reviewer: Any) -> None:
    services.dispose(alert_about.pk, outcome="cleared", reason="核实无误", actor=reviewer)
    assert queries.holds_explained_for_person(person) == []
