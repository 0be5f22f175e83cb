"""An award round from its pages: the award, nominations, 公示, objections and winners."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from jineng.talent.choices import RoundStatus
from jineng.talent.models import AwardRound, AwardTitle, Nomination, Objection
from jineng.training.tests.helpers import citizen_id

pytestmark = pytest.mark.django_db


def _client(user: Any) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def test_a_round_from_the_award_to_its_published_winners(
    bureau_admin: Any, reviewer: Any, people: Any
) -> None:
    client = _client(bureau_admin)
    rounds = reverse("talent:rounds")
    client.post(rounds, {"add_title": "1", "code": "mhk-master", "name": "梅河口技能名师"})
    title = AwardTitle.objects.get(code="mhk-master")
    today = timezone.localdate()
    late = client.post(
        rounds,
        {
            "open_round": "1",
            "title": title.pk,
            "year": today.year,
            "nominations_open_on": str(today),
            "nominations_close_on": str(today - datetime.timedelta(days=1)),
            "notice_days": 7,
        },
    )
    assert late.status_code == 400
    assert not AwardRound.objects.exists()
    opened = client.post(
        rounds,
        {
            "open_round": "1",
            "title": title.pk,
            "year": today.year,
            "nominations_open_on": str(today),
            "nominations_close_on": str(today + datetime.timedelta(days=10)),
            "notice_days": 7,
        },
    )
    assert opened.status_code == 302
    award_round = AwardRound.objects.get()
    # A reviewer reads the round but opens none.
    assert _client(reviewer).post(rounds, {"open_round": "1"}).status_code == 403
    nominate = reverse("talent:nominate", args=[award_round.pk])
    for n in (0, 1):
        done = client.post(
            nominate,
            {
                "id_number": citizen_id(500 + n),
                "name": people[n].name,
                "statement": "带徒传技成绩突出",
            },
        )
        assert done.status_code == 302, done.content.decode()[:300]
    first, second = Nomination.objects.order_by("pk")
    advance = reverse("talent:round_advance", args=[award_round.pk])
    assert client.post(advance, {"step": "sideways"}).status_code == 400
    assert client.post(advance, {"step": "review"}).status_code == 302
    for nomination in (first, second):
        decided = client.post(
            reverse("talent:nomination_decide", args=[nomination.pk]),
            {"decision": "approve", "reason": "符合评选条件"},
        )
        assert decided.status_code == 302
    assert client.post(advance, {"step": "notice"}).status_code == 302
    award_round.refresh_from_db()
    assert award_round.status == RoundStatus.NOTICE
    # Anyone objects on the public notice, without signing in; names there are masked.
    public = Client(HTTP_ACCEPT_LANGUAGE="en")
    notice_url = reverse("talent:public_notice", args=[award_round.pk])
    notice = public.get(notice_url).content.decode()
    assert people[0].name not in notice
    assert people[0].name[0] + "*" in notice
    objected = public.post(
        notice_url,
        {
            "nominee": second.pk,
            "objector_name": "群众",
            "contact": "13800000000",
            "text": "该同志并未带徒",
        },
    )
    assert objected.status_code == 200
    objection = Objection.objects.get()
    resolve = reverse("talent:objection_resolve", args=[objection.pk])
    assert client.post(resolve, {"outcome": "upheld", "reason": ""}).status_code == 400
    assert client.post(resolve, {"outcome": "upheld", "reason": "核实属实"}).status_code == 302
    with time_machine.travel(award_round.notice_ends_on + datetime.timedelta(days=1)):
        # A week on, the administrator signs in again (idle sessions end).
        assert _client(bureau_admin).post(advance, {"step": "publish"}).status_code == 302
    award_round.refresh_from_db()
    assert award_round.status == RoundStatus.PUBLISHED
    winners = public.get(reverse("talent:public_winners", args=[award_round.pk])).content
    assert (people[0].name[0] + "*").encode() in winners
    assert (people[1].name[0] + "*").encode() not in winners
