"""The talent pages and API: who may see and act, 404 out of scope, the public forms."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from jineng.api.tests.helpers import api_client
from jineng.core.models import AuditEvent
from jineng.talent import services
from jineng.talent.choices import Prize, RoundStatus
from jineng.talent.models import AwardRound, MasterStudio, Nomination, Objection
from jineng.talent.tests import helpers
from jineng.training.tests.helpers import citizen_id

pytestmark = pytest.mark.django_db

PAGES = [
    "/talent/",
    "/talent/goals/",
    "/talent/studios/",
    "/talent/competitions/",
    "/talent/rounds/",
]


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("page", PAGES)
def test_the_bureau_and_reviewers_open_the_pages(
    page: str, bureau_admin: Any, reviewer: Any, auditor: Any, levels: Any
) -> None:
    for user in (bureau_admin, reviewer, auditor):
        assert _client(user).get(page).status_code == 200


@pytest.mark.parametrize("page", PAGES)
def test_institutions_employers_evaluators_and_workers_are_refused(
    page: str, staff_a: Any, employer: Any, evaluator: Any, worker: Any, levels: Any
) -> None:
    for user in (staff_a, employer, evaluator, worker):
        assert _client(user).get(page).status_code == 403


def test_a_reviewer_cannot_act_and_sees_a_round_it_may_not_change_as_missing(
    bureau_admin: Any, reviewer: Any, people: Any
) -> None:
    r = helpers.award_round(bureau_admin)
    client = _client(reviewer)
    assert client.get(f"/talent/rounds/{r.pk}/").status_code == 200
    answer = client.post(f"/talent/rounds/{r.pk}/advance", {"step": "review"})
    missing = client.post("/talent/rounds/999999/advance", {"step": "review"})
    assert answer.status_code == missing.status_code == 404
    r.refresh_from_db()
    assert r.status == RoundStatus.NOMINATING


def test_objects_answer_404_to_those_outside_the_scope(
    bureau_admin: Any, staff_a: Any, people: Any
) -> None:
    r = helpers.award_round(bureau_admin)
    client = _client(staff_a)
    assert client.get(f"/talent/rounds/{r.pk}/").status_code in (403, 404)
    before = AuditEvent.objects.count()
    assert client.post(f"/talent/rounds/{r.pk}/advance", {"step": "review"}).status_code == 404
    assert AuditEvent.objects.count() == before


def test_the_bureau_nominates_from_the_round_page(bureau_admin: Any, people: Any) -> None:
    r = helpers.award_round(bureau_admin)
    client = _client(bureau_admin)
    answer = client.post(
        f"/talent/rounds/{r.pk}/nominate",
        {"id_number": citizen_id(500), "name": "李小明", "statement": "技艺精湛"},
    )
    assert answer.status_code == 302
    assert Nomination.objects.filter(award_round=r, person=people[0]).exists()
    wrong = client.post(
        f"/talent/rounds/{r.pk}/nominate",
        {"id_number": citizen_id(501), "name": "李小明", "statement": "技艺精湛"},
    )
    assert wrong.status_code == 400


def test_anyone_objects_on_the_public_notice_which_shows_masked_names(
    bureau_admin: Any, people: Any
) -> None:
    r = helpers.round_on_notice(bureau_admin, people[:1])
    nomination = r.nominations.get()
    client = Client()
    page = client.get(f"/talent/public/{r.pk}/notice")
    assert page.status_code == 200
    body = page.content.decode()
    assert "李*明" in body
    assert "李小明" not in body
    sent = client.post(
        f"/talent/public/{r.pk}/notice",
        {"nominee": nomination.pk, "objector_name": "王先生", "contact": "139", "text": "不实"},
    )
    assert sent.status_code == 200
    assert Objection.objects.filter(nomination=nomination).count() == 1


def test_the_public_objection_form_reads_nothing(bureau_admin: Any, people: Any) -> None:
    on_notice = helpers.round_on_notice(bureau_admin, people[:1])
    hidden = helpers.award_round(bureau_admin, period="下半年")
    secret = services.nominate(
        hidden.pk, services.NominationInput(person=people[5], statement="x"), actor=bureau_admin
    )
    client = Client()
    # A round not on notice answers like one that does not exist.
    assert client.get(f"/talent/public/{hidden.pk}/notice").status_code == 404
    assert client.get("/talent/public/999999/notice").status_code == 404
    assert client.get(f"/talent/public/{hidden.pk}/winners").status_code == 404
    # A nomination of another round is no choice: refused without naming anyone.
    answer = client.post(
        f"/talent/public/{on_notice.pk}/notice",
        {"nominee": secret.pk, "objector_name": "甲", "contact": "139", "text": "x"},
    )
    assert answer.status_code == 400
    body = answer.content.decode()
    assert people[5].name not in body
    assert people[5].name[0] + "*" not in body
    assert not Objection.objects.exists()


def test_the_api_lists_the_pool_to_the_bureau_only(
    bureau_admin: Any,
    worker: Any,
    employer: Any,
    people: Any,
    accredited: Any,
    occupations: Any,
    levels: Any,
) -> None:
    helpers.certify(people[0], accredited, occupations["electrician"], levels["level3"])
    answer = api_client(bureau_admin).get("/api/v1/talent/pool")
    assert answer.status_code == 200
    data = answer.json()
    assert data["count"] == 1
    assert data["items"][0]["top_level"] == "三级/高级工"
    for user in (worker, employer):
        assert api_client(user).get("/api/v1/talent/pool").status_code == 403


def test_the_api_masks_names_for_the_auditor(
    bureau_admin: Any, auditor: Any, people: Any, occupations: Any
) -> None:
    competition = helpers.competition(bureau_admin, occupations["electrician"])
    services.record_entry(
        competition.pk,
        people[0],
        occupation=occupations["electrician"],
        prize=Prize.GOLD,
        actor=bureau_admin,
    )
    answer = api_client(auditor).get(f"/api/v1/talent/competitions/{competition.pk}")
    assert answer.status_code == 200
    assert answer.json()["entries"][0]["name"] == "李*明"
    assert api_client(auditor).get("/api/v1/talent/competitions/999999").status_code == 404


def test_the_api_reads_award_rounds(bureau_admin: Any, people: Any) -> None:
    r = helpers.round_on_notice(bureau_admin, people[:1])
    listed = api_client(bureau_admin).get("/api/v1/talent/award-rounds").json()
    assert [i["id"] for i in listed["items"]] == [r.pk]
    one = api_client(bureau_admin).get(f"/api/v1/talent/award-rounds/{r.pk}").json()
    assert one["status"] == "notice"
    assert one["nominations"][0]["name"] == "李小明"


def test_the_studio_page_shows_master_and_apprentices(
    bureau_admin: Any, people: Any, employer_org: Any, occupations: Any
) -> None:
    client = _client(bureau_admin)
    answer = client.post(
        "/talent/studios/",
        {
            "kind": "master",
            "name": "李小明技能大师工作室",
            "host": employer_org.pk,
            "master_id_number": citizen_id(500),
            "master_name": "李小明",
            "occupation": occupations["electrician"].code,
            "recognised_on": (timezone.localdate() - datetime.timedelta(days=3)).isoformat(),
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    studio = MasterStudio.objects.get()
    answer = client.post(
        f"/talent/studios/{studio.pk}/apprentices",
        {
            "id_number": citizen_id(501),
            "name": "王建国",
            "started_on": timezone.localdate().isoformat(),
        },
    )
    assert answer.status_code == 302
    page = client.get(f"/talent/studios/{studio.pk}/").content.decode()
    assert "王建国" in page


def test_the_goals_page_carries_the_chart_data_and_a_table(bureau_admin: Any, levels: Any) -> None:
    client = _client(bureau_admin)
    year = timezone.localdate().year
    assert client.post("/talent/goals/", {"year": year, "target": 50}).status_code == 302
    page = client.get("/talent/goals/").content.decode()
    assert 'id="talent-data"' in page
    assert "<table" in page
    assert AwardRound.objects.count() == 0


def test_the_round_page_gives_each_objection_its_own_form(bureau_admin: Any, people: Any) -> None:
    r = helpers.round_on_notice(bureau_admin, people[:2])
    first, second = r.nominations.order_by("pk")
    objections = [
        services.raise_objection(r.pk, n.pk, objector_name="甲", contact="139", objection="x")
        for n in (first, second)
    ]
    page = _client(bureau_admin).get(f"/talent/rounds/{r.pk}/").content.decode()
    for objection in objections:
        assert f'id="o{objection.pk}_reason"' in page
    assert f"/talent/objections/{objections[0].pk}/resolve" in page
