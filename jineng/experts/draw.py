"""The draw of examiners (抽取考评员) as a pure function: same seed and pool, same picks.

Chance, weighted by workload (``ALGORITHM``, ``es-hmac-sha256-v2``): weighted random
sampling without replacement after Efraimidis and Spirakis. Each eligible expert gets the key
``u ** (1 / w)`` where ``u`` in (0, 1) is HMAC-SHA256(seed, expert id) and the weight
``w = 1 / (1 + workload)`` (their picks in the last year); the ``count`` highest keys are
picked, highest first. An expert with fewer picks is more likely to be drawn, never certain
to be. The keys are compared exactly (as fractions), so the picks are the same on every
machine. The seed comes from the operating system's generator; nobody chooses it.

Draws recorded under the first algorithm (``sha256-workload-v1``: lowest workload first, the
seed breaking ties only) still reproduce with it (``reproduce`` reads the draw's algorithm).
Anyone holding a draw's seed, algorithm and pool snapshot can recompute its picks.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Protocol

from jineng.experts.errors import TooFewExperts

LEGACY_ALGORITHM = "sha256-workload-v1"
ALGORITHM = "es-hmac-sha256-v2"


@dataclass(frozen=True)
class PoolEntry:
    """One expert as the draw saw them: workload, whether they may be picked, and why not."""

    expert_id: int
    workload: int
    eligible: bool
    reason: str = ""
    code: str = ""

    def as_dict(self) -> dict[str, Any]:
        """Return the entry as stored in a draw's pool snapshot."""
        return {
            "expert_id": self.expert_id,
            "workload": self.workload,
            "eligible": self.eligible,
            "code": self.code,
            "reason": self.reason,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> PoolEntry:
        """Read an entry back from a pool snapshot."""
        return cls(
            expert_id=int(data["expert_id"]),
            workload=int(data["workload"]),
            eligible=bool(data["eligible"]),
            reason=str(data.get("reason", "")),
            code=str(data.get("code", "")),
        )


def new_seed() -> str:
    """Return a fresh random seed (32 hex digits from the operating system's generator)."""
    return secrets.token_hex(16)


def tie_break(seed: str, expert_id: int) -> str:
    """Return the seeded position of an expert among those with the same workload."""
    return hashlib.sha256(f"{seed}:{expert_id}".encode()).hexdigest()


def eligible_entries(pool: Sequence[PoolEntry]) -> list[PoolEntry]:
    """Return each eligible expert once; an expert listed as ineligible anywhere is left out."""
    barred = {entry.expert_id for entry in pool if not entry.eligible}
    seen: set[int] = set()
    found = []
    for entry in pool:
        if entry.eligible and entry.expert_id not in barred and entry.expert_id not in seen:
            seen.add(entry.expert_id)
            found.append(entry)
    return found


def _checked(pool: Sequence[PoolEntry], count: int) -> list[PoolEntry]:
    if count < 1:
        raise ValueError("a draw picks at least one expert")
    eligible = eligible_entries(pool)
    if len(eligible) < count:
        raise TooFewExperts(available=len(eligible), needed=count)
    return eligible


def pick_legacy(seed: str, pool: Sequence[PoolEntry], count: int) -> list[int]:
    """Pick as ``sha256-workload-v1`` did: lowest workload first, seeded order within.

    Kept only so that draws recorded under it still reproduce; new draws use ``pick``.
    """
    eligible = _checked(pool, count)
    ranked = sorted(eligible, key=lambda e: (e.workload, tie_break(seed, e.expert_id), e.expert_id))
    return [entry.expert_id for entry in ranked[:count]]


def uniform(seed: str, expert_id: int) -> Fraction:
    """Return the expert's number in (0, 1) for a seed: HMAC-SHA256(seed, id), exact."""
    digest = hmac.new(seed.encode(), str(expert_id).encode(), hashlib.sha256).digest()
    # The first 64 bits n give (2n + 1) / 2**65: never 0, never 1.
    return Fraction(2 * int.from_bytes(digest[:8], "big") + 1, 2**65)


def weight(workload: int) -> Fraction:
    """Return an expert's weight in the draw: 1 / (1 + workload)."""
    return Fraction(1, 1 + max(workload, 0))


def key(seed: str, entry: PoolEntry) -> Fraction:
    """Return the expert's Efraimidis–Spirakis key u ** (1 / w) = u ** (1 + workload)."""
    return uniform(seed, entry.expert_id) ** (1 + max(entry.workload, 0))


def pick(seed: str, pool: Sequence[PoolEntry], count: int) -> list[int]:
    """Pick ``count`` distinct eligible experts, weighted by workload, at random from the seed.

    Raises TooFewExperts when fewer eligible experts remain than needed.
    """
    eligible = _checked(pool, count)
    ranked = sorted(eligible, key=lambda e: (-key(seed, e), e.expert_id))
    return [entry.expert_id for entry in ranked[:count]]


ALGORITHMS: dict[str, Callable[[str, Sequence[PoolEntry], int], list[int]]] = {
    LEGACY_ALGORITHM: pick_legacy,
    ALGORITHM: pick,
}


def snapshot(pool: Sequence[PoolEntry]) -> list[dict[str, Any]]:
    """Return the pool as stored on a draw."""
    return [entry.as_dict() for entry in pool]


def from_snapshot(data: Sequence[Mapping[str, Any]]) -> list[PoolEntry]:
    """Read a stored pool back."""
    return [PoolEntry.from_dict(item) for item in data]


class StoredDraw(Protocol):
    """What ``reproduce`` reads of a draw: its seed, algorithm, pool snapshot and picks' number."""

    seed: str
    algorithm: str
    pool: Any
    count: int


def reproduce(stored: StoredDraw) -> list[int]:
    """Recompute a stored draw's picks from its seed, algorithm and pool snapshot alone.

    Raises ValueError for an algorithm this code does not know.
    """
    algorithm = ALGORITHMS.get(stored.algorithm)
    if algorithm is None:
        raise ValueError(f"unknown draw algorithm {stored.algorithm!r}")
    return algorithm(stored.seed, from_snapshot(stored.pool), stored.count)
