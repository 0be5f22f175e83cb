"""Claim lines in the lifelong record: the worker sees each subsidy in their name, with its
amount and where it stands; another institution's staff see none of it."""

from typing import Any

import pytest

from jineng.people.queries import EVERYTHING, RecordScope
from jineng.subsidies import queries, services
from jineng.subsidies.tests.conftest import Crew, StubAmounts, to_notice


@pytest.mark.django_db
def test_the_worker_reads_each_claimed_line_and_whether_it_is_held(
    a_class: Any, rule_set: Any, crew: Crew, stub_amounts: StubAmounts, school_b: Any
) -> None:
    claim = services.submit_class_claim(a_class.pk, actor=crew.submitter)
    to_notice(claim, crew)
    line = claim.lines.order_by("pk").first()
    person = line.person
    [entry] = queries.record_entries(person, EVERYTHING)
    assert entry.kind == "subsidies.training"
    assert entry.title == (
        f"Training subsidy (培训补贴), 1,500.00: In public notice (公示) (claim {claim.number})"
    )
    assert (entry.details["claim"], entry.details["held"], entry.details["amount_fen"]) == (
        claim.number,
        False,
        150_000,
    )
    services.hold_claims(
        person_ids=[person.pk],
        class_ids=[],
        organization_ids=[],
        source="fraud.alert:1",
        reason="核查",
        actor=None,
    )
    [held] = queries.record_entries(person, EVERYTHING)
    assert held.details["held"] is True
    assert "held" in held.title
    other_school = RecordScope(organization_ids=frozenset({school_b.pk}))
    assert queries.record_entries(person, other_school) == []
