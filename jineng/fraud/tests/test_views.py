"""The fraud pages through the client, as each role: who sees alerts, evidence masked or in
full (audited), dispositions, the published rules with thresholds for the staff only,
changes by the bureau and a scan as a job."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.core.models import AuditEvent, Job
from jineng.fraud import engine, integration
from jineng.fraud.models import Alert, FraudRule
from jineng.fraud.rules.base import REGISTRY, Hit, Threshold, Window, rule

CODE = "T97"


@pytest.fixture
def planted_rule(monkeypatch: Any) -> Iterator[list[Hit]]:
    """A rule registered for the test: it yields whatever hits the test plants."""
    planted: list[Hit] = []

    def check(params: Mapping[str, Threshold], window: Window) -> Iterator[Hit]:
        yield from (h for h in planted if len(h.person_ids) >= int(params["min_people"]))

    rule(
        CODE,
        name="共用手机号",
        action="hold",
        defaults={"min_people": 1, "use_phone": True},
        explanation="一个手机号关联多名学员。",
        labels={"min_people": "至少关联人数"},
    )(check)
    monkeypatch.setattr(integration, "place_holds", lambda alert, *, actor: 2)
    yield planted
    del REGISTRY[CODE]


@pytest.fixture
def alert(planted_rule: list[Hit], person: Any) -> Alert:
    planted_rule.append(
        Hit(
            subject="person",
            subject_id=person.pk,
            key=f"p:{person.pk}",
            summary="手机号 138******78 关联 1 名学员",
            evidence=({"person_id": person.pk, "phone": "13812345678", "count": 1},),
            evidence_count=3,
            person_ids=(person.pk,),
        )
    )
    engine.run([CODE])
    return Alert.objects.get(rule_code=CODE)


def as_user(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# --- who sees alerts ------------------------------------------------------------------------


def test_institution_staff_gets_404_on_alerts_and_alert_ids(alert: Alert, staff_a: Any) -> None:
    client = as_user(staff_a)
    assert client.get("/fraud/").status_code == 404
    assert client.get(f"/fraud/alerts/{alert.pk}/").status_code == 404
    assert client.get(f"/fraud/alerts/{alert.pk + 999}/").status_code == 404
    response = client.post(
        f"/fraud/alerts/{alert.pk}/dispose", {"outcome": "cleared", "reason": "x"}
    )
    assert response.status_code == 404
    assert client.post(f"/fraud/alerts/{alert.pk}/reveal", {"purpose": "x"}).status_code == 404
    alert.refresh_from_db()
    assert alert.is_open


def test_worker_and_finance_get_404_too(alert: Alert, worker: Any) -> None:
    finance = make_user("finance_t", Role.FINANCE)
    for user in (worker, finance):
        client = as_user(user)
        assert client.get("/fraud/").status_code == 404
        assert client.get(f"/fraud/alerts/{alert.pk}/").status_code == 404


def test_reviewer_lists_and_filters_alerts(alert: Alert, reviewer: Any) -> None:
    client = as_user(reviewer)
    response = client.get("/fraud/")
    assert response.status_code == 200
    assert [a.pk for a, _name in response.context["rows"]] == [alert.pk]
    assert "共用手机号" in response.content.decode()
    assert [a for a, _ in client.get("/fraud/", {"rule": CODE, "status": "open"}).context["rows"]]
    assert not client.get("/fraud/", {"status": "cleared"}).context["rows"]


def test_the_list_query_count_does_not_grow(
    planted_rule: list[Hit], person: Any, reviewer: Any, django_assert_max_num_queries: Any
) -> None:
    for n in range(20):
        planted_rule.append(
            Hit(subject="person", subject_id=n, key=f"k{n}", summary="s", person_ids=(n,))
        )
    engine.run([CODE])
    client = as_user(reviewer)
    with django_assert_max_num_queries(12):
        assert client.get("/fraud/").status_code == 200


# --- one alert and its evidence -------------------------------------------------------------


def test_auditor_reads_the_alert_masked_but_cannot_dispose_or_reveal(
    alert: Alert, auditor: Any
) -> None:
    client = as_user(auditor)
    response = client.get(f"/fraud/alerts/{alert.pk}/")
    assert response.status_code == 200
    page = response.content.decode()
    assert "张*" in page
    assert "张三" not in page
    assert "138******78" in page
    assert "13812345678" not in page
    assert response.context["form"] is None
    assert not response.context["may_see_full"]
    assert 'action="/fraud/alerts/' not in page
    response = client.post(
        f"/fraud/alerts/{alert.pk}/dispose", {"outcome": "cleared", "reason": "看过了"}
    )
    assert response.status_code == 403
    assert client.post(f"/fraud/alerts/{alert.pk}/reveal", {"purpose": "核查"}).status_code == 403
    alert.refresh_from_db()
    assert alert.is_open
    assert not AuditEvent.objects.filter(action="fraud.alert.viewed").exists()


def test_reviewer_sees_evidence_in_full_only_with_a_purpose_and_it_is_audited(
    alert: Alert, reviewer: Any
) -> None:
    client = as_user(reviewer)
    masked = client.get(f"/fraud/alerts/{alert.pk}/")
    assert "13812345678" not in masked.content.decode()
    assert masked.context["may_see_full"]
    refused = client.post(f"/fraud/alerts/{alert.pk}/reveal", {"purpose": ""})
    assert refused.status_code == 400
    assert not AuditEvent.objects.filter(action="fraud.alert.viewed").exists()

    response = client.post(f"/fraud/alerts/{alert.pk}/reveal", {"purpose": "核查共用手机号"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "13812345678" in page
    assert "张三" in page
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(action="fraud.alert.viewed")
    assert (event.actor_id, event.object_id) == (reviewer.pk, str(alert.pk))
    assert event.data["purpose"] == "核查共用手机号"


def test_full_evidence_shares_the_allowance_of_peoples_reveals(
    alert: Alert, reviewer: Any, person: Any, settings: Any
) -> None:
    """Past the account's allowance of disclosures the full view is refused and not audited;
    a reveal of a person and a full view of evidence use up the same allowance."""
    settings.JINENG_IDENTITY_LOOKUPS_PER_HOUR = 2
    client = as_user(reviewer)
    person_reveal = client.post(reverse("people:reveal", args=[person.pk]), {"purpose": "核查身份"})
    assert person_reveal.status_code == 200
    url = f"/fraud/alerts/{alert.pk}/reveal"
    assert client.post(url, {"purpose": "核查共用手机号"}).status_code == 200
    refused = client.post(url, {"purpose": "再次核查"}, HTTP_ACCEPT_LANGUAGE="en")
    assert refused.status_code == 429
    page = refused.content.decode()
    assert "13812345678" not in page
    assert "Try again later" in page
    assert not refused.context["full"]
    viewed = AuditEvent.objects.filter(actor_id=reviewer.pk, action="fraud.alert.viewed")
    assert [e.data["purpose"] for e in viewed] == ["核查共用手机号"]


def test_alert_page_shows_holds_and_rows_not_kept(alert: Alert, reviewer: Any) -> None:
    response = as_user(reviewer).get(f"/fraud/alerts/{alert.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert response.context["claims_held"] == 0
    assert response.context["more_rows"] == 2
    assert "2 holds placed in all" in response.content.decode()


# --- dispositions ---------------------------------------------------------------------------


def test_reviewer_clears_with_a_reason(alert: Alert, reviewer: Any, monkeypatch: Any) -> None:
    released: list[int] = []
    monkeypatch.setattr(
        integration, "release_holds", lambda a, *, reason, actor: released.append(a.pk) or 2
    )
    client = as_user(reviewer)
    response = client.post(f"/fraud/alerts/{alert.pk}/dispose", {"outcome": "cleared"})
    assert response.status_code == 400
    response = client.post(
        f"/fraud/alerts/{alert.pk}/dispose", {"outcome": "cleared", "reason": "本人手机号，属实"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.disposition_reason) == ("cleared", "本人手机号，属实")
    assert released == [alert.pk]
    again = client.post(
        f"/fraud/alerts/{alert.pk}/dispose", {"outcome": "confirmed", "reason": "再来"}
    )
    assert again.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "cleared"
    assert client.get(f"/fraud/alerts/{alert.pk}/").context["form"] is None


def test_bureau_confirms_and_recovery_is_ordered(
    alert: Alert, bureau_admin: Any, monkeypatch: Any
) -> None:
    ordered: list[int] = []
    monkeypatch.setattr(
        integration, "order_recoveries", lambda a, *, reason, actor: ordered.append(a.pk) or 1
    )
    response = as_user(bureau_admin).post(
        f"/fraud/alerts/{alert.pk}/dispose", {"outcome": "confirmed", "reason": "学员否认参训"}
    )
    assert response.status_code == 302
    alert.refresh_from_db()
    assert alert.status == "confirmed"
    assert ordered == [alert.pk]
    assert AuditEvent.objects.get(action="fraud.alert.confirmed").data["recoveries"] == 1


# --- the rules page -------------------------------------------------------------------------


def test_institution_staff_reads_rules_without_thresholds(
    alert: Alert, staff_a: Any, worker: Any
) -> None:
    for user in (staff_a, worker):
        response = as_user(user).get("/fraud/rules/")
        assert response.status_code == 200
        page = response.content.decode()
        assert "共用手机号" in page
        assert "一个手机号关联多名学员。" in page
        assert "至少关联人数" not in page
        assert not response.context["staff"]
        mine = next(r for r in response.context["rules"] if r.code == CODE)
        assert (mine.thresholds, mine.versions, mine.precision) == ([], [], None)
        detail = as_user(user).get(f"/fraud/rules/{CODE}/")
        assert detail.status_code == 200
        assert "至少关联人数" not in detail.content.decode()
        assert detail.context["form"] is None
        refused = as_user(user).post(
            f"/fraud/rules/{CODE}/",
            {"min_people": 0, "use_phone": "on", "action": "hold", "enabled": "on", "note": "x"},
        )
        assert refused.status_code == 403
    assert FraudRule.objects.filter(code=CODE).count() == 1


def test_auditor_sees_thresholds_versions_and_precision(
    alert: Alert, auditor: Any, reviewer: Any
) -> None:
    as_user(reviewer).post(
        f"/fraud/alerts/{alert.pk}/dispose", {"outcome": "confirmed", "reason": "属实"}
    )
    with translation.override("en"):
        response = as_user(auditor).get("/fraud/rules/", HTTP_ACCEPT_LANGUAGE="en")
    page = response.content.decode()
    assert "至少关联人数" in page
    mine = next(r for r in response.context["rules"] if r.code == CODE)
    assert mine.thresholds == [
        ("min_people", "至少关联人数", 1),
        ("use_phone", "Use phone", True),
    ]
    assert (mine.precision.confirmed, mine.precision.cleared, mine.precision.percent) == (1, 0, 100)
    assert [v["version"] for v in mine.versions] == [1]
    assert response.context["scan_form"] is None
    assert as_user(auditor).get(f"/fraud/rules/{CODE}/").context["form"] is None


def test_bureau_changes_thresholds_with_a_note(alert: Alert, bureau_admin: Any) -> None:
    client = as_user(bureau_admin)
    page = client.get(f"/fraud/rules/{CODE}/")
    assert page.context["form"] is not None
    data = {"min_people": 2, "use_phone": "on", "enabled": "on", "action": "flag", "note": ""}
    assert client.post(f"/fraud/rules/{CODE}/", data).status_code == 400
    response = client.post(f"/fraud/rules/{CODE}/", {**data, "note": "误报太多，提高门槛"})
    assert response.status_code == 302
    latest = FraudRule.objects.filter(code=CODE).order_by("-version").first()
    assert latest is not None
    assert (latest.version, latest.thresholds, latest.action, latest.note) == (
        2,
        {"min_people": 2, "use_phone": True},
        "flag",
        "误报太多，提高门槛",
    )
    # Block is only for a rule of deterministic policy.
    refused = client.post(f"/fraud/rules/{CODE}/", {**data, "action": "block", "note": "n"})
    assert refused.status_code == 400
    assert client.get("/fraud/rules/NOPE/").status_code == 404


def test_bureau_scans_as_a_job_and_sees_the_counts(
    planted_rule: list[Hit], person: Any, bureau_admin: Any, reviewer: Any
) -> None:
    planted_rule.append(
        Hit(subject="person", subject_id=person.pk, key="k", summary="s", person_ids=(person.pk,))
    )
    client = as_user(bureau_admin)
    response = client.post("/fraud/scans/", {"rules": [CODE]})
    assert response.status_code == 302
    job = Job.objects.get(kind="fraud.scan")
    assert response["Location"] == f"/fraud/scans/{job.pk}/"
    assert (job.status, job.done, job.total) == ("succeeded", 1, 1)
    page = client.get(f"/fraud/scans/{job.pk}/")
    assert page.status_code == 200
    assert page.context["results"][0]["code"] == CODE
    assert (job.summary["hits"], job.summary["new_alerts"], job.summary["holds"]) == (1, 1, 2)
    assert AuditEvent.objects.filter(action="fraud.scan.run", actor_id=bureau_admin.pk).exists()
    # Only the bureau starts scans, and a job is its owner's.
    assert as_user(reviewer).post("/fraud/scans/", {"rules": [CODE]}).status_code == 403
    assert as_user(reviewer).get(f"/fraud/scans/{job.pk}/").status_code == 404


def test_alert_page_counts_the_claims_it_holds_now(
    alert: Alert, reviewer: Any, staff_a: Any
) -> None:
    from django.utils import timezone

    from jineng.subsidies.models import Claim, ClaimHold, RuleSet

    rule_set = RuleSet.objects.create(number=1, title="示例", effective_from=timezone.localdate())
    person = alert.person_ids[0]
    claims = [
        Claim.objects.create(
            number=f"BT-{n}",
            kind="skill_upgrade",
            person_id=person,
            rule_set=rule_set,
            year=2026,
            submitted_by=staff_a,
            submitted_at=timezone.now(),
        )
        for n in range(3)
    ]
    source = integration.source_of(alert)
    for claim in claims:
        ClaimHold.objects.create(claim=claim, source=source, reason="r", placed_at=timezone.now())
    ClaimHold.objects.filter(claim=claims[2]).update(
        released_at=timezone.now(), release_reason="核实无误"
    )
    ClaimHold.objects.create(
        claim=claims[2], source="subsidies.objection:1", reason="r", placed_at=timezone.now()
    )
    response = as_user(reviewer).get(f"/fraud/alerts/{alert.pk}/")
    assert response.context["claims_held"] == 2


def test_a_queued_scan_shows_its_progress_until_a_worker_runs_it(
    planted_rule: list[Hit], bureau_admin: Any, queued_tasks: None, monkeypatch: Any
) -> None:
    from jineng.fraud.views import scans

    client = as_user(bureau_admin)
    client.post("/fraud/scans/", {"rules": [CODE]})
    job = Job.objects.get(kind="fraud.scan")
    assert (job.status, job.total) == ("pending", 1)
    page = client.get(f"/fraud/scans/{job.pk}/")
    assert 'hx-trigger="every 2s"' in page.content.decode()
    assert "<progress" in page.content.decode()

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(engine, "run", broken)
    with pytest.raises(RuntimeError):
        scans.run_queued_scan(job.pk)
    job.refresh_from_db()
    assert job.status == "failed"
    assert job.summary["detail"]
    scans.run_queued_scan(job.pk)  # claimed once: a second worker does nothing
    assert 'role="alert"' in client.get(f"/fraud/scans/{job.pk}/").content.decode()
