"""`jineng synth` never adds synthetic people beside real ones, unless development says so."""

from __future__ import annotations

import pytest
from django.core.management import CommandError, call_command
from django.utils import translation

from jineng.core.errors import Conflict
from jineng.core.models import AuditEvent
from jineng.people.models import Person
from jineng.people.synth import write_synthetic_people

REFUSAL = "This database holds 1 real people (not marked synthetic)."


def test_synth_refuses_a_database_with_real_people(person, target_groups, settings):
    settings.DEBUG = True

    with (
        translation.override("en"),
        pytest.raises(CommandError, match=r"holds 1 real people \(not marked synthetic\)"),
    ):
        call_command("synth", "--people", "5", "--seed", "7")

    assert list(Person.objects.values_list("is_synthetic", flat=True)) == [False]
    assert not AuditEvent.objects.filter(action="people.synthetic.generated").exists()


def test_production_refuses_real_people_even_with_the_flag(person, target_groups, settings):
    settings.DEBUG = False

    with (
        translation.override("en"),
        pytest.raises(CommandError, match="production mode") as refused,
    ):
        call_command("synth", "--people", "5", "--allow-real-people")

    assert REFUSAL in str(refused.value)
    assert Person.objects.count() == 1


def test_development_adds_synthetic_people_beside_real_ones_when_told(
    person, target_groups, settings
):
    settings.DEBUG = True

    call_command("synth", "--people", "5", "--seed", "7", "--allow-real-people")

    assert Person.objects.filter(is_synthetic=True).count() == 5
    assert list(Person.objects.filter(is_synthetic=False)) == [person]
    event = AuditEvent.objects.get(action="people.synthetic.generated")
    assert event.data["created"] == 5


def test_the_demo_path_refuses_real_people_too(person, target_groups):
    with pytest.raises(Conflict):
        write_synthetic_people(3)

    assert Person.objects.count() == 1


def test_synth_marks_every_row_it_writes_as_synthetic(city, target_groups):
    call_command("synth", "--people", "12", "--seed", "5")

    assert Person.objects.count() == 12
    assert not Person.objects.filter(is_synthetic=False).exists()
