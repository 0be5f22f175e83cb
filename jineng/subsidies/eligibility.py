"""What the amounts read about a person, a class and earlier subsidies (Facts), cached.

The amounts ask the same few questions of every line: the person's target groups on a day,
the subsidies already granted to them (active claim lines), the certificates they hold,
whether the institution was accredited for the class, how many days they attended. ``Facts``
answers them from the database, once per person or class, and can be preloaded for many
people at a time; a simulation adds the lines it grants as it goes (``add``), so a person's
caps count the trainings replayed before theirs.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Q
from django.db.models.functions import TruncDate

from jineng.accreditations.choices import AccreditationKind
from jineng.accreditations.queries import first_day_out_of_scope
from jineng.attendance.models import Attendance
from jineng.catalogs.models import CatalogEntry
from jineng.catalogs.queries import subsidy_standards
from jineng.certificates.models import Certificate, CertificateStatus
from jineng.people.models import TargetGroupMembership
from jineng.subsidies.choices import SubsidyKind
from jineng.subsidies.models import ClaimLine, RuleAmount, RuleSet
from jineng.training.models import Enrolment, TrainingClass


@dataclass(frozen=True)
class Prior:
    """A subsidy already granted to a person: its kind, what for, and the year it counts in."""

    kind: str
    occupation_id: int | None
    level_rank: int | None
    year: int
    enrolment_id: int | None = None
    certificate_id: int | None = None


@dataclass(frozen=True)
class Held:
    """A certificate a person holds: occupation, level rank and the day it was issued."""

    certificate_id: int
    occupation_id: int | None
    level_rank: int | None
    issued_on: datetime.date


@dataclass(frozen=True)
class Membership:
    group: str
    valid_from: datetime.date
    valid_until: datetime.date | None

    def holds_on(self, day: datetime.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


class Facts:
    """Answer the amounts' questions from the database, caching each answer.

    ``before`` keeps only subsidies and certificates dated before that day (a replay of a
    year counts what came before the year, plus what it grants itself); ``exclude_claim``
    leaves one claim's own lines out (recomputing the lines of a claim).
    """

    def __init__(
        self, *, before: datetime.date | None = None, exclude_claim: int | None = None
    ) -> None:
        self.before = before
        self.exclude_claim = exclude_claim
        self._groups: dict[int, list[Membership]] = {}
        self._prior: dict[int, list[Prior]] = {}
        self._held: dict[int, list[Held]] = {}
        self._standards: dict[int, dict[str | None, int]] = {}
        self._scope: dict[int, tuple[datetime.date, str] | None] = {}
        self._amounts: dict[int, list[RuleAmount]] = {}
        self._days: dict[int, int] = {}

    # Preloading many people at once (a simulation) -------------------------------------

    def preload(self, person_ids: Iterable[int]) -> None:
        """Read the memberships, earlier subsidies and certificates of many people at once."""
        ids = [pk for pk in set(person_ids) if pk not in self._prior]
        if not ids:
            return
        for pk in ids:
            self._groups[pk], self._prior[pk], self._held[pk] = [], [], []
        for person_id, membership in self._read_memberships(ids):
            self._groups[person_id].append(membership)
        for person_id, prior in self._read_prior(ids):
            self._prior[person_id].append(prior)
        for person_id, held in self._read_held(ids):
            self._held[person_id].append(held)

    def _read_memberships(self, ids: list[int]) -> Iterable[tuple[int, Membership]]:
        rows = TargetGroupMembership.objects.filter(person_id__in=ids).values_list(
            "person_id", "group__code", "valid_from", "valid_until"
        )
        for person_id, code, start, end in rows.order_by():
            yield person_id, Membership(code, start, end)

    def _read_prior(self, ids: list[int]) -> Iterable[tuple[int, Prior]]:
        lines = ClaimLine.objects.filter(active=True, person_id__in=ids)
        if self.exclude_claim is not None:
            lines = lines.exclude(claim_id=self.exclude_claim)
        if self.before is not None:
            lines = lines.filter(
                Q(enrolment__training_class__ends_on__lt=self.before)
                | Q(certificate__issued_on__lt=self.before)
            )
        programme = "enrolment__training_class__programme__"
        rows = lines.values_list(
            "person_id",
            "kind",
            "enrolment_id",
            "certificate_id",
            f"{programme}occupation_id",
            f"{programme}skill_level__rank",
            "enrolment__training_class__ends_on",
            "certificate__occupation_id",
            "certificate__level__rank",
            "certificate__issued_on",
        )
        for row in rows.order_by():
            person_id, kind, enrolment_id, certificate_id = row[:4]
            if enrolment_id is not None:
                occupation_id, rank, day = row[4], row[5], row[6]
            else:
                occupation_id, rank, day = row[7], row[8], row[9]
            yield (
                person_id,
                Prior(kind, occupation_id, rank, day.year, enrolment_id, certificate_id),
            )

    def _read_held(self, ids: list[int]) -> Iterable[tuple[int, Held]]:
        certificates = Certificate.objects.filter(holder_id__in=ids, status=CertificateStatus.VALID)
        if self.before is not None:
            certificates = certificates.filter(issued_on__lt=self.before)
        rows = certificates.values_list(
            "holder_id", "pk", "occupation_id", "level__rank", "issued_on"
        )
        for holder_id, pk, occupation_id, rank, issued_on in rows.order_by():
            yield holder_id, Held(pk, occupation_id, rank, issued_on)

    # The questions -------------------------------------------------------------------

    def groups(self, person_id: int, on: datetime.date) -> list[str]:
        """The codes of the person's target groups on a day, sorted."""
        self.preload([person_id])
        return sorted({m.group for m in self._groups[person_id] if m.holds_on(on)})

    def prior(self, person_id: int) -> list[Prior]:
        """The subsidies already granted to the person (active lines, and those added)."""
        self.preload([person_id])
        return list(self._prior[person_id])

    def held(self, person_id: int) -> list[Held]:
        """The person's valid certificates."""
        self.preload([person_id])
        return list(self._held[person_id])

    def add(self, person_id: int, prior: Prior) -> None:
        """Count a subsidy granted in this run, as if its line were already active."""
        self.preload([person_id])
        self._prior[person_id].append(prior)

    def rule_amounts(self, rule_set: RuleSet) -> list[RuleAmount]:
        """A rule set's amounts with their level and group (rule sets never change once
        loaded, so one read serves a whole run)."""
        if rule_set.pk not in self._amounts:
            self._amounts[rule_set.pk] = list(
                rule_set.amounts.select_related("skill_level", "target_group")
            )
        return self._amounts[rule_set.pk]

    def standards(self, entry: CatalogEntry) -> dict[str | None, int]:
        """The catalog's standards of an entry, {None: base, group code: fen}."""
        if entry.pk not in self._standards:
            self._standards[entry.pk] = subsidy_standards(entry)
        return self._standards[entry.pk]

    def out_of_scope(self, training_class: TrainingClass) -> tuple[datetime.date, str] | None:
        """The first day of the class its institution was not accredited for it, or None."""
        if training_class.pk not in self._scope:
            programme = training_class.programme
            self._scope[training_class.pk] = first_day_out_of_scope(
                programme.organization,
                programme.occupation,
                programme.skill_level,
                AccreditationKind.TRAINING,
                training_class.starts_on,
                training_class.ends_on,
            )
        return self._scope[training_class.pk]

    def preload_days(self, enrolment_ids: Iterable[int]) -> None:
        """Count the attended days of many enrolments in one query."""
        ids = [pk for pk in set(enrolment_ids) if pk not in self._days]
        if not ids:
            return
        self._days.update(dict.fromkeys(ids, 0))
        rows = (
            Attendance.objects.filter(enrolment_id__in=ids)
            .counted()
            .annotate(day=TruncDate("session__starts_at"))
            .values_list("enrolment_id", "day")
            .distinct()
            .order_by()
        )
        for enrolment_id, _day in rows:
            self._days[enrolment_id] += 1

    def attended_days(self, enrolment: Enrolment) -> int:
        """The days the trainee checked in to at least one session, by counted check-ins."""
        self.preload_days([enrolment.pk])
        return self._days[enrolment.pk]


def training_prior(enrolment: Enrolment) -> Prior:
    """The Prior an enrolment's training line becomes once granted."""
    training_class = enrolment.training_class
    programme = training_class.programme
    return Prior(
        SubsidyKind.TRAINING,
        programme.occupation_id,
        programme.skill_level.rank if programme.skill_level else None,
        training_class.ends_on.year,
        enrolment_id=enrolment.pk,
    )


def group_prior(rows: Iterable[Prior]) -> dict[str, list[Prior]]:
    """Earlier subsidies by kind."""
    by_kind: dict[str, list[Prior]] = defaultdict(list)
    for row in rows:
        by_kind[row.kind].append(row)
    return by_kind
