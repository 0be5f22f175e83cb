"""Pages of the judge pool: lists by scope, adding an expert by ID and name, the draw page."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.experts import services
from jineng.experts.models import Draw, Expert

from .helpers import DAY, citizen_id, make_expert, make_person, spec


def _client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


@pytest.fixture
def pool(bureau_admin: User, city: Any, occupations: Any, levels: Any) -> list[Expert]:
    return [
        make_expert(n, bureau_admin, occupations["electrician"], levels["level3"]) for n in range(3)
    ]


def test_keeper_lists_and_filters_experts(
    bureau_admin: User, pool: list[Expert], occupations: Any, django_assert_max_num_queries: Any
) -> None:
    client = _client(bureau_admin)
    with django_assert_max_num_queries(12):
        page = client.get(reverse("experts:list"))
    assert page.status_code == 200
    assert pool[0].person.name in page.content.decode()
    filtered = client.get(reverse("experts:list"), {"occupation": "焊工"})
    assert pool[0].person.name not in filtered.content.decode()
    by_level = client.get(reverse("experts:list"), {"level": "level1"})
    assert pool[0].person.name not in by_level.content.decode()


def test_keeper_adds_an_expert_by_id_number_and_name(bureau_admin: User, city: Any) -> None:
    person = make_person(500, bureau_admin)
    client = _client(bureau_admin)
    wrong = client.post(reverse("experts:create"), {"id_number": citizen_id(500), "name": "别人"})
    assert wrong.status_code == 400
    assert not Expert.objects.exists()
    response = client.post(
        reverse("experts:create"),
        {"id_number": citizen_id(500), "name": person.name, "title": "高级技师"},
    )
    expert = Expert.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("experts:detail", kwargs={"pk": expert.pk})
    assert expert.person == person


def test_others_are_refused_or_see_nothing(staff_a: User, worker: User, pool: list[Expert]) -> None:
    assert _client(staff_a).get(reverse("experts:list")).status_code == 403
    assert _client(staff_a).get(reverse("experts:detail", args=[pool[0].pk])).status_code == 404
    assert _client(worker).get(reverse("experts:create")).status_code == 403


def test_an_expert_opens_their_own_page(bureau_admin: User, pool: list[Expert]) -> None:
    account = make_user("examiner_v", Role.WORKER, person=pool[0].person)
    services.update_expert(pool[0].pk, services.ExpertInput(user=account), actor=bureau_admin)
    client = _client(account)
    assert client.get(reverse("experts:me"))["Location"] == reverse(
        "experts:detail", kwargs={"pk": pool[0].pk}
    )
    assert client.get(reverse("experts:detail", args=[pool[0].pk])).status_code == 200
    assert client.get(reverse("experts:detail", args=[pool[1].pk])).status_code == 404


def test_draw_page_shows_seed_reasons_and_reproduces(
    bureau_admin: User, reviewer: User, pool: list[Expert], occupations: Any, levels: Any
) -> None:
    services.deactivate_expert(pool[2].pk, reason="退休", actor=bureau_admin)
    low = make_expert(9, bureau_admin, occupations["electrician"], levels["level4"])
    made = services.draw_examiners(
        bureau_admin, spec(occupations["electrician"], levels["level3"], count=1)
    )
    page = _client(bureau_admin).get(reverse("experts:draw", args=[made.pk]))
    text = page.content.decode()
    assert made.seed in text
    assert "Recomputed from the seed and the pool below" in text
    assert low.person.name in text
    assert "Examines this occupation only up to" in text or "考评范围只到" in text
    masked = _client(reviewer).get(reverse("experts:draw", args=[made.pk])).content.decode()
    assert low.person.name not in masked
    assert low.person.name[0] + "*" in masked


def test_keeper_draws_by_hand_and_too_few_is_said_plainly(
    bureau_admin: User, pool: list[Expert]
) -> None:
    client = _client(bureau_admin)
    form = {
        "purpose": "2026年电工三级第一批",
        "occupation": "电工",
        "level": "level3",
        "on_date": DAY.isoformat(),
        "count": "4",
    }
    refused = client.post(reverse("experts:draw_create"), form)
    assert refused.status_code == 400
    assert "Only 3 qualified examiners" in refused.content.decode()
    assert not Draw.objects.exists()
    done = client.post(reverse("experts:draw_create"), {**form, "count": "2"})
    made = Draw.objects.get()
    assert done["Location"] == reverse("experts:draw", kwargs={"pk": made.pk})
    assert len(made.picked_ids()) == 2
