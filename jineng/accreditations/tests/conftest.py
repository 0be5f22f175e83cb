"""Fixtures of the accreditation tests: a small classification, the level ladder, actors."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.occupations.models import Occupation, OccupationLevel, SkillLevel
from jineng.organizations.models import Organization, OrganizationKind


@pytest.fixture
def levels(db: Any) -> dict[str, SkillLevel]:
    """The national skill-level ladder from its data file."""
    from jineng.occupations.loaders import load_skill_levels

    load_skill_levels()
    return {level.code: level for level in SkillLevel.objects.all()}


def _node(code: str, name: str, level: int, parent: Occupation | None) -> Occupation:
    return Occupation.objects.create(code=code, name=name, level=level, parent=parent)


@pytest.fixture
def occupations(db: Any) -> dict[str, Occupation]:
    """Two branches of the classification: 电工 and 焊工 with their categories."""
    major = _node("6-00-00-00", "生产制造及有关人员", OccupationLevel.MAJOR, None)
    repair = _node("6-31-00-00", "机械设备修理人员", OccupationLevel.MIDDLE, major)
    small = _node("6-31-01-00", "机械设备修理人员(小类)", OccupationLevel.SMALL, repair)
    electrician = _node("6-31-01-03", "电工", OccupationLevel.OCCUPATION, small)
    mechanic = _node("6-31-01-10", "机电设备维修工", OccupationLevel.OCCUPATION, small)
    metal = _node("6-18-00-00", "金属加工人员", OccupationLevel.MIDDLE, major)
    welding = _node("6-18-02-00", "焊接人员", OccupationLevel.SMALL, metal)
    welder = _node("6-18-02-04", "焊工", OccupationLevel.OCCUPATION, welding)
    return {
        "major": major,
        "repair": repair,
        "small": small,
        "electrician": electrician,
        "mechanic": mechanic,
        "welder": welder,
    }


@pytest.fixture
def evaluator_org(db: Any) -> Organization:
    return Organization.objects.create(
        credit_code="12220581MB0000001X",
        name="梅河口市职业技能鉴定中心",
        kind=OrganizationKind.EVALUATION_BODY,
    )


@pytest.fixture
def evaluator(evaluator_org: Organization) -> User:
    return make_user("evaluator_t", Role.EVALUATOR, organization=evaluator_org)


@pytest.fixture
def second_admin(db: Any) -> User:
    return make_user("admin_2", Role.BUREAU_ADMIN)


@pytest.fixture
def private_media(settings: Any, tmp_path: Any) -> Any:
    """Keep stored documents in a temporary MEDIA_ROOT."""
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def d() -> Any:
    """Build a date quickly: d(2025, 3, 1)."""
    return datetime.date


@pytest.fixture(autouse=True)
def fast_password_hashing(settings: Any) -> None:
    """Hash test passwords cheaply: these tests are about accreditation, not logins."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def english() -> Any:
    """Assert on English messages; pages still pick their language per request."""
    from django.utils import translation

    with translation.override("en"):
        yield
