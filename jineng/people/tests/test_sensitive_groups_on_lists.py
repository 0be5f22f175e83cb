"""Lists, the API and exports show an organisation no target group flagged sensitive."""

from __future__ import annotations

import datetime
import io

import pytest

from conftest import ID_B
from jineng.api.tests.helpers import api_client, register_for_school
from jineng.people.exporters import export_people
from jineng.people.queries import search_people
from jineng.people.services import add_membership

pytestmark = pytest.mark.django_db


@pytest.fixture
def trainee(staff_a, city, target_groups, bureau_admin, today):
    """The school's trainee, recognised by the bureau as 农民工 and as 残疾人."""
    person = register_for_school(staff_a, id_number=ID_B, name="李四")
    for code in ("migrant_worker", "disabled"):
        add_membership(
            person,
            target_groups[code],
            source="bureau",
            valid_from=today - datetime.timedelta(days=30),
            evidence="残疾人证 22058119850615002641",
            actor=bureau_admin,
        )
    return person


def test_api_lists_only_non_sensitive_groups_to_the_school(staff_a, bureau_admin, trainee):
    school = api_client(staff_a).get("/api/v1/people").json()["items"]
    bureau = api_client(bureau_admin).get("/api/v1/people").json()["items"]
    assert [p["target_groups"] for p in school] == [["migrant_worker"]]
    assert [p["target_groups"] for p in bureau] == [["disabled", "migrant_worker"]]
    detail = api_client(staff_a).get(f"/api/v1/people/{trainee.pk}").json()
    assert detail["target_groups"] == ["migrant_worker"]


def test_school_cannot_search_by_a_sensitive_group(client, staff_a, bureau_admin, trainee):
    refused = api_client(staff_a).get("/api/v1/people", target_group="disabled")
    assert (refused.status_code, refused.json()["field"]) == (400, "target_group")
    assert search_people(bureau_admin, {"target_group": "disabled"}).get() == trainee
    client.force_login(staff_a)
    page = client.get("/people/").content.decode()
    assert "残疾人" not in page
    assert "农民工" in page
    offered = dict(client.get("/people/").context["form"].fields["target_group"].choices)
    assert "disabled" not in offered
    assert "migrant_worker" in offered


def test_export_leaves_sensitive_groups_out_for_the_school(staff_a, bureau_admin, trainee):
    school, bureau = io.BytesIO(), io.BytesIO()
    export_people(search_people(staff_a, {}), school, fmt="csv", actor=staff_a)
    export_people(search_people(bureau_admin, {}), bureau, fmt="csv", actor=bureau_admin)
    assert "残疾人" not in school.getvalue().decode("utf-8-sig")
    assert "农民工" in school.getvalue().decode("utf-8-sig")
    assert "残疾人" in bureau.getvalue().decode("utf-8-sig")
