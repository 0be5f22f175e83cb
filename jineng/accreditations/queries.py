"""Reads of accreditation that other apps rely on, above all ``is_accredited``.

``is_accredited(organization, occupation, level, kind, on_date)`` is the single answer to
"may this organisation train (or evaluate) this occupation at this level on this date?". It is
True only when one licence of that kind, on that date, covers all of:

- the occupation itself, or a category above it in the classification;
- the level, at or below the licence's highest level (compared by ``SkillLevel.rank``);
- the date: ``valid_from <= on_date <= valid_until`` (the expiry date is the last valid day),
  before ``withdrawn_on``, and outside every suspension (``starts_on <= d < ends_on``).
"""

from __future__ import annotations

import datetime

from jineng.accreditations.choices import AccreditationKind, AccreditationStatus
from jineng.accreditations.models import Accreditation, AccreditationQuerySet
from jineng.occupations.models import Occupation, SkillLevel
from jineng.organizations.models import Organization

# The classification has four levels, so an occupation has at most three ancestors.
MAX_DEPTH = 4


def lineage_ids(occupation: Occupation) -> list[int]:
    """Return the occupation's id and the ids of the categories above it.

    Categories already loaded with the occupation (``select_related("occupation__parent__
    parent__parent")``) cost nothing; the rest of the chain is read in one query.
    """
    ids = [occupation.pk]
    node = occupation
    while node.parent_id is not None and len(ids) <= MAX_DEPTH:
        ids.append(node.parent_id)
        if not Occupation.parent.is_cached(node):
            return ids + _ancestor_ids(node.parent_id, MAX_DEPTH + 1 - len(ids))
        parent = node.parent
        if parent is None:  # parent_id is set, so the row exists (PROTECT)
            break
        node = parent
    return ids


def _ancestor_ids(occupation_id: int, depth: int) -> list[int]:
    """The ids of up to ``depth`` categories above an occupation, nearest first, in one query."""
    if depth <= 0:
        return []
    lookups = ["__".join(["parent"] * n) + "_id" for n in range(1, depth + 1)]
    row = Occupation.objects.filter(pk=occupation_id).order_by().values_list(*lookups).first()
    ancestors = []
    for ancestor_id in row or ():
        if ancestor_id is None:
            break
        ancestors.append(ancestor_id)
    return ancestors


def covering(
    occupation: Occupation,
    level: SkillLevel | None,
    kind: str,
    on_date: datetime.date,
    *,
    evaluation_kind: str | None = None,
) -> AccreditationQuerySet:
    """Licences of a kind in force on a date that cover an occupation at a level.

    ``level=None`` asks about an item without levels (a 专项职业能力 item): any licence
    for the occupation covers it.
    """
    licences = Accreditation.objects.filter(
        kind=kind, occupation_id__in=lineage_ids(occupation)
    ).valid_on(on_date)
    if level is not None:
        licences = licences.filter(max_level__rank__gte=level.rank)
    if evaluation_kind:
        licences = licences.filter(evaluation_kind=evaluation_kind)
    return licences


def is_accredited(
    organization: Organization,
    occupation: Occupation,
    level: SkillLevel | None,
    kind: str,
    on_date: datetime.date,
    *,
    evaluation_kind: str | None = None,
) -> bool:
    """Tell whether an organisation is accredited for an occupation and level on a date."""
    if kind not in AccreditationKind.values:
        raise ValueError(f"Unknown accreditation kind {kind!r}.")
    return (
        covering(occupation, level, kind, on_date, evaluation_kind=evaluation_kind)
        .filter(organization=organization)
        .exists()
    )


def first_day_out_of_scope(
    organization: Organization,
    occupation: Occupation,
    level: SkillLevel | None,
    kind: str,
    first_day: datetime.date,
    last_day: datetime.date,
) -> tuple[datetime.date, str] | None:
    """Find the first day from ``first_day`` to ``last_day`` on which ``is_accredited`` is False.

    Returns None when the organisation is accredited on every day of the span; else that day
    and the state on it (an ``AccreditationStatus`` value) of its latest licence for the
    occupation and level, or "" when it holds none. The licences are those ``covering()``
    finds, read once without the date; being accredited can change only on a day one of them
    starts, lapses, is withdrawn, suspended or restored, so only those days are checked, each
    by the licence's own ``status_on()``.
    """
    if kind not in AccreditationKind.values:
        raise ValueError(f"Unknown accreditation kind {kind!r}.")
    licences = Accreditation.objects.filter(
        organization=organization,
        kind=kind,
        occupation_id__in=lineage_ids(occupation),
        valid_from__lte=last_day,
    )
    if level is not None:
        licences = licences.filter(max_level__rank__gte=level.rank)
    held = list(licences.prefetch_related("suspensions"))
    days: set[datetime.date | None] = {first_day}
    for licence in held:
        days.update([licence.valid_from, licence.valid_until + datetime.timedelta(days=1)])
        days.add(licence.withdrawn_on)
        for suspension in licence.suspensions.all():
            days.update([suspension.starts_on, suspension.ends_on])
    active = AccreditationStatus.ACTIVE
    for day in sorted(d for d in days if d is not None and first_day <= d <= last_day):
        if not any(licence.status_on(day) == active for licence in held):
            break
    else:
        return None
    if not held:
        return day, ""
    latest = max(held, key=lambda licence: (licence.valid_from <= day, licence.valid_until))
    return day, latest.status_on(day).value


def active_accreditations(kind: str, on_date: datetime.date) -> AccreditationQuerySet:
    """Every licence of a kind in force on a date, for building a catalog version from."""
    return (
        Accreditation.objects.filter(kind=kind)
        .valid_on(on_date)
        .select_related("organization", "organization__region", "occupation", "max_level")
        .order_by("organization__credit_code", "occupation__code", "evaluation_kind", "pk")
    )
