"""The talent pool: derived from certificates, awards and medals; filters, masks, counts."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
import time_machine
from django.utils import timezone

from jineng.certificates import services as certificates
from jineng.people.choices import AffiliationKind
from jineng.people.models import Affiliation
from jineng.people.queries import EVERYTHING, RecordScope
from jineng.talent import queries, services
from jineng.talent.choices import Prize, StudioKind
from jineng.talent.tests import helpers

pytestmark = pytest.mark.django_db


@pytest.fixture
def pool_world(
    bureau_admin: Any, people: Any, accredited: Any, occupations: Any, levels: Any
) -> dict[str, Any]:
    """李小明 三级 (in), 王建国 四级 (out), 赵丽华 a silver medal, 孙强 an award."""
    electrician = occupations["electrician"]
    helpers.certify(people[0], accredited, electrician, levels["level3"], days_ago=200)
    helpers.certify(people[1], accredited, electrician, levels["level4"])
    competition = helpers.competition(bureau_admin, electrician)
    services.record_entry(
        competition.pk, people[2], occupation=electrician, prize=Prize.SILVER, actor=bureau_admin
    )
    services.record_entry(
        competition.pk,
        people[4],
        occupation=electrician,
        prize=Prize.EXCELLENCE,
        actor=bureau_admin,
    )
    r = helpers.round_on_notice(bureau_admin, [people[3]])
    with time_machine.travel(r.notice_ends_on, tick=False):
        services.publish_round(r.pk, actor=bureau_admin)
    return {"people": people, "electrician": electrician}


def _names(user: Any, **filters: Any) -> list[str]:
    return sorted(p.name for p in queries.pool(user, queries.PoolFilters(**filters)))


def test_the_pool_is_derived_from_certificates_awards_and_medals(
    bureau_admin: Any, pool_world: Any
) -> None:
    assert _names(bureau_admin) == sorted(["李小明", "赵丽华", "孙强"])


def test_a_revoked_certificate_leaves_the_pool(bureau_admin: Any, pool_world: Any) -> None:
    held = helpers.valid_certificates(pool_world["people"][0]).get()
    certificates.revoke_certificate(bureau_admin, held, reason="考试作弊")
    assert "李小明" not in _names(bureau_admin)


def test_the_pool_filters_by_occupation_level_town_and_employer(
    bureau_admin: Any, pool_world: Any, employer_org: Any, occupations: Any
) -> None:
    Affiliation.objects.create(
        person=pool_world["people"][2],
        organization=employer_org,
        kind=AffiliationKind.EMPLOYEE,
        started_on=timezone.localdate() - datetime.timedelta(days=10),
    )
    assert _names(bureau_admin, level="level3") == ["李小明"]
    assert _names(bureau_admin, occupation="6-31-01-03") == sorted(["李小明", "赵丽华"])
    assert _names(bureau_admin, occupation=occupations["welder"].code) == []
    assert _names(bureau_admin, employer=employer_org.pk) == ["赵丽华"]
    assert _names(bureau_admin, town="220581100") == []


def test_the_pool_is_closed_to_institutions_employers_and_workers(
    pool_world: Any, staff_a: Any, employer: Any, worker: Any
) -> None:
    for user in (staff_a, employer, worker):
        assert list(queries.pool(user)) == []


def test_names_are_full_for_pii_roles_and_masked_for_the_auditor(
    reviewer: Any, auditor: Any
) -> None:
    assert queries.shown_name(reviewer, "李小明") == "李小明"
    assert queries.shown_name(auditor, "李小明") == "李*明"


def test_counts_per_quarter_run_up_to_today_against_the_goal(
    bureau_admin: Any, pool_world: Any
) -> None:
    services.set_goal(timezone.localdate().year, target=10, actor=bureau_admin)
    progress = queries.progress(bureau_admin)
    assert progress.total == 3
    assert progress.quarters[-1].count == 3
    assert progress.quarters[-1].goal == 10
    assert progress.years[-1].count == 3
    counts = [q.count for q in progress.quarters]
    assert counts == sorted(counts)
    chart = progress.chart_data()
    assert len(chart["categories"]) == len(chart["counts"]) == len(chart["goals"])


def test_the_pool_page_costs_a_fixed_number_of_queries(
    client: Any, bureau_admin: Any, pool_world: Any, django_assert_max_num_queries: Any
) -> None:
    client.force_login(bureau_admin)
    with django_assert_max_num_queries(25):
        response = client.get("/talent/")
    assert response.status_code == 200
    assert "李小明" in response.content.decode()


def test_the_record_shows_awards_medals_and_both_sides_of_a_studio(
    bureau_admin: Any, pool_world: Any, employer_org: Any
) -> None:
    people = pool_world["people"]
    studio = services.create_studio(
        services.StudioInput(
            kind=StudioKind.MASTER,
            name="李小明技能大师工作室",
            host=employer_org,
            master=people[0],
            occupation=pool_world["electrician"],
            recognised_on=timezone.localdate(),
        ),
        actor=bureau_admin,
    )
    services.add_apprentice(
        studio.pk, people[5], started_on=timezone.localdate(), actor=bureau_admin
    )
    master = {e.kind for e in queries.record_entries(people[0], EVERYTHING)}
    assert master == {"talent.studio.master", "talent.studio.taught"}
    apprentice = queries.record_entries(people[5], EVERYTHING)
    assert [e.kind for e in apprentice] == ["talent.studio.apprentice"]
    assert "李小明" in apprentice[0].title
    assert {e.kind for e in queries.record_entries(people[2], EVERYTHING)} == {"talent.competition"}
    assert {e.kind for e in queries.record_entries(people[3], EVERYTHING)} == {"talent.award"}
    other_org = RecordScope(organization_ids=frozenset({employer_org.pk + 1000}))
    assert queries.record_entries(people[0], other_org) == []
