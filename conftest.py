"""Shared fixtures: named actors (healthchecks' alice/bob style) and reference data."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import TargetGroup
from jineng.regions.models import Region, RegionLevel

# Valid-checksum citizen IDs for tests (address code 220581 = 梅河口市).
ID_A = "220581199001011236"
ID_B = "220581198506150026"


def pytest_collection_modifyitems(config: Any, items: list[Any]) -> None:
    """Skip PostgreSQL-only tests on other databases, saying why."""
    from django.conf import settings

    if settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        return
    skip = pytest.mark.skip(reason="needs PostgreSQL: run `make test-pg`")
    for item in items:
        if "postgres" in item.keywords:
            item.add_marker(skip)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Hash passwords cheaply in tests: suites create hundreds of users."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _flush_postgresql_by_deleting() -> Iterator[None]:
    """Empty PostgreSQL's tables after a transactional or live-server test with DELETE.

    Django flushes with one TRUNCATE of every table, which makes new files for each table and
    index: about five seconds for this schema, after every browser journey and concurrency
    test. The tables hold a few rows by then, and deleting them takes a tenth of a second.
    Foreign keys are deferrable, so they are checked at the flush's commit, when every table
    is empty; what is left afterwards is what TRUNCATE leaves (sequences are not reset by
    either unless asked, and then TRUNCATE still runs).
    """
    from django.conf import settings

    if not settings.DATABASES["default"]["ENGINE"].endswith("postgresql"):
        yield
        return
    from django.db.backends.postgresql.operations import DatabaseOperations

    truncate = DatabaseOperations.sql_flush

    def sql_flush(
        self: Any, style: Any, tables: Any, *, reset_sequences: bool = False, **kwargs: Any
    ) -> list[str]:
        if reset_sequences or not tables:
            return truncate(self, style, tables, reset_sequences=reset_sequences, **kwargs)
        return ["SET CONSTRAINTS ALL DEFERRED"] + [
            f"DELETE FROM {self.quote_name(table)}" for table in tables
        ]

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(DatabaseOperations, "sql_flush", sql_flush)
        yield


@pytest.fixture(autouse=True)
def _own_audit_checkpoints(settings: Any, tmp_path_factory: Any) -> None:
    """Give each test an empty folder of audit checkpoints, apart from development's."""
    settings.AUDIT_CHECKPOINT_DIR = tmp_path_factory.mktemp("audit-checkpoints")


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
QUEUED_TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


@pytest.fixture(autouse=True)
def _immediate_tasks(settings: Any) -> None:
    """Run background tasks at once, inside the request that queues them.

    Tests of the queue itself use the ``queued_tasks`` fixture instead.
    """
    settings.TASKS = IMMEDIATE_TASKS


@pytest.fixture
def queued_tasks(settings: Any) -> None:
    """Queue background tasks in the database, as in production, for a worker to run."""
    settings.TASKS = QUEUED_TASKS


@pytest.fixture
def city(db: Any) -> Region:
    """A small region tree: province, prefecture, 梅河口市, two towns, two villages."""
    province = Region.objects.create(code="22", name="吉林省", level=RegionLevel.PROVINCE)
    prefecture = Region.objects.create(
        code="2205", name="通化市", level=RegionLevel.CITY, parent=province
    )
    county = Region.objects.create(
        code="220581", name="梅河口市", level=RegionLevel.COUNTY, parent=prefecture
    )
    town = Region.objects.create(
        code="220581001", name="新华街道", level=RegionLevel.TOWN, parent=county
    )
    other = Region.objects.create(
        code="220581100", name="山城镇", level=RegionLevel.TOWN, parent=county
    )
    Region.objects.create(
        code="220581001001", name="新华社区", level=RegionLevel.VILLAGE, parent=town
    )
    Region.objects.create(
        code="220581100201", name="山城村", level=RegionLevel.VILLAGE, parent=other
    )
    return county


@pytest.fixture
def target_groups(db: Any) -> dict[str, TargetGroup]:
    from jineng.people.loaders import load_target_groups

    load_target_groups()
    return {g.code: g for g in TargetGroup.objects.all()}


@pytest.fixture
def school_a(db: Any) -> Organization:
    return Organization.objects.create(
        credit_code="52220581MJ00000015",
        name="梅河口市甲职业培训学校",
        kind=OrganizationKind.PRIVATE_TRAINING,
    )


@pytest.fixture
def school_b(db: Any) -> Organization:
    return Organization.objects.create(
        credit_code="52220581MJ00000028",
        name="梅河口市乙职业培训学校",
        kind=OrganizationKind.PRIVATE_TRAINING,
    )


def make_user(username: str, role: str, **extra: Any) -> User:
    return User.objects.create_user(
        username=username, password="pw-Testing-123", role=role, **extra
    )


@pytest.fixture
def bureau_admin(db: Any) -> User:
    return make_user("admin_t", Role.BUREAU_ADMIN)


@pytest.fixture
def reviewer(db: Any) -> User:
    return make_user("reviewer_t", Role.REVIEWER)


@pytest.fixture
def auditor(db: Any) -> User:
    return make_user("auditor_t", Role.AUDITOR)


@pytest.fixture
def staff_a(school_a: Organization) -> User:
    return make_user("staff_a", Role.INSTITUTION_STAFF, organization=school_a)


@pytest.fixture
def staff_b(school_b: Organization) -> User:
    return make_user("staff_b", Role.INSTITUTION_STAFF, organization=school_b)


@pytest.fixture
def person(city: Region, bureau_admin: User) -> Any:
    from jineng.people.services import PersonInput, register_person

    return register_person(
        PersonInput(id_number=ID_A, name="张三", region_code="220581001001", phone="13812345678"),
        actor=bureau_admin,
    )


@pytest.fixture
def worker(person: Any) -> User:
    return make_user("worker_t", Role.WORKER, person=person)


@pytest.fixture
def today() -> datetime.date:
    from django.utils import timezone

    return timezone.localdate()


@pytest.fixture
def is_postgres() -> bool:
    return connection.vendor == "postgresql"
