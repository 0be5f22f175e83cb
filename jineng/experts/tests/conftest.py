"""Fixtures of the judge pool's tests: the level ladder, a small classification, actors."""

from __future__ import annotations

from typing import Any

import pytest

from jineng.occupations.models import Occupation, OccupationLevel, SkillLevel


@pytest.fixture
def levels(db: Any) -> dict[str, SkillLevel]:
    """The national skill-level ladder from its data file, by code (level5 is 五级)."""
    from jineng.occupations.loaders import load_skill_levels

    load_skill_levels()
    return {level.code: level for level in SkillLevel.objects.all()}


@pytest.fixture
def occupations(db: Any) -> dict[str, Occupation]:
    """电工 and 焊工 under their categories."""
    major = Occupation.objects.create(
        code="6-00-00-00", name="生产制造及有关人员", level=OccupationLevel.MAJOR
    )
    small = Occupation.objects.create(
        code="6-31-01-00", name="机械设备修理人员", level=OccupationLevel.SMALL, parent=major
    )
    electrician = Occupation.objects.create(
        code="6-31-01-03", name="电工", level=OccupationLevel.OCCUPATION, parent=small
    )
    welder = Occupation.objects.create(
        code="6-18-02-04", name="焊工", level=OccupationLevel.OCCUPATION, parent=major
    )
    return {"small": small, "electrician": electrician, "welder": welder}


@pytest.fixture
def fixed_seed() -> Any:
    """Make every draw's seed "fixed-seed" (production draws take a fresh one each time)."""
    from unittest import mock

    with mock.patch("jineng.experts.draw.new_seed", return_value="fixed-seed"):
        yield "fixed-seed"
