"""A small city for the home pages: two schools' classes in every state, a flagged check-in in
each, a catalog version in review, an accreditation application, and a worker with places."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
import time_machine

from conftest import make_user
from jineng.accounts.roles import Role
from jineng.accreditations.models import AccreditationApplication
from jineng.attendance.models import Attendance
from jineng.catalogs.choices import CatalogKind, VersionStatus
from jineng.catalogs.models import Catalog, CatalogVersion
from jineng.occupations.models import Occupation, OccupationLevel, SkillLevel
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import ClassSession, Enrolment, TrainingClass
from tests.factories import ClassSessionFactory, PersonFactory, TrainingClassFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
# The home pages are read at 08:00 on the day of the running classes' sessions.
NOW = datetime.datetime(2026, 3, 2, 8, 0, tzinfo=SHANGHAI)
DAY = NOW.date()


@pytest.fixture
def clock() -> Any:
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def _occupation() -> Occupation:
    parent = None
    for code, level in [
        ("6-00-00-00", OccupationLevel.MAJOR),
        ("6-31-00-00", OccupationLevel.MIDDLE),
        ("6-31-01-00", OccupationLevel.SMALL),
    ]:
        parent = Occupation.objects.create(code=code, name=code, level=level, parent=parent)
    return Occupation.objects.create(
        code="6-31-01-03", name="电工", level=OccupationLevel.OCCUPATION, parent=parent
    )


@dataclass
class World:
    """What the tests look for on each home page."""

    classes: dict[str, TrainingClass]
    sessions: dict[str, ClassSession]
    check_ins: dict[str, Attendance]
    version_by_other: CatalogVersion
    version_by_admin: CatalogVersion
    application: AccreditationApplication
    waitlisted: Enrolment


def _class(organization: Any, occupation: Occupation, code: str, status: str, **extra: Any):
    return TrainingClassFactory(
        code=code,
        status=status,
        starts_on=DAY,
        programme__organization=organization,
        programme__occupation=occupation,
        programme__name="电工培训 " + code,
        **extra,
    )


def _flagged(training_class: TrainingClass, session: ClassSession, person: Any) -> Attendance:
    with time_machine.travel(NOW - datetime.timedelta(days=1), tick=False):
        enrolment = Enrolment.objects.create(
            training_class=training_class, person=person, status=EnrolmentStatus.ENROLLED
        )
    return Attendance.objects.create(
        enrolment=enrolment,
        session=session,
        checked_in_at=session.starts_at,
        method="qr",
        flags=["no_location"],
        is_flagged=True,
    )


@pytest.fixture
def world(clock, city, school_a, school_b, bureau_admin, worker) -> World:
    from jineng.occupations.loaders import load_skill_levels

    load_skill_levels()
    occupation = _occupation()
    classes = {
        "A-SUB": _class(school_a, occupation, "A-SUB", ClassStatus.SUBMITTED),
        "A-RET": _class(
            school_a, occupation, "A-RET", ClassStatus.RETURNED, decision_note="缺少师资证明"
        ),
        "A-RUN": _class(school_a, occupation, "A-RUN", ClassStatus.RUNNING),
        "A-FULL": _class(school_a, occupation, "A-FULL", ClassStatus.APPROVED),
        "B-SUB": _class(school_b, occupation, "B-SUB", ClassStatus.SUBMITTED),
        "B-RET": _class(school_b, occupation, "B-RET", ClassStatus.RETURNED),
        "B-RUN": _class(school_b, occupation, "B-RUN", ClassStatus.RUNNING),
    }
    at_nine = datetime.datetime(2026, 3, 2, 9, 0, tzinfo=SHANGHAI)
    sessions = {
        "A-RUN": ClassSessionFactory(
            training_class=classes["A-RUN"], starts_at=at_nine, topic="安全用电"
        ),
        "B-RUN": ClassSessionFactory(
            training_class=classes["B-RUN"], starts_at=at_nine, topic="照明线路"
        ),
        # Tomorrow's session of A-RUN: not today's.
        "A-RUN-2": ClassSessionFactory(
            training_class=classes["A-RUN"],
            starts_at=at_nine + datetime.timedelta(days=1),
            topic="配电箱",
        ),
    }
    check_ins = {
        "A": _flagged(classes["A-RUN"], sessions["A-RUN"], worker.person),
        "B": _flagged(
            classes["B-RUN"], sessions["B-RUN"], PersonFactory(name="李四", actor=bureau_admin)
        ),
    }
    waitlisted = Enrolment.objects.create(
        training_class=classes["A-FULL"],
        person=worker.person,
        status=EnrolmentStatus.WAITLISTED,
        waitlist_position=1,
    )
    catalog = Catalog.objects.create(kind=CatalogKind.SUBSIDISED_TRAINING)
    other_admin = make_user("admin_other", Role.BUREAU_ADMIN)
    version_by_other = CatalogVersion.objects.create(
        catalog=catalog,
        number=2,
        title="2026年第二版",
        status=VersionStatus.IN_REVIEW,
        created_by=other_admin,
        submitted_by=other_admin,
        submitted_at=NOW - datetime.timedelta(hours=2),
    )
    version_by_admin = CatalogVersion.objects.create(
        catalog=catalog,
        number=3,
        title="2026年第三版",
        status=VersionStatus.IN_REVIEW,
        created_by=bureau_admin,
        submitted_by=bureau_admin,
        submitted_at=NOW - datetime.timedelta(hours=1),
    )
    staff = make_user("staff_a_apply", Role.INSTITUTION_STAFF, organization=school_a)
    application = AccreditationApplication.objects.create(
        organization=school_a,
        kind="training",
        occupation=occupation,
        max_level=SkillLevel.objects.order_by("rank").first(),
        submitted_by=staff,
    )
    return World(
        classes=classes,
        sessions=sessions,
        check_ins=check_ins,
        version_by_other=version_by_other,
        version_by_admin=version_by_admin,
        application=application,
        waitlisted=waitlisted,
    )
