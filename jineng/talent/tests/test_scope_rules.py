"""The talent rule of the data scope: view_talent to view, manage_talent to change, no one else."""

from __future__ import annotations

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.core import scope
from jineng.core.errors import NotFound
from jineng.regions.models import Region
from jineng.talent import access, services
from jineng.talent.choices import StudioKind
from jineng.talent.models import (
    AwardRound,
    Competition,
    MasterStudio,
    Nomination,
    Objection,
    PromotionProposal,
    StudioApprenticeship,
)
from jineng.talent.tests import helpers

pytestmark = pytest.mark.django_db

MODELS = (
    AwardRound,
    Nomination,
    Objection,
    MasterStudio,
    StudioApprenticeship,
    Competition,
    PromotionProposal,
)


@pytest.fixture
def world(bureau_admin: Any, people: Any, employer_org: Any, occupations: Any) -> None:
    r = helpers.round_on_notice(bureau_admin, people[:1])
    services.raise_objection(
        r.pk, r.nominations.get().pk, objector_name="甲", contact="139", objection="x"
    )
    studio = services.create_studio(
        services.StudioInput(
            kind=StudioKind.MASTER,
            name="工作室",
            host=employer_org,
            master=people[0],
            occupation=occupations["electrician"],
            recognised_on=r.notice_starts_on,
        ),
        actor=bureau_admin,
    )
    services.add_apprentice(studio.pk, people[1], started_on=r.notice_starts_on, actor=bureau_admin)
    helpers.competition(bureau_admin, occupations["electrician"])


def _count(model: Any, user: Any, action: str) -> int:
    return scope.restrict(model.objects.all(), user, action).count()


def test_the_bureau_sees_and_changes_everything(world: None, bureau_admin: Any) -> None:
    for model in MODELS[:-1]:
        assert _count(model, bureau_admin, "view") == model.objects.count() > 0
        assert _count(model, bureau_admin, "change") == model.objects.count()


@pytest.mark.parametrize("role", [Role.REVIEWER, Role.AUDITOR])
def test_reviewers_and_auditors_see_but_change_nothing(world: None, role: str) -> None:
    user = make_user(f"t_{role}", role)
    for model in MODELS[:-1]:
        assert _count(model, user, "view") == model.objects.count()
        assert _count(model, user, "change") == 0


def test_institutions_employers_evaluators_workers_and_visitors_see_nothing(
    world: None, staff_a: Any, employer: Any, evaluator: Any, worker: Any
) -> None:
    for user in (staff_a, employer, evaluator, worker, AnonymousUser()):
        for model in MODELS:
            assert _count(model, user, "view") == 0
            assert _count(model, user, "change") == 0


def test_a_town_account_sees_its_towns_people_and_no_city_wide_rows(world: None) -> None:
    town = Region.objects.get(code="220581001")
    other = Region.objects.get(code="220581100")
    here = make_user("t_town", Role.REVIEWER, region=town)
    there = make_user("t_other", Role.REVIEWER, region=other)
    assert _count(Nomination, here, "view") == 1
    assert _count(Nomination, there, "view") == 0
    assert _count(AwardRound, here, "view") == 0
    assert _count(Competition, here, "view") == 0


def test_out_of_scope_answers_exactly_like_missing(world: None, employer: Any) -> None:
    r = AwardRound.objects.get()
    with pytest.raises(NotFound) as hidden:
        access.get_round_for_user(employer, r.pk)
    with pytest.raises(NotFound) as missing:
        access.get_round_for_user(employer, 999999)
    assert str(hidden.value.detail) == str(missing.value.detail)
