"""The claims API as each role: scope (404 exactly like missing), the worker's own line, the
workflow's steps for their roles only, payment, and the public notice with masked names."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache

from jineng.accounts.models import User
from jineng.api.tests.helpers import api_client
from jineng.core import pii
from jineng.core.models import AuditEvent
from jineng.subsidies import services
from jineng.subsidies.choices import ClaimStatus, Confirmation
from jineng.subsidies.models import Claim, ClaimHold, ClaimLine, Objection
from jineng.subsidies.tests.conftest import (
    LINE_FEN,
    Crew,
    StubAmounts,
    confirm_all,
    end_notice,
    to_approved,
    to_notice,
    worker_of,
)
from jineng.training.models import TrainingClass

pytestmark = pytest.mark.django_db
MISSING = 999_999
BASE = "/api/v1/subsidies"


@pytest.fixture(autouse=True)
def _empty_cache() -> None:
    cache.clear()


@pytest.fixture
def claim(a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts) -> Claim:
    return services.submit_class_claim(a_class.pk, actor=crew.submitter)


def lines_of(claim: Claim) -> list[ClaimLine]:
    return list(claim.lines.select_related("person").order_by("id"))


def test_institution_submits_a_class_claim_and_reads_it(
    a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts
) -> None:
    client = api_client(crew.submitter)
    response = client.post(f"{BASE}/classes/{a_class.pk}/claims")
    assert response.status_code == 201, response.content
    body = response.json()
    claim = Claim.objects.get(training_class=a_class)
    assert (body["id"], body["number"], body["status"]) == (claim.pk, claim.number, "submitted")
    assert body["total_fen"] == 2 * LINE_FEN
    assert body["rule_set"]["is_example"] is True
    assert len(body["lines"]) == 2
    assert body["lines"][0]["computation"][0]["amount_fen"] == LINE_FEN
    assert [row["rule"] for row in body["left_out"]] == ["eligibility"]
    again = client.post(f"{BASE}/classes/{a_class.pk}/claims")
    assert again.status_code == 409
    assert set(again.json()) >= {"code", "detail"}


def test_another_institution_gets_404_exactly_like_missing(claim: Claim, staff_b: User) -> None:
    client = api_client(staff_b)
    theirs = client.get(f"{BASE}/claims/{claim.pk}")
    missing = client.get(f"{BASE}/claims/{MISSING}")
    assert theirs.status_code == missing.status_code == 404
    assert theirs.json() == missing.json()
    assert client.get(f"{BASE}/claims").json()["count"] == 0
    post = client.post(f"{BASE}/claims/{claim.pk}/first-review", {"note": ""})
    assert post.status_code == 404


def test_a_worker_reads_only_their_own_line(claim: Claim) -> None:
    mine, other = lines_of(claim)
    client = api_client(worker_of(mine.person_id))
    body = client.get(f"{BASE}/claims/{claim.pk}").json()
    assert [line["id"] for line in body["lines"]] == [mine.pk]
    assert body["left_out"] == []
    assert other.person.name not in str(body)
    lines = client.get(f"{BASE}/lines").json()
    assert [line["id"] for line in lines["items"]] == [mine.pk]


def test_the_worker_confirms_and_disputes_only_their_own(claim: Claim) -> None:
    mine, other = lines_of(claim)
    client = api_client(worker_of(mine.person_id))
    assert client.post(f"{BASE}/lines/{other.pk}/confirm").status_code == 404
    assert client.post(f"{BASE}/lines/{other.pk}/dispute", {"text": "x"}).status_code == 404
    response = client.post(f"{BASE}/lines/{mine.pk}/confirm")
    assert response.status_code == 200
    assert response.json()["confirmation"] == Confirmation.CONFIRMED
    other_client = api_client(worker_of(other.person_id))
    disputed = other_client.post(f"{BASE}/lines/{other.pk}/dispute", {"text": "没上过课"})
    assert disputed.status_code == 200
    assert disputed.json()["kind"] == "worker"
    assert ClaimHold.objects.filter(claim=claim, released_at__isnull=True).count() == 1


@pytest.mark.parametrize(
    ("who", "path", "body"),
    [
        ("submitter", "first-review", {"note": ""}),
        ("approver", "first-review", {"note": ""}),
        ("payer", "first-review", {"note": ""}),
        ("first", "approve", {}),
        ("payer", "reject", {"reasons": "不符合"}),
    ],
)
def test_a_step_is_refused_to_another_role(
    claim: Claim, crew: Crew, who: str, path: str, body: dict[str, Any]
) -> None:
    response = api_client(getattr(crew, who)).post(f"{BASE}/claims/{claim.pk}/{path}", body)
    assert response.status_code == 403, response.content
    assert response.json()["code"] == "permission_denied"
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED
    assert not AuditEvent.objects.filter(action__startswith="subsidies.claim.first").exists()


def test_a_claim_goes_through_the_api_to_payment(claim: Claim, crew: Crew, budget: Any) -> None:
    def step(user: User, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
        response = api_client(user).post(f"{BASE}/claims/{claim.pk}/{path}", body or {})
        assert response.status_code == 200, response.content
        result: dict[str, Any] = response.json()
        return result

    assert step(crew.first, "first-review", {"note": "材料齐全"})["status"] == "first_reviewed"
    refused = api_client(crew.first).post(f"{BASE}/claims/{claim.pk}/second-review", {})
    assert refused.status_code == 403
    assert step(crew.second, "second-review", {"note": ""})["status"] == "second_reviewed"
    body = step(crew.second, "start-notice")
    assert body["status"] == "in_notice"
    assert body["notice_ends_on"]
    early = api_client(crew.approver).post(f"{BASE}/claims/{claim.pk}/approve", {})
    assert early.status_code == 409
    confirm_all(claim)
    end_notice(claim)
    assert step(crew.approver, "approve")["status"] == "approved"
    paid = api_client(crew.payer).post(
        f"{BASE}/payments",
        {
            "batch_reference": "2026-12-001",
            "payees": [
                {
                    "claim_id": claim.pk,
                    "name": "甲学校",
                    "account": "6222000011112222",
                    "bank": "工行",
                }
            ],
        },
    )
    assert paid.status_code == 200, paid.content
    assert [c["status"] for c in paid.json()] == ["paid"]
    claim.refresh_from_db()
    assert claim.payment_reference == "2026-12-001"


def test_pay_refuses_a_claim_not_approved(claim: Claim, crew: Crew) -> None:
    response = api_client(crew.payer).post(
        f"{BASE}/payments",
        {
            "batch_reference": "B-1",
            "payees": [{"claim_id": claim.pk, "name": "甲", "account": "1"}],
        },
    )
    assert response.status_code == 409
    claim.refresh_from_db()
    assert claim.status == ClaimStatus.SUBMITTED


def test_a_reviewer_resolves_an_objection(claim: Claim, crew: Crew) -> None:
    line = lines_of(claim)[0]
    objection = services.dispute_line(line.pk, text="没去", actor=worker_of(line.person_id))
    url = f"{BASE}/objections/{objection.pk}/resolve"
    body = {"upheld": False, "resolution": "考勤与考核记录齐全"}
    assert api_client(crew.submitter).post(url, body).status_code == 403
    response = api_client(crew.first).post(url, body)
    assert response.status_code == 200
    assert response.json()["status"] == "dismissed"
    assert not ClaimHold.objects.filter(claim=claim, released_at__isnull=True).exists()


def test_the_public_notice_masks_names_and_takes_objections(
    claim: Claim, crew: Crew, settings: Any
) -> None:
    settings.JINENG_OBJECTIONS_PER_HOUR = 1
    public = api_client(None)
    assert public.get(f"{BASE}/notice").json()["count"] == 0
    to_notice(claim, crew)
    body = public.get(f"{BASE}/notice").json()
    assert body["count"] == 1
    shown = body["items"][0]
    assert shown["number"] == claim.number
    names = {line.person.name for line in lines_of(claim)}
    assert {row["name"] for row in shown["lines"]} == {pii.mask_name(n) for n in names}
    assert not any(name in str(body) for name in names)
    url = f"{BASE}/notice/{claim.number}/objections"
    sent = public.post(url, {"text": "其中一人没有上课", "contact": "13900000000"})
    assert sent.status_code == 201
    assert Objection.objects.filter(claim=claim, kind="public").count() == 1
    flood = public.post(url, {"text": "again"})
    assert flood.status_code == 429
    assert Objection.objects.filter(claim=claim).count() == 1
    missing = public.post(f"{BASE}/notice/BT0000-000000/objections", {"text": "x"})
    assert missing.status_code in (404, 429)


def test_an_approved_claim_is_not_on_notice(claim: Claim, crew: Crew, budget: Any) -> None:
    to_approved(claim, crew)
    assert api_client(None).get(f"{BASE}/notice").json()["count"] == 0
    assert api_client(None).get(f"{BASE}/claims").status_code == 401
