"""Two activations at once (PostgreSQL, real threads): one puts its set in force, the other
is refused and changes nothing.

Both read the set in force before either changes it (a barrier after the read). Each then
supersedes it with an update conditioned on its status still being in force: the second
update waits for the first transaction's row lock, finds the status changed, updates no row,
and its activation is refused and rolled back.
"""

from __future__ import annotations

import threading
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from jineng.core.errors import Conflict
from jineng.subsidies import rules
from jineng.subsidies.choices import RuleSetStatus
from jineng.subsidies.models import RuleSet
from jineng.subsidies.tests.test_rules import as_file, document


@pytest.fixture
def levels(db: Any) -> None:
    from jineng.occupations.loaders import load_skill_levels

    load_skill_levels()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_of_two_parallel_activations_one_is_refused(
    levels: Any, target_groups: Any, bureau_admin: Any
) -> None:
    first = rules.load_rule_set(as_file(document()), actor=bureau_admin)
    rules.activate(first.pk, bureau_admin)
    drafts = [
        rules.load_rule_set(as_file(document(effective_from=day)), actor=bureau_admin)
        for day in ("2026-01-01", "2026-07-01")
    ]
    barrier = threading.Barrier(2, timeout=10)
    read = rules._in_force_now

    def gated() -> list[RuleSet]:
        found = read()
        barrier.wait()
        return found

    outcomes: list[str] = []

    def attempt(pk: int) -> None:
        try:
            rules.activate(pk, bureau_admin)
            outcomes.append("activated")
        except Conflict:
            outcomes.append("refused")
        finally:
            connection.close()

    with mock.patch.object(rules, "_in_force_now", gated):
        threads = [threading.Thread(target=attempt, args=(d.pk,)) for d in drafts]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    assert sorted(outcomes) == ["activated", "refused"]
    assert RuleSet.objects.filter(status=RuleSetStatus.IN_FORCE).count() == 1
    assert RuleSet.objects.filter(status=RuleSetStatus.DRAFT).count() == 1
    first.refresh_from_db()
    assert first.status == RuleSetStatus.SUPERSEDED
