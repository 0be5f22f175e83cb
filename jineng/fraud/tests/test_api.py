"""The fraud API as each role: alerts paged and scoped (404 for anyone without view_alerts),
evidence masked, dispositions by work_alerts only, and the rules with their precision."""

from __future__ import annotations

from typing import Any

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.api.tests.helpers import api_client
from jineng.fraud import engine
from jineng.fraud.models import Alert
from jineng.fraud.rules.base import Hit
from jineng.fraud.tests.test_views import CODE, alert, planted_rule

__all__ = ["alert", "planted_rule"]


def test_institution_staff_and_workers_get_404(alert: Alert, staff_a: Any, worker: Any) -> None:
    for user in (staff_a, worker):
        client = api_client(user)
        assert client.get("/api/v1/fraud/alerts").status_code == 404
        response = client.get(f"/api/v1/fraud/alerts/{alert.pk}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"
        posted = client.post(
            f"/api/v1/fraud/alerts/{alert.pk}/disposition",
            {"outcome": "cleared", "reason": "x"},
        )
        assert posted.status_code == 404


def test_auditor_reads_alerts_masked_but_cannot_dispose(alert: Alert, auditor: Any) -> None:
    client = api_client(auditor)
    body = client.get("/api/v1/fraud/alerts", rule=CODE, status="open").json()
    assert (body["count"], body["limit"], body["offset"]) == (1, 50, 0)
    item = body["items"][0]
    assert (item["id"], item["rule"], item["rule_name"], item["status"]) == (
        alert.pk,
        CODE,
        "共用手机号",
        "open",
    )
    assert item["evidence"] == [
        {"person_id": alert.person_ids[0], "phone": "138******78", "count": 1}
    ]
    assert item["people"][0]["name"] == "张*"
    assert "13812345678" not in str(body)
    assert client.get(f"/api/v1/fraud/alerts/{alert.pk}").json()["evidence_count"] == 3
    assert client.get(f"/api/v1/fraud/alerts/{alert.pk + 99}").status_code == 404
    refused = client.post(
        f"/api/v1/fraud/alerts/{alert.pk}/disposition", {"outcome": "cleared", "reason": "x"}
    )
    assert refused.status_code == 403
    assert refused.json()["code"] == "permission_denied"
    alert.refresh_from_db()
    assert alert.is_open


def test_reviewer_disposes_once_with_a_reason(alert: Alert, reviewer: Any) -> None:
    client = api_client(reviewer)
    path = f"/api/v1/fraud/alerts/{alert.pk}/disposition"
    assert client.post(path, {"outcome": "cleared", "reason": ""}).status_code == 400
    assert client.post(path, {"outcome": "cleared", "reason": "  "}).status_code == 400
    assert client.post(path, {"outcome": "open", "reason": "x"}).status_code == 400
    response = client.post(path, {"outcome": "cleared", "reason": "本人手机号"})
    assert response.status_code == 200
    assert (response.json()["status"], response.json()["disposition_reason"]) == (
        "cleared",
        "本人手机号",
    )
    again = client.post(path, {"outcome": "confirmed", "reason": "再来"})
    assert again.status_code == 409


def test_alerts_are_paged(planted_rule: list[Hit], reviewer: Any) -> None:
    for n in range(5):
        planted_rule.append(
            Hit(subject="person", subject_id=n, key=f"k{n}", summary="s", person_ids=(n,))
        )
    engine.run([CODE])
    body = api_client(reviewer).get("/api/v1/fraud/alerts", limit=2, offset=4).json()
    assert (body["count"], len(body["items"])) == (5, 1)


def test_rules_public_without_thresholds_and_with_precision_for_staff(
    alert: Alert, staff_a: Any, auditor: Any, reviewer: Any
) -> None:
    api_client(reviewer).post(
        f"/api/v1/fraud/alerts/{alert.pk}/disposition", {"outcome": "confirmed", "reason": "属实"}
    )
    public = api_client(staff_a).get("/api/v1/fraud/rules")
    assert public.status_code == 200
    mine = next(r for r in public.json() if r["code"] == CODE)
    assert mine == {
        "code": CODE,
        "name": "共用手机号",
        "explanation": "一个手机号关联多名学员。",
        "action": "hold",
        "enabled": True,
        "version": None,
        "thresholds": None,
        "precision": None,
    }
    staff = next(
        r for r in api_client(auditor).get("/api/v1/fraud/rules").json() if r["code"] == CODE
    )
    assert staff["version"] == 1
    assert staff["thresholds"][0] == {"key": "min_people", "label": "至少关联人数", "value": 1}
    assert staff["precision"] == {"confirmed": 1, "cleared": 0, "open": 0, "precision": 1.0}
    finance = make_user("finance_t", Role.FINANCE)
    assert api_client(finance).get("/api/v1/fraud/rules").status_code == 200
    assert api_client(None).get("/api/v1/fraud/rules").status_code == 401
