"""The draw as a pure function: never an ineligible expert, distinct, exact, reproducible,
lowest workload first (property-based over random pools)."""

from __future__ import annotations

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from jineng.experts.draw import PoolEntry, eligible_entries, pick, reproduce, snapshot
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
def test_pick_takes_only_eligible_distinct_experts_lowest_workload_first(
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
    load = {e.expert_id: e.workload for e in eligible}
    left_out = [load[i] for i in load if i not in picked]
    if left_out:
        assert max(load[i] for i in picked) <= min(left_out)
    assert pick(seed, list(pool), count) == picked


@given(seed=seeds, pool=pools, count=st.integers(min_value=1, max_value=6))
def test_a_stored_draw_reproduces_from_its_seed_and_snapshot(
    seed: str, pool: list[PoolEntry], count: int
) -> None:
    if len(eligible_entries(pool)) < count:
        return

    class Stored:
        pass

    stored = Stored()
    stored.seed, stored.pool, stored.count = seed, snapshot(pool), count  # type: ignore[attr-defined]
    assert reproduce(stored) == pick(seed, pool, count)  # type: ignore[arg-type]


def test_the_seed_decides_among_equal_workloads() -> None:
    pool = [PoolEntry(expert_id=i, workload=0, eligible=True) for i in range(1, 21)]
    orders = {tuple(pick(f"seed-{n}", pool, 20)) for n in range(10)}
    assert len(orders) > 1


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
