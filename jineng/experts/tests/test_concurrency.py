"""Parallel draws (PostgreSQL, real threads): balancing holds and one purpose is drawn once.

Draws over the same experts queue on the experts' rows (locks.pool_for_update), so the
second counts the first one's picks in its workloads; the control shows that without the
lock both read the same workloads and pick the same experts.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import connection

from conftest import make_user
from jineng.core import audit
from jineng.core.models import AuditEvent
from jineng.experts import locks, pool, services
from jineng.experts.errors import DrawAlreadyMade
from jineng.experts.models import Draw, DrawPick

from .helpers import make_expert, spec


def _in_parallel(jobs: list[Callable[[], Any]]) -> list[Any]:
    outcomes: list[Any] = []

    def run(job: Callable[[], Any]) -> None:
        try:
            outcomes.append(job())
        except DrawAlreadyMade:
            outcomes.append("already drawn")
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _gate_before(real: Callable[..., Any], parties: int) -> Callable[..., Any]:
    barrier = threading.Barrier(parties, timeout=10)

    def gated(*args: Any, **kwargs: Any) -> Any:
        barrier.wait()
        return real(*args, **kwargs)

    return gated


def _gate_after(real: Callable[..., Any], parties: int) -> Callable[..., Any]:
    barrier = threading.Barrier(parties, timeout=10)

    def gated(*args: Any, **kwargs: Any) -> Any:
        found = real(*args, **kwargs)
        barrier.wait()
        return found

    return gated


@pytest.fixture
def setup(city: Any, occupations: Any, levels: Any) -> dict[str, Any]:
    keeper = make_user("par_keeper", "bureau_admin")
    for n in range(4):
        make_expert(n, keeper, occupations["electrician"], levels["level3"])
    return {
        "keepers": [make_user(f"par_keeper_{n}", "bureau_admin") for n in range(2)],
        "occupation": occupations["electrician"],
        "level": levels["level3"],
    }


def _draw(actor: Any, setup: dict[str, Any], purpose: str) -> tuple[list[int], dict[int, int]]:
    made = services.draw_examiners(
        actor, spec(setup["occupation"], setup["level"], purpose=purpose, count=2)
    )
    return made.picked_ids(), {e["expert_id"]: e["workload"] for e in made.pool}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_draws_count_each_others_picks(setup: dict[str, Any]) -> None:
    a, b = setup["keepers"]
    gated = _gate_before(locks.pool_for_update, 2)
    with mock.patch("jineng.experts.locks.pool_for_update", gated):
        outcomes = _in_parallel([lambda: _draw(a, setup, "s:1"), lambda: _draw(b, setup, "s:2")])
    # One draw went first and saw no picks; the other saw the first one's two picks.
    first, second = sorted(outcomes, key=lambda o: sum(o[1].values()))
    assert set(first[1].values()) == {0}
    assert second[1] == {expert: int(expert in first[0]) for expert in first[1]}
    assert DrawPick.objects.count() == 4
    assert audit.verify() is None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_both_draws_miss_each_others_picks(
    setup: dict[str, Any], fixed_seed: str
) -> None:
    """Control: without the lock both draws read zero workloads (and, with one seed, pick the
    same experts)."""
    a, b = setup["keepers"]
    gated = _gate_after(pool.workloads, 2)
    with (
        mock.patch("jineng.experts.locks.pool_for_update", lambda ids: list(ids)),
        mock.patch("jineng.experts.pool.workloads", gated),
    ):
        first, second = _in_parallel(
            [lambda: _draw(a, setup, "s:1"), lambda: _draw(b, setup, "s:2")]
        )
    assert set(first[1].values()) == set(second[1].values()) == {0}
    assert first[0] == second[0]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_draws_for_one_purpose_leave_exactly_one(setup: dict[str, Any]) -> None:
    a, b = setup["keepers"]
    gated = _gate_before(locks.pool_for_update, 2)
    with mock.patch("jineng.experts.locks.pool_for_update", gated):
        outcomes = _in_parallel([lambda: _draw(a, setup, "s:1"), lambda: _draw(b, setup, "s:1")])
    assert outcomes.count("already drawn") == 1
    assert Draw.objects.count() == 1
    assert DrawPick.objects.count() == 2
    assert AuditEvent.objects.filter(action="experts.draw.made").count() == 1
