"""The draw of examiners (抽取考评员) as a pure function: same seed and pool, same picks.

Balancing first, chance second: the experts with the fewest picks in the last year come
first, and among experts with equal workload the order is the SHA-256 of the seed and the
expert's id, so nobody can steer it without changing the recorded seed. Anyone holding a
draw's seed and pool snapshot can recompute its picks with ``pick``.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from jineng.experts.errors import TooFewExperts

ALGORITHM = "sha256-workload-v1"


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


def pick(seed: str, pool: Sequence[PoolEntry], count: int) -> list[int]:
    """Pick ``count`` distinct eligible experts: lowest workload first, seeded order within.

    Raises TooFewExperts when fewer eligible experts remain than needed.
    """
    if count < 1:
        raise ValueError("a draw picks at least one expert")
    eligible = eligible_entries(pool)
    if len(eligible) < count:
        raise TooFewExperts(available=len(eligible), needed=count)
    ranked = sorted(eligible, key=lambda e: (e.workload, tie_break(seed, e.expert_id), e.expert_id))
    return [entry.expert_id for entry in ranked[:count]]


def snapshot(pool: Sequence[PoolEntry]) -> list[dict[str, Any]]:
    """Return the pool as stored on a draw."""
    return [entry.as_dict() for entry in pool]


def from_snapshot(data: Sequence[Mapping[str, Any]]) -> list[PoolEntry]:
    """Read a stored pool back."""
    return [PoolEntry.from_dict(item) for item in data]


class StoredDraw(Protocol):
    """What ``reproduce`` reads of a draw: its seed, pool snapshot and number of picks."""

    seed: str
    pool: Any
    count: int


def reproduce(stored: StoredDraw) -> list[int]:
    """Recompute a stored draw's picks from its seed and pool snapshot alone."""
    return pick(stored.seed, from_snapshot(stored.pool), stored.count)
