"""What a fraud rule is: its registration, the thresholds it reads and the hits it yields."""

from __future__ import annotations

import datetime
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import Literal

from django.utils.functional import Promise

# What a hit does (FRAUD_RULES.md conventions): *block* refuses a deterministic policy
# violation, *hold* withholds payment and opens a case, *flag* opens a case for review only.
Action = Literal["block", "hold", "flag"]
# What a hit is about: the person, class, organisation, session, claim or account it names.
Subject = Literal["person", "class", "organization", "session", "claim", "account"]
Threshold = int | float | str | bool
Evidence = dict[str, int | float | str | bool | None]

# An alert keeps at most this many evidence rows; the count says how many there were.
MAX_EVIDENCE_ROWS = 50


@dataclass(frozen=True)
class Window:
    """The part of the data a run looks at: everything, or what changed from ``since``."""

    since: datetime.datetime | None = None
    # Limit a run to these classes or people (a check on write); empty means no limit.
    class_ids: frozenset[int] = frozenset()
    person_ids: frozenset[int] = frozenset()


@dataclass(frozen=True)
class Hit:
    """One subject that breaks a rule, with the rows that show it."""

    subject: Subject
    subject_id: int
    # Tells this hit apart from others of the same rule and subject (e.g. "device:ab12|s:5"),
    # so that a second scan finds the alert already open instead of opening another.
    key: str
    # In words, for staff and (where lawful) the person affected: what was found.
    summary: str
    evidence: tuple[Evidence, ...] = ()
    evidence_count: int = 0
    # Whom and what the hit concerns: the claims of these are held.
    person_ids: tuple[int, ...] = ()
    class_ids: tuple[int, ...] = ()
    organization_ids: tuple[int, ...] = ()


Check = Callable[[Mapping[str, Threshold], Window], Iterator[Hit]]


@dataclass(frozen=True)
class RuleSpec:
    """A rule as the code defines it; its thresholds in force are data (``fraud.FraudRule``)."""

    code: str
    name: str | Promise
    action: Action
    defaults: Mapping[str, Threshold]
    check: Check
    # What the rule looks for, in words, shown beside it and in every alert it opens.
    explanation: str | Promise = ""
    # The feeds it needs beyond the platform's own data (⟂ rules), empty for none.
    needs: tuple[str, ...] = field(default=())
    # Each threshold's meaning in people's words, by key (the rule's page labels them so);
    # a key without one is labelled from the engine's common words (fraud.thresholds).
    labels: Mapping[str, str | Promise] = field(default_factory=dict)


REGISTRY: dict[str, RuleSpec] = {}


def rule(
    code: str,
    *,
    name: str | Promise,
    action: Action,
    defaults: Mapping[str, Threshold],
    explanation: str | Promise = "",
    labels: Mapping[str, str | Promise] | None = None,
) -> Callable[[Check], Check]:
    """Register a rule's check under its code (R01 …); a code is registered once."""

    def register(check: Check) -> Check:
        if code in REGISTRY:
            raise ValueError(f"fraud rule {code} is registered twice")
        REGISTRY[code] = RuleSpec(
            code, name, action, dict(defaults), check, explanation, labels=dict(labels or {})
        )
        return check

    return register


def evidence_rows(rows: list[Evidence]) -> tuple[tuple[Evidence, ...], int]:
    """Keep the first ``MAX_EVIDENCE_ROWS`` rows and say how many there were."""
    return tuple(rows[:MAX_EVIDENCE_ROWS]), len(rows)
