"""Fixtures of the talent tests: levels, occupations, people, an accredited evaluator, keys."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accreditations.choices import AccreditationKind
from jineng.accreditations.tests import conftest as accreditation_fixtures
from jineng.accreditations.tests.helpers import grant
from jineng.certificates.tests import conftest as certificate_fixtures
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import Person
from jineng.people.services import PersonInput, register_person
from jineng.training.tests.helpers import citizen_id

levels = accreditation_fixtures.levels
occupations = accreditation_fixtures.occupations
pooled_signing_keys = certificate_fixtures.pooled_signing_keys
public_base_url = certificate_fixtures.public_base_url
english = accreditation_fixtures.english

NAMES = ["李小明", "王建国", "赵丽华", "孙强", "周海燕", "吴志刚", "郑美玲", "陈大伟"]


@pytest.fixture
def people(city: Any, bureau_admin: User) -> list[Person]:
    """Eight registered people in 新华社区."""
    return [
        register_person(
            PersonInput(id_number=citizen_id(500 + n), name=name, region_code="220581001001"),
            actor=bureau_admin,
        )
        for n, name in enumerate(NAMES)
    ]


@pytest.fixture
def employer_org(db: Any) -> Organization:
    return Organization.objects.create(
        credit_code="91220581MA0000001K",
        name="梅河口市某机械制造有限公司",
        kind=OrganizationKind.ENTERPRISE,
    )


@pytest.fixture
def employer(employer_org: Organization) -> User:
    return make_user("employer_t", Role.EMPLOYER, organization=employer_org)


@pytest.fixture
def evaluator_org(db: Any) -> Organization:
    return Organization.objects.create(
        credit_code="52220581MJ0000009X",
        name="梅河口市技能评价中心",
        kind=OrganizationKind.SOCIAL_EVALUATION_ORG,
    )


@pytest.fixture
def evaluator(evaluator_org: Organization) -> User:
    return make_user("evaluator_t", Role.EVALUATOR, organization=evaluator_org)


@pytest.fixture
def accredited(
    evaluator: User, evaluator_org: Organization, bureau_admin: User, occupations: Any, levels: Any
) -> Organization:
    """The evaluator's licence for 职业技能等级认定 of 电工 up to 一级, valid around today."""
    today = datetime.date.today()
    grant(
        evaluator,
        bureau_admin,
        occupations["electrician"],
        levels["level1"],
        today - datetime.timedelta(days=365),
        today + datetime.timedelta(days=365),
        kind=AccreditationKind.EVALUATION,
        evaluation_kind="skill_level",
    )
    return evaluator_org
