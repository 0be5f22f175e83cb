"""The judge pool's API: list and create experts, read an expert and a draw, by scope."""

from __future__ import annotations

from typing import Any

import pytest

from jineng.api.tests.helpers import api_client
from jineng.experts import services
from jineng.experts.models import Expert

from .helpers import citizen_id, make_expert, make_person, spec


@pytest.fixture
def pool(bureau_admin: Any, city: Any, occupations: Any, levels: Any) -> list[Expert]:
    return [
        make_expert(n, bureau_admin, occupations["electrician"], levels["level3"]) for n in range(3)
    ]


@pytest.mark.parametrize(("who", "visible"), [("bureau_admin", 3), ("reviewer", 3), ("staff_a", 0)])
def test_list_by_scope(request: Any, pool: list[Expert], who: str, visible: int) -> None:
    client = api_client(request.getfixturevalue(who))
    assert client.get("/api/v1/experts").json()["count"] == visible
    detail = client.get(f"/api/v1/experts/{pool[0].pk}")
    assert detail.status_code == (200 if visible else 404)


def test_create_by_id_number_and_name(bureau_admin: Any, staff_a: Any, city: Any) -> None:
    person = make_person(700, bureau_admin)
    body = {"id_number": citizen_id(700), "name": person.name, "title": "技师"}
    assert api_client(staff_a).post("/api/v1/experts", body).status_code == 403
    response = api_client(bureau_admin).post("/api/v1/experts", body)
    assert response.status_code == 201
    assert response.json()["name"] == person.name
    again = api_client(bureau_admin).post("/api/v1/experts", body)
    assert again.status_code == 409
    assert again.json()["code"] == "expert_already_registered"


def test_draw_is_readable_and_reproducible(
    bureau_admin: Any,
    reviewer: Any,
    staff_a: Any,
    pool: list[Expert],
    occupations: Any,
    levels: Any,
) -> None:
    made = services.draw_examiners(bureau_admin, spec(occupations["electrician"], levels["level3"]))
    body = api_client(reviewer).get(f"/api/v1/expert-draws/{made.pk}").json()
    assert body["seed"] == made.seed
    assert body["picks"] == made.picked_ids()
    assert body["reproduces"] is True
    assert all("*" in e["name"] for e in body["pool"])
    assert api_client(staff_a).get(f"/api/v1/expert-draws/{made.pk}").status_code == 404
