"""The draw as a pure function: never an ineligible expert, distinct, exact, reproducible,
and lower workloads likelier, never certain (property-based over random pools)."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from jineng.experts.draw import (
    ALGORITHM,
    LEGACY_ALGORITHM,
    PoolEntry,
    eligible_entries,
    new_seed,
    pick,
    pick_legacy,
    reproduce,
    snapshot,
    uniform,
)
from jineng.experts.errors import TooFewExperts

entries = st.builds(
    PoolEntry,
    expert_id=st.integers(min_value=1, max_value=60),
    workload=st.integers(min_value=0, max_value=4),
    eligible=st.booleans(),
    reason=st.just(""),
)
pools = st.lists(entries, max_size=40)
seeds = st.text(min_size=1, max_size=40)


@given(seed=seeds, pool=pools, count=st.integers(min_value=1, max_value=12))
def test_pick_takes_only_eligible_distinct_experts_exactly_and_reproducibly(
    seed: str, pool: list[PoolEntry], count: int
) -> None:
    eligible = eligible_entries(pool)
    barred = {e.expert_id for e in pool if not e.eligible}
    if len(eligible) < count:
        with pytest.raises(TooFewExperts) as refused:
            pick(seed, pool, count)
        assert (refused.value.available, refused.value.needed) == (len(eligible), count)
        return
    picked = pick(seed, pool, count)
    assert len(picked) == count
    assert len(set(picked)) == count
    assert not set(picked) & barred
    assert set(picked) <= {e.expert_id for e in eligible}
    assert pick(seed, list(pool), count) == picked


@given(seed=seeds, pool=pools, count=st.integers(min_value=1, max_value=6))
def test_a_stored_draw_reproduces_from_its_seed_algorithm_and_snapshot(
    seed: str, pool: list[PoolEntry], count: int
) -> None:
    if len(eligible_entries(pool)) < count:
        return

    class Stored:
        pass

    stored = Stored()
    stored.seed, stored.pool, stored.count = seed, snapshot(pool), count  # type: ignore[attr-defined]
    stored.algorithm = ALGORITHM  # type: ignore[attr-defined]
    assert reproduce(stored) == pick(seed, pool, count)  # type: ignore[arg-type]
    stored.algorithm = LEGACY_ALGORITHM  # type: ignore[attr-defined]
    assert reproduce(stored) == pick_legacy(seed, pool, count)  # type: ignore[arg-type]


def test_an_unknown_algorithm_does_not_reproduce() -> None:
    class Stored:
        seed, pool, count, algorithm = "s", [], 1, "made-up-v9"

    with pytest.raises(ValueError, match="unknown draw algorithm"):
        reproduce(Stored())  # type: ignore[arg-type]


def test_the_legacy_algorithm_still_puts_the_lowest_workload_first() -> None:
    """Draws recorded under sha256-workload-v1 keep their picks."""
    pool = [PoolEntry(expert_id=i, workload=1, eligible=True) for i in range(1, 11)]
    pool.append(PoolEntry(expert_id=99, workload=0, eligible=True))
    assert pick_legacy("any", pool, 1) == [99]


def test_uniform_is_strictly_between_zero_and_one_and_fixed_by_seed_and_expert() -> None:
    values = [uniform(f"seed-{n}", n) for n in range(200)]
    assert all(Fraction(0) < u < Fraction(1) for u in values)
    assert uniform("seed-3", 3) == values[3]
    assert uniform("seed-3", 4) != values[3]
    # HMAC-SHA256, first 64 bits n as (2n + 1) / 2**65: a value anyone can recompute.
    assert uniform("abc", 7) == Fraction(2 * 0x6B22694F592F55A5 + 1, 2**65)


def test_lower_workload_is_likelier_but_never_certain() -> None:
    """F5: a fresh expert among experts with one pick each is not drawn by every seed; over
    many seeds, each workload is drawn about as often as its weight 1 / (1 + workload) says."""
    pool = [PoolEntry(expert_id=n, workload=1, eligible=True) for n in range(1, 11)]
    pool.append(PoolEntry(expert_id=99, workload=0, eligible=True))
    firsts = Counter(pick(f"seed-{n}", pool, 1)[0] for n in range(3000))
    # Weights: 1 for the fresh expert, 1/2 for each of ten others: P(fresh) = 1 / 6.
    share = firsts[99] / 3000
    assert 0.13 < share < 0.21, share
    assert firsts[99] < 3000
    assert len(firsts) == 11  # every expert drawn by some seed
    # The fresh expert is still likelier than any one of the others.
    assert firsts[99] > max(count for expert, count in firsts.items() if expert != 99)


def test_heavier_workloads_are_drawn_less_often_on_average() -> None:
    pool = [PoolEntry(expert_id=n, workload=n % 4, eligible=True) for n in range(1, 41)]
    drawn = Counter()
    for n in range(500):
        for expert_id in pick(f"s{n}", pool, 5):
            drawn[expert_id % 4] += 1
    # By workload 0, 1, 2, 3: strictly fewer picks as the workload grows, and none never picked.
    assert drawn[0] > drawn[1] > drawn[2] > drawn[3] > 0


def test_the_seed_decides_among_equal_workloads() -> None:
    pool = [PoolEntry(expert_id=i, workload=0, eligible=True) for i in range(1, 21)]
    orders = {tuple(pick(f"seed-{n}", pool, 20)) for n in range(10)}
    assert len(orders) > 1


def test_new_seeds_are_fresh_32_hex_digits() -> None:
    made = {new_seed() for _ in range(20)}
    assert len(made) == 20
    assert all(len(s) == 32 and int(s, 16) >= 0 for s in made)


def test_too_few_says_how_many_remain_and_how_many_are_needed() -> None:
    pool = [
        PoolEntry(expert_id=1, workload=0, eligible=True),
        PoolEntry(expert_id=2, workload=3, eligible=True),
        PoolEntry(expert_id=3, workload=0, eligible=False, reason="x"),
    ]
    with translation.override("en"), pytest.raises(TooFewExperts) as refused:
        pick("s", pool, 3)
    assert refused.value.code == "too_few_experts"
    assert str(refused.value.detail) == (
        "Only 2 qualified examiners without a conflict of interest remain; the draw needs 3."
    )
    assert refused.value.as_dict()["available"] == 2


def test_too_few_with_none_left() -> None:
    with translation.override("en"), pytest.raises(TooFewExperts) as refused:
        pick("s", [], 1)
    assert "No qualified examiner" in str(refused.value.detail)
