"""Fixtures of the training tests: occupations, an accreditation, a catalog, classes."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from jineng.accreditations.tests import conftest as accreditation_fixtures
from jineng.accreditations.tests.helpers import grant
from jineng.catalogs.choices import CatalogKind, TrainingType, VersionStatus
from jineng.catalogs.models import Catalog, CatalogEntry, CatalogVersion
from jineng.training.tests.helpers import ENTRY_KEY, START

# The small classification and the level ladder of the accreditation tests.
levels = accreditation_fixtures.levels
occupations = accreditation_fixtures.occupations


@pytest.fixture(autouse=True)
def english() -> Any:
    """Assert on English messages."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def catalog_entry(db: Any, occupations: Any, levels: Any, target_groups: Any) -> CatalogEntry:
    """A published subsidised-training catalog with one entry for 电工 level 5 (80 hours)."""
    catalog = Catalog.objects.create(kind=CatalogKind.SUBSIDISED_TRAINING)
    version = CatalogVersion.objects.create(
        catalog=catalog,
        number=1,
        title="2025",
        status=VersionStatus.PUBLISHED,
        effective_from=datetime.date(2020, 1, 1),
    )
    entry = CatalogEntry.objects.create(
        version=version,
        key=ENTRY_KEY,
        occupation=occupations["electrician"],
        skill_level=levels["level5"],
        training_type=TrainingType.EMPLOYMENT,
        min_hours=80,
        age_min=16,
        age_max=60,
        subsidy_fen=120000,
    )
    entry.target_groups.set([target_groups["unemployed"], target_groups["migrant_worker"]])
    return entry


@pytest.fixture
def accredited(staff_a: Any, bureau_admin: Any, occupations: Any, levels: Any) -> Any:
    """school_a holds a training accreditation for 电工 up to level 3."""
    return grant(
        staff_a,
        bureau_admin,
        occupations["electrician"],
        levels["level3"],
        START - datetime.timedelta(days=365),
        START + datetime.timedelta(days=3650),
    )


@pytest.fixture
def accredited_b(staff_b: Any, bureau_admin: Any, occupations: Any, levels: Any) -> Any:
    """school_b holds the same training accreditation as school_a."""
    return grant(
        staff_b,
        bureau_admin,
        occupations["electrician"],
        levels["level3"],
        START - datetime.timedelta(days=365),
        START + datetime.timedelta(days=3650),
    )


@pytest.fixture(autouse=True)
def _city(request: Any) -> None:
    """Every training test with a database has the demo region tree."""
    if "db" in request.fixturenames or request.node.get_closest_marker("django_db"):
        request.getfixturevalue("city")
