"""The pool of a draw (抽取范围): every active expert of the occupation, each with their
workload and, when they may not be picked, the reason in words.

Qualified means: in the pool, examining the occupation (or a category above it) up to at
least the level, and holding examiner qualifications (考评员) valid on every examination day.
Excluded, in this order: the expert is a candidate; works for the evaluating body or a
candidate's training institution or employer (their organisation in the pool, the
organisation of their sign-in account, or a tie of theirs in the people register on any
examination day); declared a relation to a candidate. Workload is the number of picks in
the year before the draw, cancelled draws included (their experts were named all the same).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from collections.abc import Sequence

from django.conf import settings
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from jineng.accreditations.queries import lineage_ids
from jineng.experts.choices import Exclusion, QualificationKind
from jineng.experts.draw import PoolEntry
from jineng.experts.models import DrawPick, Expert, ExpertRelation
from jineng.occupations.models import Occupation, SkillLevel
from jineng.people.models import Affiliation

WORKLOAD_DAYS = 365


def pool_experts(occupation: Occupation, on_date: datetime.date) -> list[Expert]:
    """Return the active experts examining the occupation on a day, by id, with what the
    pool needs loaded (their occupations and qualifications)."""
    lineage = lineage_ids(occupation)
    current = Q(occupations__occupation_id__in=lineage, occupations__started_on__lte=on_date) & (
        Q(occupations__ended_on__isnull=True) | Q(occupations__ended_on__gt=on_date)
    )
    ids = Expert.objects.active().filter(current).values("pk").distinct()
    return list(
        Expert.objects.filter(pk__in=ids)
        .select_related("organization", "user")
        .prefetch_related("occupations__max_level", "qualifications")
        .order_by("pk")
    )


def workloads(expert_ids: Sequence[int], *, now: datetime.datetime | None = None) -> dict[int, int]:
    """Count each expert's picks in the last year (their workload), cancelled draws included:
    a cancelled draw named its experts all the same, and not counting it would let a keeper
    cancel a draw to make its experts likelier next time."""
    since = (now or timezone.now()) - datetime.timedelta(days=WORKLOAD_DAYS)
    rows = (
        DrawPick.objects.filter(
            expert_id__in=list(expert_ids),
            draw__created_at__gte=since,
        )
        .values("expert_id")
        .annotate(n=Count("pk"))
        .order_by()
    )
    return {row["expert_id"]: row["n"] for row in rows}


def _organizations(
    experts: Sequence[Expert], on_date: datetime.date, end_date: datetime.date
) -> dict[int, set[int]]:
    """Each expert's organisations: the one in the pool, their sign-in account's, and their
    ties in the people register in force on any day from ``on_date`` to ``end_date``.

    A system read for the conflict check only (nothing about the ties is shown): the ties
    are read from the people register directly, as the register's own rule would not let
    the drawing account see every expert's ties.
    """
    found: dict[int, set[int]] = defaultdict(set)
    by_person = {e.person_id: e.pk for e in experts}
    for expert in experts:
        if expert.organization_id:
            found[expert.pk].add(expert.organization_id)
        if expert.user is not None and expert.user.organization_id:
            found[expert.pk].add(expert.user.organization_id)
    ties = Affiliation.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gt=on_date),
        started_on__lte=end_date,
        person_id__in=list(by_person),
    )
    for person_id, organization_id in ties.values_list("person_id", "organization_id"):
        found[by_person[person_id]].add(organization_id)
    return found


def _related(experts: Sequence[Expert], candidates: frozenset[int]) -> dict[int, list[str]]:
    found: dict[int, list[str]] = defaultdict(list)
    if not candidates:
        return found
    rows = ExpertRelation.objects.filter(
        expert_id__in=[e.pk for e in experts], person_id__in=list(candidates)
    ).order_by("pk")
    for relation in rows:
        found[relation.expert_id].append(str(relation.get_kind_display()))
    return found


def _level_reason(expert: Expert, level: SkillLevel | None, lineage: list[int]) -> str:
    """Return why the expert's occupations do not reach the level, or ''."""
    if level is None:
        return ""
    held = [o for o in expert.occupations.all() if o.occupation_id in lineage and o.is_current]
    if any(o.max_level.rank >= level.rank for o in held):
        return ""
    highest = max((o.max_level for o in held), key=lambda lv: lv.rank, default=None)
    return _("Examines this occupation only up to {level}; the draw is for {wanted}.").format(
        level=highest.name if highest else "-", wanted=level.name
    )


def _qualified(expert: Expert, on_date: datetime.date, end_date: datetime.date) -> bool:
    """Tell whether examiner cards cover every day from ``on_date`` to ``end_date``."""
    cards = sorted(
        (q.valid_from, q.valid_until)
        for q in expert.qualifications.all()
        if q.kind == QualificationKind.EXAMINER
    )
    day = on_date  # the first day not yet covered
    for valid_from, valid_until in cards:
        if valid_from > day:
            break
        if valid_until >= day:
            day = valid_until + datetime.timedelta(days=1)
        if day > end_date:
            return True
    return False


def build_pool(
    experts: Sequence[Expert],
    *,
    occupation: Occupation,
    level: SkillLevel | None,
    on_date: datetime.date,
    excluded_organization_ids: frozenset[int],
    candidate_person_ids: frozenset[int],
    end_date: datetime.date | None = None,
) -> list[PoolEntry]:
    """Return the pool entries of the experts, in id order, with reasons in the site's language.

    The examination days run from ``on_date`` to ``end_date`` (None: ``on_date`` only).
    """
    last_day = end_date or on_date
    loads = workloads([e.pk for e in experts])
    organizations = _organizations(experts, on_date, last_day)
    related = _related(experts, candidate_person_ids)
    lineage = lineage_ids(occupation)
    entries = []
    # The snapshot is a record: its reasons read in the site's language, whoever draws.
    with translation.override(settings.LANGUAGE_CODE):
        for expert in experts:
            code, reason = _exclusion(
                expert,
                level=level,
                lineage=lineage,
                on_date=on_date,
                end_date=last_day,
                conflicts=organizations[expert.pk] & excluded_organization_ids,
                is_candidate=expert.person_id in candidate_person_ids,
                relations=related.get(expert.pk, []),
            )
            entries.append(
                PoolEntry(
                    expert_id=expert.pk,
                    workload=loads.get(expert.pk, 0),
                    eligible=not code,
                    reason=reason,
                    code=code,
                )
            )
    return entries


def _exclusion(
    expert: Expert,
    *,
    level: SkillLevel | None,
    lineage: list[int],
    on_date: datetime.date,
    end_date: datetime.date,
    conflicts: set[int],
    is_candidate: bool,
    relations: list[str],
) -> tuple[str, str]:
    """Return the first reason the expert may not be picked (code, words), or ('', '')."""
    level_reason = _level_reason(expert, level, lineage)
    if level_reason:
        return Exclusion.LEVEL_TOO_LOW, level_reason
    if not _qualified(expert, on_date, end_date):
        if end_date == on_date:
            return Exclusion.NO_VALID_QUALIFICATION, _(
                "Holds no examiner qualification valid on {day}."
            ).format(day=on_date.isoformat())
        return Exclusion.NO_VALID_QUALIFICATION, _(
            "Holds no examiner qualification valid on every day from {first} to {last}."
        ).format(first=on_date.isoformat(), last=end_date.isoformat())
    if is_candidate:
        return Exclusion.IS_CANDIDATE, _("Is a candidate in this assessment.")
    if conflicts:
        return Exclusion.SAME_ORGANIZATION, _(
            "Works for the evaluating body or for a candidate's training institution or employer."
        )
    if relations:
        return Exclusion.DECLARED_RELATION, _(
            "Declared a relation to a candidate ({kinds})."
        ).format(kinds=", ".join(relations))
    return "", ""
