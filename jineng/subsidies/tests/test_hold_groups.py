"""What a held claim waits for: one line per reason, however many alerts gave it."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import translation

from jineng.subsidies import services
from jineng.subsidies.models import Claim
from jineng.subsidies.tests.conftest import Crew, StubAmounts
from jineng.training.models import TrainingClass

pytestmark = pytest.mark.django_db

SAME = "该课次有 5 名学员使用同一设备签到。"


@pytest.fixture
def claim(a_class: TrainingClass, rule_set: Any, crew: Crew, stub_amounts: StubAmounts) -> Claim:
    return services.submit_class_claim(a_class.pk, actor=crew.submitter)


def _hold(claim: Claim, source: str, reason: str) -> None:
    services.hold_claims(
        person_ids=[],
        class_ids=[claim.training_class_id],
        organization_ids=[],
        source=source,
        reason=reason,
        actor=None,
    )


def test_holds_of_one_reason_read_as_one_line_with_their_number(claim):
    for n in range(1, 4):
        _hold(claim, f"fraud.alert:{n}", SAME)
    _hold(claim, "fraud.alert:9", "同一手机号关联多名学员。")
    with translation.override("en"):
        reasons = services.blocking_reasons(claim)
    assert reasons == [
        f"On hold, 3 times for the same reason: {SAME}",
        "On hold: 同一手机号关联多名学员。",
    ]
    groups = services.hold_groups(claim.holds.all())
    assert [(g.reason, g.count) for g in groups] == [(SAME, 3), ("同一手机号关联多名学员。", 1)]


def test_a_released_hold_no_longer_counts(claim):
    _hold(claim, "fraud.alert:1", SAME)
    _hold(claim, "fraud.alert:2", SAME)
    services.release_holds(source="fraud.alert:1", reason="核实无误", actor=None)
    with translation.override("en"):
        assert services.blocking_reasons(claim) == [f"On hold: {SAME}"]


def test_the_claim_page_lists_each_reason_once(claim, reviewer):
    from django.test import Client

    for n in range(1, 4):
        _hold(claim, f"fraud.alert:{n}", SAME)
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(reviewer)
    page = client.get(f"/subsidies/claims/{claim.pk}/").content.decode()
    # Once in the hold box, once in what the claim waits for, and each hold in the folded
    # list of every hold placed and released.
    assert page.count(SAME) == 2 + 3
    assert "3 alerts, the first on" in page
    assert "fraud.alert:" not in page


def test_the_claim_page_names_the_fund_source_in_words(claim, reviewer):
    from django.test import Client

    from jineng.funds.models import FundSource

    name = FundSource.objects.get(code=claim.fund_source).name
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(reviewer)
    page = client.get(f"/subsidies/claims/{claim.pk}/").content.decode()
    assert f"<dd>{name}</dd>" in page
    assert claim.fund_source not in page
