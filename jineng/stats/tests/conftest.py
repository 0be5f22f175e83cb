"""A small city for the statistics: four classes over two months and two townships.

People are registered and recognised as target-group members through the people services;
the classes and enrolments are written as rows in their final states (a statistics test
reads results, and the training services' own tests take classes through the workflow).

Period 2026-10 – 2026-11 (enrolments and drop-outs by the month a class starts, completions
by the month it ends):

=====  ========  ==========  =========  ======================  ==============================
class  school    occupation  township   dates                   enrolments
=====  ========  ==========  =========  ======================  ==============================
A      school_a  电工 (就业)  新华街道   10-05 – 10-20 closed     p1 p2 done, p3 not, p4 left,
                                                                 p5 transferred, p6 waitlisted
B      school_b  焊工 (提升)  山城镇     10-25 – 11-10 closed     p1 p7 done, p8 left
C      school_a  电工 (就业)  山城镇     11-03 – 11-30 running    p2 p5 enrolled, p9 left
D      school_b  焊工 (提升)  山城镇     11-05 submitted          p3 enrolled (never counted)
E      school_a  电工 (就业)  新华街道   12-01 approved           p4 enrolled (after the period)
=====  ========  ==========  =========  ======================  ==============================

p1 is unemployed (失业人员) throughout; p7 a migrant worker (农民工) until 2026-10-31.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from jineng.accreditations.tests import conftest as accreditation_fixtures
from jineng.catalogs.choices import TrainingType
from jineng.training.choices import ClassStatus, EnrolmentStatus
from jineng.training.models import Enrolment, Programme, TrainingClass
from jineng.training.tests.helpers import citizen_id, member, person

levels = accreditation_fixtures.levels
occupations = accreditation_fixtures.occupations

XINHUA, SHANCHENG = "220581001", "220581100"
D = datetime.date


@dataclass
class SmallCity:
    """The classes and people of the statistics tests."""

    classes: dict[str, TrainingClass]
    people: dict[str, Any]


def _programme(org: Any, occupation: Any, training_type: str) -> Programme:
    return Programme.objects.create(
        organization=org,
        name=f"{occupation.name}培训",
        occupation=occupation,
        training_type=training_type,
        theory_hours=40,
        practice_hours=40,
    )


def _class(code: str, prog: Programme, town: str, starts: D, ends: D, status: str) -> Any:
    from jineng.regions.models import Region

    return TrainingClass.objects.create(
        programme=prog,
        code=code,
        capacity=30,
        status=status,
        starts_on=starts,
        ends_on=ends,
        region=Region.objects.get(code=town),
    )


@pytest.fixture
def small_city(
    city: Any,
    bureau_admin: Any,
    school_a: Any,
    school_b: Any,
    occupations: Any,
    target_groups: Any,
) -> SmallCity:
    names = "甲乙丙丁戊己庚辛壬"
    people = {
        f"p{n}": person(bureau_admin, citizen_id(n), name="学员" + names[n - 1])
        for n in range(1, 10)
    }
    member(bureau_admin, people["p1"], target_groups["unemployed"], valid_from=D(2020, 1, 1))
    member(
        bureau_admin,
        people["p7"],
        target_groups["migrant_worker"],
        valid_from=D(2020, 1, 1),
        valid_until=D(2026, 10, 31),
    )
    electric_a = _programme(school_a, occupations["electrician"], TrainingType.EMPLOYMENT)
    welding_b = _programme(school_b, occupations["welder"], TrainingType.UPSKILLING)
    closed, running = ClassStatus.CLOSED, ClassStatus.RUNNING
    classes = {
        "A": _class("S-A", electric_a, XINHUA, D(2026, 10, 5), D(2026, 10, 20), closed),
        "B": _class("S-B", welding_b, SHANCHENG, D(2026, 10, 25), D(2026, 11, 10), closed),
        "C": _class("S-C", electric_a, SHANCHENG, D(2026, 11, 3), D(2026, 11, 30), running),
        "D": _class(
            "S-D", welding_b, SHANCHENG, D(2026, 11, 5), D(2026, 11, 20), ClassStatus.SUBMITTED
        ),
        "E": _class("S-E", electric_a, XINHUA, D(2026, 12, 1), D(2026, 12, 20), "approved"),
    }
    s = EnrolmentStatus
    rows = {
        "A": [
            ("p1", s.COMPLETED),
            ("p2", s.COMPLETED),
            ("p3", s.NOT_COMPLETED),
            ("p4", s.WITHDRAWN),
            ("p5", s.TRANSFERRED),
            ("p6", s.WAITLISTED),
        ],
        "B": [("p1", s.COMPLETED), ("p7", s.COMPLETED), ("p8", s.WITHDRAWN)],
        "C": [("p2", s.ENROLLED), ("p5", s.ENROLLED), ("p9", s.WITHDRAWN)],
        "D": [("p3", s.ENROLLED)],
        "E": [("p4", s.ENROLLED)],
    }
    for key, enrolments in rows.items():
        for who, status in enrolments:
            Enrolment.objects.create(training_class=classes[key], person=people[who], status=status)
    return SmallCity(classes, people)


@pytest.fixture
def english() -> Any:
    from django.utils import translation

    with translation.override("en"):
        yield
