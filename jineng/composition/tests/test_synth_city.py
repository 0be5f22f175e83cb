"""The synthetic city at small scale: each planted rule finds exactly what was planted, a
clean city finds nothing for those rules, and a rerun adds nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.management import call_command

from jineng.attendance.models import Attendance
from jineng.composition.synth.city import PLANTED, CityPlan, planted_indexes, write_city
from jineng.core.models import AuditEvent
from jineng.fraud.rules.base import REGISTRY, Window
from jineng.fraud.rules.registry import load_rules
from jineng.occupations.models import Occupation, OccupationLevel
from jineng.people.synth import write_synthetic_people
from jineng.training.models import ClassSession, Enrolment, TrainingClass

load_rules()

# What identifies each planted rule's hit: the ids its hits name.
SUBJECT = {"R15": "person", "R16": "session", "R17": "session", "R18": "class", "R23": "class"}


def hits(code: str) -> set[tuple[str, int]]:
    spec = REGISTRY[code]
    return {(h.subject, h.subject_id) for h in spec.check(dict(spec.defaults), Window())}


@pytest.fixture
def people(city: Any, target_groups: Any) -> None:
    for number in range(3):
        Occupation.objects.create(
            code=f"6-31-01-0{number}", name=f"工种{number}", level=OccupationLevel.OCCUPATION
        )
    write_synthetic_people(300, seed=5)


def test_each_planted_rule_hits_exactly_its_planted_keys(people: None) -> None:
    plan = CityPlan(years=1, classes_per_year=10, class_size=25, fraud_share=0.5, seed=5)

    totals = write_city(plan)

    assert totals.classes == 10
    assert sorted(totals.planted) == sorted(PLANTED)
    assert TrainingClass.objects.count() == 10
    assert ClassSession.objects.count() == 10 * 10 + 1  # R15's make-up session
    assert Enrolment.objects.count() == 250
    # Nobody sits in two classes of one year.
    assert Enrolment.objects.values("person_id").distinct().count() == 250
    assert Attendance.objects.count() == totals.check_ins
    for code, subject in SUBJECT.items():
        assert hits(code) == {(subject, key) for key in totals.planted[code]}, code
    event = AuditEvent.objects.get(action="composition.city.generated")
    assert event.data["classes"] == 10

    again = write_city(plan)

    assert (again.classes, again.skipped) == (0, 10)
    assert TrainingClass.objects.count() == 10
    assert Attendance.objects.count() == totals.check_ins
    assert AuditEvent.objects.filter(action="composition.city.generated").count() == 1


def test_a_clean_city_has_no_hits_for_the_planted_rules(people: None) -> None:
    totals = write_city(CityPlan(years=2, classes_per_year=6, class_size=25, fraud_share=0))

    assert totals.classes == 12
    assert totals.planted == {}
    for code in SUBJECT:
        assert hits(code) == set(), code


def test_the_command_writes_people_and_their_training(city: Any, target_groups: Any) -> None:
    Occupation.objects.create(code="6-31-01-03", name="电工", level=OccupationLevel.OCCUPATION)

    call_command(
        "synth", "--people", "120", "--years", "1", "--classes-per-year", "4", "--seed", "9"
    )

    assert TrainingClass.objects.count() == 4
    assert Enrolment.objects.count() == 4 * 30


def test_the_share_is_spread_and_every_rule_planted() -> None:
    assert planted_indexes(100, 0.1) == {
        5 + 10 * j: sorted(PLANTED)[j % len(PLANTED)] for j in range(10)
    }
    assert planted_indexes(3, 0.5) == {0: "R15", 1: "R16", 2: "R17"}
    assert planted_indexes(40, 0) == {}
