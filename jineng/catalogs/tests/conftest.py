"""Fixtures for the catalogs tests: a small classification, a second administrator, helpers."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.catalogs.tests.helpers import OCCUPATIONS
from jineng.occupations.loaders import load_skill_levels
from jineng.occupations.models import Occupation, OccupationLevel, SkillLevel

# A fixed "today" for tests that depend on the date (Asia/Shanghai noon).
TODAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def fast_passwords(settings: Any) -> None:
    """Hash test passwords cheaply: these tests create several accounts each."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def levels(db: Any) -> dict[str, SkillLevel]:
    """The skill-level ladder from its data file."""
    load_skill_levels()
    return {level.code: level for level in SkillLevel.objects.all()}


@pytest.fixture
def occupations(db: Any) -> dict[str, Occupation]:
    """A handful of occupations of the 2022 classification."""
    return {
        code: Occupation.objects.create(code=code, name=name, level=OccupationLevel.OCCUPATION)
        for code, name in OCCUPATIONS.items()
    }


@pytest.fixture
def catalog_data(levels: Any, occupations: Any, target_groups: Any) -> None:
    """Everything a subsidised-training entry refers to."""


@pytest.fixture
def publisher(db: Any) -> Any:
    """A second bureau administrator, who publishes what the first prepared."""
    return make_user("publisher_t", Role.BUREAU_ADMIN)


@pytest.fixture
def evaluator_a(school_a: Any) -> Any:
    """Evaluation staff of school A's organisation (may appeal for it)."""
    return make_user("evaluator_a", Role.EVALUATOR, organization=school_a)


@pytest.fixture
def frozen_today() -> Any:
    """Freeze the clock at noon of TODAY, Shanghai time."""
    import time_machine

    with time_machine.travel(
        datetime.datetime(2026, 3, 2, 12, 0, tzinfo=datetime.timezone(datetime.timedelta(hours=8))),
        tick=False,
    ) as traveller:
        yield traveller
