"""The worker's own record says why a claim in their name is held, in the rule's own words,
and never the alert's summary, which may name other people (PIPL Art. 24)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest

from jineng.fraud import engine, integration, services
from jineng.fraud.models import Alert
from jineng.fraud.rules.base import REGISTRY, Hit, Threshold, Window, rule

MINE = "/records/mine/"


@pytest.fixture
def held(person: Any, monkeypatch: Any) -> Iterator[None]:
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
        "T97",
        name="Shared contact",
        action="hold",
        defaults={},
        explanation="One phone number is linked to many trainees.",
    )(check)
    monkeypatch.setattr(integration, "place_holds", lambda alert, *, actor: 1)
    engine.run(["T97"])
    yield
    del REGISTRY["T97"]


@pytest.mark.django_db
def test_the_worker_reads_why_without_the_others(client: Any, worker: Any, held: None) -> None:
    client.force_login(worker)
    page = client.get(MINE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Why a subsidy in your name is held" in page
    assert "Shared contact" in page
    assert "One phone number is linked to many trainees." in page
    assert "王*国" not in page
    assert "赵*华" not in page


@pytest.mark.django_db
def test_nothing_is_said_once_the_alert_is_cleared(
    client: Any, worker: Any, held: None, reviewer: Any
) -> None:
    alert = Alert.objects.get(rule_code="T97")
    services.dispose(alert.pk, outcome="cleared", reason="核实无误", actor=reviewer)
    client.force_login(worker)
    page = client.get(MINE, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Why a subsidy in your name is held" not in page
