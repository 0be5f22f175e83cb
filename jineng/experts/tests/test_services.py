"""Services of the judge pool: keeping experts, and drawing examiners with every exclusion."""

from __future__ import annotations

import dataclasses
import datetime
from typing import Any

import pytest
from django.utils import translation

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.core.errors import NotFound, PermissionDenied, ValidationFailed
from jineng.core.models import AuditEvent
from jineng.experts import access, draw, queries, services
from jineng.experts.choices import Exclusion, QualificationKind, RelationKind
from jineng.experts.errors import (
    DrawAlreadyMade,
    ExpertAlreadyRegistered,
    QualificationNumberTaken,
    TooFewExperts,
)
from jineng.experts.models import Draw, DrawPick, Expert
from jineng.experts.tests.helpers import DAY, make_expert, make_org, make_person, spec


@pytest.fixture
def keeper(bureau_admin: User, city: Any) -> User:
    return bureau_admin


def _reasons(made: Draw) -> dict[int, str]:
    return {e["expert_id"]: e["code"] for e in made.pool}


def test_create_expert_is_audited(keeper: User, occupations: Any, levels: Any) -> None:
    expert = make_expert(1, keeper, occupations["electrician"], levels["level3"])
    event = AuditEvent.objects.filter(action="experts.expert.created").get()
    assert event.object_id == str(expert.pk)
    assert event.person_id == expert.person_id
    assert AuditEvent.objects.filter(action="experts.qualification.added").count() == 1
    with pytest.raises(ExpertAlreadyRegistered):
        services.create_expert(expert.person, services.ExpertInput(), actor=keeper)


def test_only_keepers_create_experts(keeper: User, reviewer: User) -> None:
    person = make_person(2, keeper)
    with pytest.raises(PermissionDenied):
        services.create_expert(person, services.ExpertInput(), actor=reviewer)
    assert not Expert.objects.exists()


def test_qualification_number_is_unique_per_kind(
    keeper: User, occupations: Any, levels: Any
) -> None:
    expert = make_expert(1, keeper, occupations["electrician"], levels["level3"])
    data = services.QualificationInput(
        kind=QualificationKind.EXAMINER,
        number="KP000001",
        valid_from=datetime.date(2024, 1, 1),
        valid_until=datetime.date(2025, 1, 1),
    )
    with pytest.raises(QualificationNumberTaken):
        services.add_qualification(expert.pk, data, actor=keeper)
    with pytest.raises(ValidationFailed):
        services.add_qualification(
            expert.pk,
            services.QualificationInput(
                kind="examiner", number="X", valid_from=DAY, valid_until=DAY.replace(year=2025)
            ),
            actor=keeper,
        )


def test_draw_records_seed_algorithm_workloads_and_pool(
    keeper: User, occupations: Any, levels: Any, fixed_seed: str
) -> None:
    experts = [
        make_expert(n, keeper, occupations["electrician"], levels["level3"]) for n in range(5)
    ]
    first = services.draw_examiners(
        keeper, spec(occupations["electrician"], levels["level3"], count=2)
    )
    assert first.seed == "fixed-seed"
    assert first.algorithm == draw.ALGORITHM == "es-hmac-sha256-v2"
    assert len(first.pool) == 5
    assert draw.reproduce(first) == first.picked_ids()
    assert first.picked_ids() == draw.pick("fixed-seed", draw.from_snapshot(first.pool), 2)
    second = services.draw_examiners(
        keeper, spec(occupations["electrician"], levels["level3"], purpose="session:2", count=3)
    )
    # The first draw's two now carry a workload of one, the others none.
    assert {e["expert_id"]: e["workload"] for e in second.pool} == {
        e.pk: int(e.pk in first.picked_ids()) for e in experts
    }
    assert draw.reproduce(second) == second.picked_ids()
    event = AuditEvent.objects.filter(action="experts.draw.made").first()
    assert event is not None
    assert event.data["seed"] == "fixed-seed"
    assert event.data["algorithm"] == "es-hmac-sha256-v2"


def test_a_draw_recorded_under_the_first_algorithm_still_reproduces(
    keeper: User, occupations: Any, levels: Any, fixed_seed: str
) -> None:
    for n in range(4):
        make_expert(n, keeper, occupations["electrician"], levels["level3"])
    made = services.draw_examiners(keeper, spec(occupations["electrician"], levels["level3"]))
    legacy = draw.pick_legacy("fixed-seed", draw.from_snapshot(made.pool), 2)
    Draw.objects.filter(pk=made.pk).update(algorithm=draw.LEGACY_ALGORITHM)
    made.picks.all().delete()
    DrawPick.objects.bulk_create(
        DrawPick(draw=made, expert_id=e, order=n) for n, e in enumerate(legacy, start=1)
    )
    made.refresh_from_db()
    assert draw.reproduce(made) == legacy == made.picked_ids()


def test_draw_excludes_every_conflict_with_its_reason(
    keeper: User, occupations: Any, levels: Any
) -> None:
    electrician = occupations["electrician"]
    body, school = make_org(1, "鉴定中心"), make_org(2, "培训学校")
    ok = make_expert(1, keeper, electrician, levels["level3"])
    low = make_expert(2, keeper, electrician, levels["level4"])
    expired = make_expert(
        3, keeper, electrician, levels["level3"], valid_until=DAY.replace(year=2025)
    )
    supervisor = make_expert(4, keeper, electrician, levels["level3"], qualification="supervisor")
    colleague = make_expert(5, keeper, electrician, levels["level3"], organization=school)
    evaluator = make_expert(6, keeper, electrician, levels["level3"], organization=body)
    candidate_expert = make_expert(7, keeper, electrician, levels["level3"])
    relative = make_expert(8, keeper, electrician, levels["level3"])
    gone = make_expert(9, keeper, electrician, levels["level3"])
    services.deactivate_expert(gone.pk, reason="退休", actor=keeper)
    make_expert(10, keeper, occupations["welder"], levels["level3"])
    candidate = make_person(100, keeper)
    services.declare_relation(relative.pk, candidate, RelationKind.FAMILY, actor=keeper)
    made = services.draw_examiners(
        keeper,
        spec(
            electrician,
            levels["level3"],
            count=1,
            excluded_organization_ids=frozenset({body.pk, school.pk}),
            candidate_person_ids=frozenset({candidate.pk, candidate_expert.person_id}),
        ),
    )
    assert made.picked_ids() == [ok.pk]
    assert _reasons(made) == {
        ok.pk: "",
        low.pk: Exclusion.LEVEL_TOO_LOW,
        expired.pk: Exclusion.NO_VALID_QUALIFICATION,
        supervisor.pk: Exclusion.NO_VALID_QUALIFICATION,
        colleague.pk: Exclusion.SAME_ORGANIZATION,
        evaluator.pk: Exclusion.SAME_ORGANIZATION,
        candidate_expert.pk: Exclusion.IS_CANDIDATE,
        relative.pk: Exclusion.DECLARED_RELATION,
    }
    assert all(e["reason"] for e in made.pool if not e["eligible"])


def test_draw_excludes_a_current_tie_in_the_register(
    keeper: User, occupations: Any, levels: Any
) -> None:
    from jineng.people.choices import AffiliationKind
    from jineng.people.models import Affiliation

    school = make_org(2)
    tied = make_expert(1, keeper, occupations["electrician"], levels["level3"])
    make_expert(2, keeper, occupations["electrician"], levels["level3"])
    Affiliation.objects.create(
        person=tied.person,
        organization=school,
        kind=AffiliationKind.EMPLOYEE,
        started_on=datetime.date(2020, 1, 1),
    )
    made = services.draw_examiners(
        keeper,
        spec(
            occupations["electrician"],
            levels["level3"],
            count=1,
            excluded_organization_ids=frozenset({school.pk}),
        ),
    )
    assert _reasons(made)[tied.pk] == Exclusion.SAME_ORGANIZATION


def test_a_category_covers_its_occupations_and_no_level_takes_any(
    keeper: User, occupations: Any, levels: Any
) -> None:
    broad = make_expert(1, keeper, occupations["small"], levels["level5"])
    made = services.draw_examiners(keeper, spec(occupations["electrician"], None, count=1))
    assert made.picked_ids() == [broad.pk]


def test_too_few_experts_writes_nothing(keeper: User, occupations: Any, levels: Any) -> None:
    for n in range(2):
        make_expert(n, keeper, occupations["electrician"], levels["level3"])
    before = AuditEvent.objects.count()
    with translation.override("en"), pytest.raises(TooFewExperts) as refused:
        services.draw_examiners(keeper, spec(occupations["electrician"], levels["level3"], count=3))
    assert str(refused.value.detail) == (
        "Only 2 qualified examiners without a conflict of interest remain; the draw needs 3."
    )
    assert not Draw.objects.exists()
    assert not DrawPick.objects.exists()
    assert AuditEvent.objects.count() == before


def test_one_standing_draw_per_purpose_until_cancelled(
    keeper: User, occupations: Any, levels: Any
) -> None:
    for n in range(3):
        make_expert(n, keeper, occupations["electrician"], levels["level3"])
    made = services.draw_examiners(keeper, spec(occupations["electrician"], levels["level3"]))
    with pytest.raises(DrawAlreadyMade):
        services.draw_examiners(keeper, spec(occupations["electrician"], levels["level3"]))
    services.cancel_draw(made.pk, reason="考评日期变更", actor=keeper)
    again = services.draw_examiners(keeper, spec(occupations["electrician"], levels["level3"]))
    assert len(again.seed) == 32
    assert again.seed != made.seed
    # F4: the cancelled draw's picks still count as workload: their names were shown.
    assert {e["expert_id"]: e["workload"] for e in again.pool} == {
        e["expert_id"]: int(e["expert_id"] in made.picked_ids()) for e in made.pool
    }
    # Every draw stays listed, the cancelled one too.
    listed = [(d.pk, d.is_standing) for d in Draw.objects.order_by("pk")]
    assert listed == [(made.pk, False), (again.pk, True)]
    assert set(queries.recent_draws(keeper)) == {made, again}


def test_nobody_chooses_the_seed(keeper: User, occupations: Any, levels: Any) -> None:
    """F5: the seed is not part of what a caller says; each draw takes a fresh one."""
    for n in range(3):
        make_expert(n, keeper, occupations["electrician"], levels["level3"])
    assert "seed" not in {f.name for f in dataclasses.fields(services.DrawSpec)}
    with pytest.raises(TypeError):
        spec(occupations["electrician"], levels["level3"], seed="chosen")
    evaluator = make_user("eval_t", Role.EVALUATOR, organization=make_org(9))
    made = services.draw_examiners(evaluator, spec(occupations["electrician"], levels["level3"]))
    assert made.created_by == evaluator
    assert len(made.seed) == 32
    with pytest.raises(PermissionDenied):
        services.draw_examiners(
            make_user("w", Role.WORKER),
            spec(occupations["electrician"], levels["level3"], purpose="session:9"),
        )


def test_expert_sees_only_themselves(keeper: User, occupations: Any, levels: Any) -> None:
    mine = make_expert(1, keeper, occupations["electrician"], levels["level3"])
    other = make_expert(2, keeper, occupations["electrician"], levels["level3"])
    account = make_user("examiner_t", Role.WORKER, person=mine.person)
    services.update_expert(mine.pk, services.ExpertInput(user=account), actor=keeper)
    assert access.expert_for_user(account) == mine
    assert list(Expert.objects.visible_to(account)) == [mine]
    with pytest.raises(NotFound):
        access.get_expert_for_user(account, other.pk)
    # The expert declares a relation themselves.
    relation = services.declare_relation(
        mine.pk, make_person(50, keeper), RelationKind.TEACHER, actor=account
    )
    assert relation.expert == mine
    with pytest.raises(PermissionDenied):
        services.declare_relation(
            other.pk, make_person(51, keeper), RelationKind.TEACHER, actor=account
        )


def test_reviewer_reads_but_does_not_change(
    keeper: User, reviewer: User, occupations: Any, levels: Any
) -> None:
    expert = make_expert(1, keeper, occupations["electrician"], levels["level3"])
    assert access.get_expert_for_user(reviewer, expert.pk) == expert
    with pytest.raises(PermissionDenied):
        services.deactivate_expert(expert.pk, reason="x", actor=reviewer)
    expert.refresh_from_db()
    assert expert.active
