"""Parallel issuing never hands out one number twice (PostgreSQL, real threads).

Every batch takes its serials from a counter row locked in locks.py. The control replaces
that lock with a plain read: the batches then read the same counter, compute the same
numbers, and the database's unique constraint on the number is all that stops a duplicate.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any
from unittest import mock

import pytest
from django.db import IntegrityError, connection, transaction

from jineng.certificates import locks, services
from jineng.certificates.models import Certificate, NumberCounter

from .helpers import request

THREADS = 4
PER_BATCH = 5


def _issue_in_parallel(rows: list[list[Any]], actor: Any) -> list[str]:
    outcomes: list[str] = []

    def attempt(batch: list[Any]) -> None:
        try:
            services.issue_certificates(actor, batch)
            outcomes.append("issued")
        except IntegrityError as error:
            outcomes.append(f"collision: {error}")
        finally:
            connection.close()

    threads = [threading.Thread(target=attempt, args=(batch,)) for batch in rows]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def _gated(read: Callable[..., Any], *, before: bool) -> Callable[..., Any]:
    """Make the batches meet at a barrier just before (or just after) reading the counters."""
    barrier = threading.Barrier(THREADS, timeout=10)

    def gated(keys: Any) -> Any:
        if before:
            barrier.wait()
            return read(keys)
        found = read(keys)
        barrier.wait()
        return found

    return gated


def _read_unlocked(keys: Any) -> dict[tuple[str, int], NumberCounter]:
    return {(p, y): NumberCounter.objects.get(prefix=p, year=y) for p, y in sorted(set(keys))}


@pytest.fixture
def batches(accredited: Any, person: Any, occupations: Any, levels: Any) -> list[list[Any]]:
    services.ensure_signing_key()
    return [
        [
            request(person, accredited, occupations["electrician"], levels["level3"])
            for _ in range(PER_BATCH)
        ]
        for _ in range(THREADS)
    ]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_parallel_batches_get_distinct_consecutive_numbers(batches: Any, evaluator: Any) -> None:
    gated = _gated(locks.counters_for_update, before=True)
    with mock.patch("jineng.certificates.locks.counters_for_update", gated):
        outcomes = _issue_in_parallel(batches, evaluator)
    assert outcomes == ["issued"] * THREADS
    serials = sorted(int(n[-6:]) for n in Certificate.objects.values_list("number", flat=True))
    assert serials == list(range(1, THREADS * PER_BATCH + 1))
    assert NumberCounter.objects.get().last_serial == THREADS * PER_BATCH
    indexes = Certificate.objects.values_list("status_index", flat=True)
    assert len(set(indexes)) == THREADS * PER_BATCH


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_control_without_the_lock_the_batches_collide(
    batches: Any, evaluator: Any, accredited: Any, person: Any, occupations: Any, levels: Any
) -> None:
    """Control: reading the counter without the lock gives every batch the same numbers."""
    # The counter exists already: a batch creating it would hold the others on its insert.
    with transaction.atomic():
        first = request(person, accredited, occupations["electrician"], levels["level3"])
        services.issue_certificates(evaluator, [first])
    gated = _gated(_read_unlocked, before=False)
    with mock.patch("jineng.certificates.locks.counters_for_update", gated):
        outcomes = _issue_in_parallel(batches, evaluator)
    collisions = [o for o in outcomes if o.startswith("collision")]
    assert outcomes.count("issued") == 1
    assert len(collisions) == THREADS - 1
    assert all("number" in c for c in collisions)
    # Only the unique constraint kept the duplicates out: one batch's numbers exist.
    assert Certificate.objects.count() == 1 + PER_BATCH
