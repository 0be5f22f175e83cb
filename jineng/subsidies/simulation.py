"""Replay a year under a rule set before the bureau adopts it (政策模拟测算).

``simulate(year, rule_set_id)`` computes, for every enrolment completed in the year (its
class ended then) and every certificate issued in it, the lines the rule set would pay:
training subsidy and living allowance for completers, skill upgrade subsidy for
certificates, each through ``amounts`` exactly as a claim would, the claim filed the day the
class ended or the certificate was issued. What was subsidised before the year counts
against the caps, and so does what the replay grants as it goes, in date order. It reports
the cost, the people covered and the split by target group and by town, beside the same
replay under the rule set in force today. Nothing is written.
"""

from __future__ import annotations

import datetime
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from django.db import transaction
from django.db.models import Prefetch
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.catalogs.models import EntrySubsidy
from jineng.certificates.models import Certificate, CertificateStatus
from jineng.core import audit
from jineng.core.errors import NotFound
from jineng.people.models import Person, TargetGroup
from jineng.subsidies import amounts
from jineng.subsidies.choices import SubsidyKind
from jineng.subsidies.eligibility import Facts, training_prior
from jineng.subsidies.errors import Refused
from jineng.subsidies.models import RuleSet
from jineng.subsidies.rules import rule_set_in_force
from jineng.training.choices import EnrolmentStatus
from jineng.training.models import Enrolment

# People whose earlier subsidies and groups are read at a time.
CHUNK = 1000
Progress = Callable[[int, int], None]


@dataclass
class Split:
    """One row of a split: a target group or a town, its people and cost."""

    key: str
    label: str
    people: int = 0
    cost_fen: int = 0

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "people": self.people,
            "cost_fen": self.cost_fen,
        }


@dataclass
class Outcome:
    """What one rule set would pay for the year."""

    rule_set: RuleSet
    cost_fen: int = 0
    people: int = 0
    lines: int = 0
    by_kind: dict[str, int] = field(default_factory=dict)
    refused: dict[str, int] = field(default_factory=dict)
    by_group: list[Split] = field(default_factory=list)
    by_town: list[Split] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "rule_set": {
                "id": self.rule_set.pk,
                "number": self.rule_set.number,
                "title": self.rule_set.title,
                "is_example": self.rule_set.is_example,
            },
            "cost_fen": self.cost_fen,
            "people": self.people,
            "lines": self.lines,
            "by_kind": dict(self.by_kind),
            "refused": dict(self.refused),
            "by_group": [s.as_dict() for s in self.by_group],
            "by_town": [s.as_dict() for s in self.by_town],
        }


@dataclass
class Simulation:
    """A year replayed under a proposed rule set, beside the rule set in force."""

    year: int
    completions: int
    certificates: int
    proposed: Outcome
    in_force: Outcome | None

    @property
    def difference_fen(self) -> int | None:
        if self.in_force is None:
            return None
        return self.proposed.cost_fen - self.in_force.cost_fen

    def as_dict(self) -> dict[str, Any]:
        return {
            "year": self.year,
            "completions": self.completions,
            "certificates": self.certificates,
            "proposed": self.proposed.as_dict(),
            "in_force": self.in_force.as_dict() if self.in_force else None,
            "difference_fen": self.difference_fen,
        }


def _completions(year: int) -> list[Enrolment]:
    return list(
        Enrolment.objects.filter(
            status=EnrolmentStatus.COMPLETED, training_class__ends_on__year=year
        )
        .select_related(
            "person__town",
            "person__region",
            "training_class__programme__organization",
            "training_class__programme__occupation",
            "training_class__programme__skill_level",
            "training_class__catalog_entry__occupation",
            "training_class__catalog_entry__skill_level",
            "training_class__catalog_entry__organization",
        )
        .prefetch_related(
            "training_class__catalog_entry__target_groups",
            Prefetch(
                "training_class__catalog_entry__group_subsidies",
                queryset=EntrySubsidy.objects.select_related("target_group"),
            ),
        )
        .order_by("training_class__ends_on", "pk")
    )


def _certificates(year: int) -> list[Certificate]:
    return list(
        Certificate.objects.filter(
            status=CertificateStatus.VALID,
            issued_on__year=year,
            kind__in=amounts.UPGRADE_KINDS,
            level__isnull=False,
        )
        .select_related("holder__town", "holder__region", "occupation", "level")
        .order_by("issued_on", "pk")
    )


Event = tuple[datetime.date, int, Enrolment | Certificate]


def _events(enrolments: list[Enrolment], certificates: list[Certificate]) -> list[Event]:
    """Completions and certificates in the order their claims would be filed."""
    events: list[Event] = [(e.training_class.ends_on, 0, e) for e in enrolments]
    events += [(c.issued_on, 1, c) for c in certificates]
    events.sort(key=lambda event: (event[0], event[1], event[2].pk))
    return events


def _chunks(events: list[Event]) -> Iterator[list[Event]]:
    it = iter(events)
    while chunk := list(islice(it, CHUNK)):
        yield chunk


def _town(person: Person) -> tuple[str, str]:
    place = person.town or person.region
    return place.code, place.name


class _Tally:
    def __init__(self, rule_set: RuleSet) -> None:
        self.outcome = Outcome(rule_set)
        self.people: set[int] = set()
        self.kind: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()
        self.group_cost: Counter[str] = Counter()
        self.group_people: dict[str, set[int]] = defaultdict(set)
        self.town_cost: Counter[str] = Counter()
        self.town_people: dict[str, set[int]] = defaultdict(set)
        self.town_names: dict[str, str] = {}

    def paid(self, person: Person, kind: str, line: amounts.Computation) -> None:
        self.outcome.lines += 1
        self.kind[kind] += line.amount_fen
        if line.amount_fen <= 0:
            return
        self.people.add(person.pk)
        self.group_cost[line.group] += line.amount_fen
        self.group_people[line.group].add(person.pk)
        code, name = _town(person)
        self.town_names[code] = name
        self.town_cost[code] += line.amount_fen
        self.town_people[code].add(person.pk)

    def finish(self) -> Outcome:
        outcome = self.outcome
        outcome.cost_fen = sum(self.kind.values())
        outcome.people = len(self.people)
        outcome.by_kind = dict(self.kind)
        outcome.refused = dict(sorted(self.refused.items()))
        names = dict(TargetGroup.objects.values_list("code", "name"))
        outcome.by_group = sorted(
            (
                Split(
                    code,
                    names.get(code, code) if code else _("No target group (base standard)"),
                    len(self.group_people[code]),
                    cost,
                )
                for code, cost in self.group_cost.items()
            ),
            key=lambda s: (-s.cost_fen, s.key),
        )
        outcome.by_town = sorted(
            (
                Split(code, self.town_names[code], len(self.town_people[code]), cost)
                for code, cost in self.town_cost.items()
            ),
            key=lambda s: (-s.cost_fen, s.key),
        )
        return outcome


def _try(tally: _Tally, compute: Callable[[], amounts.Computation]) -> amounts.Computation | None:
    try:
        return compute()
    except Refused as refused:
        tally.refused[refused.rule] += 1
        return None


def _replay(
    rule_set: RuleSet, year: int, events: list[Event], progress: Progress | None
) -> Outcome:
    facts = Facts(before=datetime.date(year, 1, 1))
    tally = _Tally(rule_set)
    done = 0
    for chunk in _chunks(events):
        facts.preload(
            e.person_id if isinstance(e, Enrolment) else e.holder_id for _d, _k, e in chunk
        )
        facts.preload_days(e.pk for _d, _k, e in chunk if isinstance(e, Enrolment))
        for _day, _kind, item in chunk:
            if isinstance(item, Enrolment):
                _replay_completion(rule_set, item, facts, tally)
            else:
                _replay_certificate(rule_set, item, facts, tally)
            done += 1
        if progress:
            progress(done, len(events))
    return tally.finish()


def _replay_completion(rule_set: RuleSet, enrolment: Enrolment, facts: Facts, t: _Tally) -> None:
    on = enrolment.training_class.ends_on
    line = _try(t, lambda: amounts.training_line(enrolment, rule_set, on=on, facts=facts))
    if line is not None:
        t.paid(enrolment.person, SubsidyKind.TRAINING, line)
        facts.add(enrolment.person_id, training_prior(enrolment))
    living = _try(t, lambda: amounts.living_line(enrolment, rule_set, on=on, facts=facts))
    if living is not None:
        t.paid(enrolment.person, SubsidyKind.LIVING, living)


def _replay_certificate(
    rule_set: RuleSet, certificate: Certificate, facts: Facts, t: _Tally
) -> None:
    on = certificate.issued_on
    line = _try(t, lambda: amounts.skill_upgrade_line(certificate, rule_set, on=on, facts=facts))
    if line is not None:
        t.paid(certificate.holder, SubsidyKind.SKILL_UPGRADE, line)
        facts.add(certificate.holder_id, amounts.upgrade_prior(certificate))


def simulate(
    year: int,
    rule_set_id: int,
    *,
    progress: Progress | None = None,
    compare: bool = True,
) -> Simulation:
    """Replay a year's completions and certificates under a rule set (a draft, typically),
    and, unless ``compare`` is false, under the rule set in force today."""
    rule_set = RuleSet.objects.filter(pk=rule_set_id).first()
    if rule_set is None:
        raise NotFound(_("No such rule set."))
    enrolments = _completions(year)
    certificates = _certificates(year)
    events = _events(enrolments, certificates)
    proposed = _replay(rule_set, year, events, progress)
    current = rule_set_in_force(timezone.localdate()) if compare else None
    in_force = None
    if current is not None and current.pk != rule_set.pk:
        in_force = _replay(current, year, events, progress)
    return Simulation(year, len(enrolments), len(certificates), proposed, in_force)


@transaction.atomic(durable=True)
def record_simulation(simulation: Simulation, *, actor: Actor | None) -> None:
    """Keep in the audit trail that the bureau simulated a rule set, and what it found."""
    audit.record(
        actor,
        "subsidies.ruleset.simulated",
        simulation.proposed.rule_set,
        data={
            "number": simulation.proposed.rule_set.number,
            "year": simulation.year,
            "cost_fen": simulation.proposed.cost_fen,
            "people": simulation.proposed.people,
        },
    )
