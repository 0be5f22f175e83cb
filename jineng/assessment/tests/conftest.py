"""Fixtures of the assessment tests: an accredited evaluator, rules, examiners, candidates."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.assessment.tests import helpers
from jineng.occupations.models import Occupation, OccupationLevel, SkillLevel
from jineng.organizations.models import Organization, OrganizationKind


@pytest.fixture
def levels(db: Any) -> dict[str, SkillLevel]:
    from jineng.occupations.loaders import load_skill_levels

    load_skill_levels()
    return {level.code: level for level in SkillLevel.objects.all()}


@pytest.fixture
def electrician(db: Any) -> Occupation:
    major = Occupation.objects.create(
        code="6-00-00-00", name="生产制造及有关人员", level=OccupationLevel.MAJOR
    )
    return Occupation.objects.create(
        code="6-31-01-03", name="电工", level=OccupationLevel.OCCUPATION, parent=major
    )


@pytest.fixture
def rules(db: Any) -> None:
    from jineng.assessment.rules import load_rules

    load_rules()


@pytest.fixture
def evaluator_org(city: Any) -> Organization:
    return Organization.objects.create(
        credit_code="12220581MB0000001X",
        name="梅河口市职业技能鉴定中心",
        kind=OrganizationKind.EVALUATION_BODY,
        region=city,
    )


@pytest.fixture
def other_org(city: Any) -> Organization:
    return Organization.objects.create(
        credit_code="12220581MB0000002X",
        name="梅河口市第二评价中心",
        kind=OrganizationKind.EVALUATION_BODY,
        region=city,
    )


@pytest.fixture
def evaluator(evaluator_org: Organization) -> User:
    return make_user("evaluator_t", Role.EVALUATOR, organization=evaluator_org)


@pytest.fixture
def other_evaluator(other_org: Organization) -> User:
    return make_user("evaluator_o", Role.EVALUATOR, organization=other_org)


@pytest.fixture
def second_admin(db: Any) -> User:
    return make_user("admin_2", Role.BUREAU_ADMIN)


@pytest.fixture
def accredited(
    evaluator: User, bureau_admin: User, electrician: Occupation, levels: dict[str, SkillLevel]
) -> Any:
    today = datetime.date.today()
    return helpers.accredit(
        evaluator, bureau_admin, electrician, levels["level3"], today - datetime.timedelta(30)
    )


@pytest.fixture
def world(
    accredited: Any,
    rules: None,
    evaluator: User,
    bureau_admin: User,
    electrician: Occupation,
    levels: dict[str, SkillLevel],
) -> helpers.World:
    """A session for 四级 电工 with three candidates and four experts in the pool."""
    return helpers.build_world(evaluator, bureau_admin, electrician, levels)
