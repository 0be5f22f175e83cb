"""Simulation: a year replayed under a draft beside the rule set in force, by hand.

The world of test_amounts. Person A (unemployed, 新华街道) completes class 1 in full and
attends two days, then completes class 2 of the same occupation and level; person B (migrant
worker, 山城镇) completes class 1 with 4,500 of 5,400 minutes, attends three days and gains a
level 5 certificate.
"""

from __future__ import annotations

import datetime
import io
import json
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from jineng.core.models import AuditEvent
from jineng.subsidies import simulation
from jineng.subsidies.choices import AmountUnit, RuleSetStatus, SubsidyKind
from jineng.subsidies.models import RuleAmount, RuleSet
from jineng.subsidies.tests import test_amounts as base
from jineng.subsidies.tests.test_amounts import END, START, World, attend

# The world of test_amounts, its fixtures shared.
english = base.english
levels = base.levels
occupations = base.occupations
world = base.world

DAY = datetime.timedelta(days=1)


@pytest.fixture
def year(world: World) -> World:
    a = world.someone("unemployed", town="220581001001")
    b = world.someone("migrant_worker", town="220581100201")
    first = world.training_class()
    enrolment = world.completer(a, first)
    attend(enrolment, [START, START + DAY])
    world.completer(a, world.training_class(start=END + 10 * DAY, end=END + 20 * DAY))
    partial = world.completer(b, first, minutes=4500)
    attend(partial, [START, START + DAY, START + 2 * DAY])
    world.certificate(b, "level5", issued_on=datetime.date(2025, 4, 10))
    draft = RuleSet.objects.create(
        number=8,
        title="Draft",
        status=RuleSetStatus.DRAFT,
        effective_from=datetime.date(2026, 1, 1),
        max_trainings_per_year=2,
    )
    RuleAmount.objects.create(
        rule_set=draft,
        kind=SubsidyKind.SKILL_UPGRADE,
        skill_level=world.levels["level5"],
        unit=AmountUnit.PERSON,
        amount_fen=120000,
    )
    RuleAmount.objects.create(
        rule_set=draft,
        kind=SubsidyKind.LIVING,
        target_group=world.target_groups["migrant_worker"],
        unit=AmountUnit.DAY,
        amount_fen=2000,
        max_units=10,
    )
    world.draft = draft
    world.a, world.b, world.partial = a, b, partial
    return world


def test_simulation_replays_the_year_under_the_draft_and_the_rule_set_in_force(year: World):
    result = simulation.simulate(2025, year.draft.pk)

    assert (result.completions, result.certificates) == (3, 1)
    # In force (v7): A 1,500.00 training + 2 days × 30.00 living; B 1,200.00 × 4,500 / 5,400
    # = 1,000.00 training and 1,000.00 skill upgrade; A's class 2 is refused (R09).
    in_force = result.in_force
    assert in_force is not None
    assert in_force.rule_set == year.rule_set
    assert in_force.cost_fen == 150000 + 2 * 3000 + 100000 + 100000 == 356000
    assert in_force.people == 2
    assert in_force.by_kind == {"training": 250000, "living": 6000, "skill_upgrade": 100000}
    assert in_force.refused == {"R09": 1, "eligibility": 2}
    # Draft (v8): no living allowance for the unemployed, 3 days × 20.00 for B, and 1,200.00
    # for a level 5 certificate.
    proposed = result.proposed
    assert proposed.cost_fen == 150000 + 100000 + 3 * 2000 + 120000 == 376000
    assert result.difference_fen == 376000 - 356000 == 20000
    groups = {s.key: (s.people, s.cost_fen) for s in proposed.by_group}
    assert groups == {"unemployed": (1, 150000), "migrant_worker": (1, 6000), "": (1, 220000)}
    towns = {s.label: (s.people, s.cost_fen) for s in proposed.by_town}
    assert towns == {"新华街道": (1, 150000), "山城镇": (1, 226000)}


def test_simulation_counts_earlier_years_against_the_caps_not_the_year_s_own(year: World):
    # A was paid for the same occupation and level in 2024: class 1 is refused too (R09).
    earlier = year.completer(
        year.a, year.training_class(start=datetime.date(2024, 5, 6), end=datetime.date(2024, 5, 24))
    )
    year.claimed(year.a, enrolment=earlier)
    # B's line of 2025, already claimed, is replayed, not counted against B.
    year.claimed(year.b, enrolment=year.partial)

    result = simulation.simulate(2025, year.rule_set.pk)

    # v7: A's two classes refused (R09); A's living for class 1 still 2 × 30.00; B as before.
    assert result.in_force is None
    assert result.proposed.cost_fen == 2 * 3000 + 100000 + 100000 == 206000
    assert result.proposed.refused == {"R09": 2, "eligibility": 2}


def test_the_command_simulates_with_a_progress_bar(year: World):
    out = io.StringIO()
    call_command(
        "subsidies",
        "simulate",
        "--year",
        "2025",
        "--rule-set",
        "8",
        stdout=out,
        stderr=io.StringIO(),
    )
    text = out.getvalue()
    assert "3,760.00 yuan for 2 people" in text
    assert "3,560.00 yuan" in text
    assert "difference: 200.00 yuan" in text
    assert AuditEvent.objects.filter(action="subsidies.ruleset.simulated").count() == 1

    out = io.StringIO()
    call_command(
        "subsidies",
        "simulate",
        "--year",
        "2025",
        "--rule-set",
        "8",
        "--json",
        stdout=out,
        stderr=io.StringIO(),
    )
    assert json.loads(out.getvalue())["proposed"]["cost_fen"] == 376000


def test_the_command_lists_the_faults_of_a_bad_file(
    db: Any, tmp_path: Any, levels: Any, target_groups: Any
):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "title": "x",
                "effective_from": "2025-01-01",
                "amounts": [{"kind": "living", "unit": "day"}],
            }
        )
    )
    err = io.StringIO()
    with pytest.raises(CommandError):
        call_command("subsidies", "load-rules", str(bad), stdout=io.StringIO(), stderr=err)
    assert "amounts, row 1, amount_yuan" in err.getvalue()
    assert not RuleSet.objects.exists()


def test_the_command_loads_and_activates_the_example(db: Any, levels: Any, target_groups: Any):
    from jineng.subsidies import rules

    example = str(rules.__file__).replace("rules.py", "data/example_rules.json")
    out = io.StringIO()
    call_command("subsidies", "load-rules", example, "--activate", stdout=out)
    assert "(example values)" in out.getvalue()
    assert RuleSet.objects.get().status == RuleSetStatus.IN_FORCE


def test_the_replay_reads_in_chunks_not_per_completion(year: World):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            simulation.simulate(2025, year.draft.pk, compare=False)
        return len(queries)

    before = count()
    first = year.partial.training_class
    for _n in range(3):
        enrolment = year.completer(year.someone("unemployed"), first)
        attend(enrolment, [START])
    assert count() == before
