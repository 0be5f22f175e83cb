"""The fraud alerts' xlsx export: rows read back exactly, the list's filters, who may export
(403 for the rest), the region scope, the audit event, masking and a formula-looking cell."""

from __future__ import annotations

import io
from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.core import audit
from jineng.core.models import AuditEvent
from jineng.fraud import engine, integration
from jineng.fraud.models import Alert
from jineng.fraud.rules.base import REGISTRY, Hit, Threshold, Window, rule
from jineng.regions.models import Region

pytestmark = pytest.mark.django_db
CODE = "T96"
EXPORT = reverse("fraud:alert_export")


@pytest.fixture
def planted(monkeypatch: Any) -> Iterator[list[Hit]]:
    """A rule registered for the test: it yields whatever hits the test plants."""
    hits: list[Hit] = []

    def check(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
        yield from hits

    rule(
        CODE,
        name="共用手机号",
        action="hold",
        defaults={"min_people": 1},
        explanation="一个手机号关联多名学员。",
        labels={"min_people": "至少关联人数"},
    )(check)
    monkeypatch.setattr(integration, "place_holds", lambda alert, *, actor: 2)
    yield hits
    del REGISTRY[CODE]


def hit(key: str, summary: str, people: tuple[int, ...]) -> Hit:
    return Hit(
        subject="person",
        subject_id=people[0],
        key=key,
        summary=summary,
        evidence=({"person_id": people[0], "phone": "13812345678"},),
        evidence_count=3,
        person_ids=people,
    )


@pytest.fixture
def alerts(planted: list[Hit], person: Any) -> list[Alert]:
    planted.append(hit("p:1", "手机号 138******78 关联 2 名学员", (person.pk, person.pk + 1)))
    planted.append(hit("p:2", '=HYPERLINK("http://x","y")', (person.pk,)))
    engine.run([CODE])
    return list(Alert.objects.filter(rule_code=CODE).order_by("-created_at", "-pk"))


def as_user(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def book_of(response: Any) -> Any:
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Disposition"].startswith('attachment; filename="alerts-')
    return load_workbook(io.BytesIO(b"".join(response.streaming_content)))


def rows(response: Any) -> list[tuple[Any, ...]]:
    return list(book_of(response)["Fraud alerts"].iter_rows(values_only=True))


def opened(alert: Alert) -> str:
    return timezone.localtime(alert.created_at).strftime("%Y-%m-%d %H:%M:%S")


def test_auditor_exports_every_alert_without_its_evidence(
    alerts: list[Alert], auditor: User
) -> None:
    found = rows(as_user(auditor).post(EXPORT))
    assert found[0] == (
        "Alert number",
        "Rule",
        "Rule name",
        "Rule version",
        "About",
        "What was found",
        "Evidence rows",
        "People concerned",
        "Claims held",
        "Status",
        "Opened at",
        "Last seen at",
        "Worked by",
        "Worked at",
        "Reason",
    )
    expected = [
        (
            alert.pk,
            CODE,
            "共用手机号",
            alert.rule.version,
            "Person",
            alert.summary,
            3,
            len(alert.person_ids),
            alert.holds,
            "Open",
            opened(alert),
            timezone.localtime(alert.last_seen_at).strftime("%Y-%m-%d %H:%M:%S"),
            None,
            None,
            None,
        )
        for alert in alerts
    ]
    assert found[1:] == expected
    assert {row[7] for row in found[1:]} == {1, 2}
    # The evidence (a full phone number) never leaves in the export.
    assert "13812345678" not in repr(found)
    event = AuditEvent.objects.get(action="fraud.alerts.exported")
    assert (event.actor_id, event.data) == (auditor.pk, {"rows": 2, "filters": {}})
    assert audit.verify() is None


def test_a_summary_that_looks_like_a_formula_is_text(alerts: list[Alert], auditor: User) -> None:
    sheet = book_of(as_user(auditor).post(EXPORT))["Fraud alerts"]
    cells = [row[5] for row in sheet.iter_rows(min_row=2)]
    formula = [c for c in cells if str(c.value).startswith("=")]
    assert [(c.value, c.data_type) for c in formula] == [('=HYPERLINK("http://x","y")', "s")]


def test_the_lists_filters_are_applied_and_recorded(
    alerts: list[Alert], auditor: User, reviewer: User
) -> None:
    from jineng.fraud import services

    services.dispose(alerts[0].pk, outcome="cleared", reason="核实无误", actor=reviewer)
    found = rows(as_user(auditor).post(EXPORT, {"status": "cleared", "rule": CODE}))
    assert [(row[0], row[9], row[12], row[14]) for row in found[1:]] == [
        (alerts[0].pk, "Cleared", "reviewer_t", "核实无误")
    ]
    event = AuditEvent.objects.get(action="fraud.alerts.exported")
    assert event.data == {"rows": 1, "filters": {"rule": CODE, "status": "cleared"}}
    assert as_user(auditor).post(EXPORT, {"status": "bogus"}).status_code == 400


@pytest.mark.parametrize("role", [Role.INSTITUTION_STAFF, Role.FINANCE, Role.EVALUATOR])
def test_a_role_that_does_not_read_alerts_gets_403(
    alerts: list[Alert], school_a: Any, role: str
) -> None:
    organization = school_a if role != Role.FINANCE else None
    user = make_user(f"no_alerts_{role}", role, organization=organization)
    assert as_user(user).post(EXPORT).status_code == 403
    assert not AuditEvent.objects.filter(action="fraud.alerts.exported").exists()


def test_a_reviewer_limited_to_a_town_exports_no_alert_of_the_city(
    alerts: list[Alert], city: Region
) -> None:
    town = Region.objects.get(code="220581001")
    reviewer = make_user("reviewer_town", Role.REVIEWER, region=town)
    assert rows(as_user(reviewer).post(EXPORT))[1:] == []
    event = AuditEvent.objects.get(action="fraud.alerts.exported")
    assert event.data == {"rows": 0, "filters": {}}


def test_the_list_offers_the_export_with_its_filters(alerts: list[Alert], auditor: User) -> None:
    html = as_user(auditor).get(reverse("fraud:alert_list"), {"status": "open"}).content.decode()
    assert f'action="{EXPORT}"' in html
    assert '<input type="hidden" name="status" value="open">' in html


def test_an_export_past_its_limit_is_refused(
    alerts: list[Alert], auditor: User, monkeypatch: pytest.MonkeyPatch
) -> None:
    from jineng.fraud import exports
    from jineng.fraud.views import exports as export_views

    monkeypatch.setattr(exports, "EXPORT_MAX_ROWS", 1)
    monkeypatch.setattr(export_views, "INLINE_MAX_ROWS", 1)
    response = as_user(auditor).post(EXPORT)
    assert response.status_code == 400
    assert "Narrow the filters" in response.content.decode()
    assert not AuditEvent.objects.filter(action="fraud.alerts.exported").exists()
