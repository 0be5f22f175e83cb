"""Fixtures of the certificate tests: classification, levels, an accredited evaluator, keys.

Generating a 3072-bit RSA key per test would dominate the suite, so ``generate_private_key``
hands out keys from a small pool made once per process (rotation tests get distinct keys).
"""

from __future__ import annotations

import datetime
import itertools
from typing import Any

import pytest

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accreditations.choices import AccreditationKind
from jineng.accreditations.tests import conftest as accreditation_fixtures
from jineng.accreditations.tests.helpers import grant
from jineng.certificates import keys
from jineng.organizations.models import Organization, OrganizationKind

levels = accreditation_fixtures.levels
occupations = accreditation_fixtures.occupations

BASE_URL = "https://jineng.example"
DID = "did:web:jineng.example"
_POOL: list[Any] = []


def _pooled_keys() -> Any:
    if not _POOL:
        _POOL.extend(keys.RSAKey.generate_key(keys.KEY_BITS, private=True) for _ in range(3))
    return itertools.cycle(_POOL)


@pytest.fixture(autouse=True)
def pooled_signing_keys(monkeypatch: Any) -> None:
    """Hand out pre-generated keys instead of generating one per test."""
    pool = _pooled_keys()
    monkeypatch.setattr(keys, "generate_private_key", lambda: next(pool))


@pytest.fixture(autouse=True)
def public_base_url(settings: Any) -> None:
    settings.JINENG_PUBLIC_BASE_URL = BASE_URL


@pytest.fixture(autouse=True)
def english() -> Any:
    """Assert on English messages; pages still pick their language per request."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture
def evaluator_org(db: Any) -> Organization:
    return Organization.objects.create(
        credit_code="52220581MJ0000009X",
        name="梅河口市技能评价中心",
        kind=OrganizationKind.SOCIAL_EVALUATION_ORG,
    )


@pytest.fixture
def evaluator(evaluator_org: Organization) -> User:
    return make_user("evaluator_c", Role.EVALUATOR, organization=evaluator_org)


@pytest.fixture
def accredited(
    evaluator: User, evaluator_org: Organization, bureau_admin: User, occupations: Any, levels: Any
) -> Organization:
    """The evaluator's licence for 职业技能等级认定 of 电工 up to 三级, valid around today."""
    today = datetime.date.today()
    grant(
        evaluator,
        bureau_admin,
        occupations["electrician"],
        levels["level3"],
        today - datetime.timedelta(days=365),
        today + datetime.timedelta(days=365),
        kind=AccreditationKind.EVALUATION,
        evaluation_kind="skill_level",
    )
    return evaluator_org
