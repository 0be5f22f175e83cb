"""Fixtures for the catalogs tests: a small classification, a second administrator, helpers."""

from __future__ import annotations

import datetime
from typing import Any

import pytest

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.catalogs import services
from jineng.catalogs.choices import CatalogKind, ChangeReason, GroundsKind
from jineng.catalogs.models import CatalogChange
from jineng.catalogs.services import ChangeInput
from jineng.catalogs.tests.helpers import OCCUPATIONS, institution, publish
from jineng.occupations.loaders import load_skill_levels
from jineng.occupations.models import Occupation, OccupationLevel, SkillLevel

# A fixed "today" for tests that depend on the date (Asia/Shanghai noon).
TODAY = datetime.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def english() -> Any:
    """Run in English, so assertions on messages do not depend on the zh-Hans catalog."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def client(client: Any) -> Any:
    """The test client, asking for English pages."""
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    return client


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


@pytest.fixture
def removal(bureau_admin: Any, publisher: Any, school_a: Any, school_b: Any) -> CatalogChange:
    """School A removed from the institutions catalog, school B suspended, in version 2."""
    publish(
        bureau_admin,
        publisher,
        [institution(school_a.credit_code), institution(school_b.credit_code)],
        kind=CatalogKind.TRAINING_INSTITUTIONS,
        effective_from=TODAY,
    )
    v2 = services.create_draft(
        CatalogKind.TRAINING_INSTITUTIONS, title="2026 adjustment", actor=bureau_admin
    )
    key_a = f"{school_a.credit_code}/6-31-01-03"
    key_b = f"{school_b.credit_code}/6-31-01-03"
    services.remove_entry(v2.entries.get(key=key_a).pk, actor=bureau_admin)
    entry_b = v2.entries.get(key=key_b)
    data = institution(school_b.credit_code)
    services.update_entry(
        entry_b.pk,
        services.EntryInput(**{**data.__dict__, "status": "suspended"}),
        actor=bureau_admin,
    )
    services.record_changes(
        v2.pk,
        [key_a],
        ChangeInput(ChangeReason.REMOVED, GroundsKind.SCORECARD, "2025 绩效评估 D 级"),
        actor=bureau_admin,
    )
    services.record_changes(
        v2.pk,
        [key_b],
        ChangeInput(ChangeReason.SUSPENDED, GroundsKind.INSPECTION, "检查 2026-02-11"),
        actor=bureau_admin,
    )
    services.submit_version(v2.pk, actor=bureau_admin)
    services.publish_version(v2.pk, actor=publisher, effective_from=TODAY + datetime.timedelta(1))
    return CatalogChange.objects.get(version=v2, key=key_a)
