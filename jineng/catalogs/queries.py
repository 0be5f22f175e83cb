"""Reads about catalogs for pages, the API and other apps: current version, diff, history."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch, Q, QuerySet
from django.utils import timezone

from jineng.catalogs.choices import PUBLIC_STATUSES, CatalogKind, ChangeReason, EntryStatus
from jineng.catalogs.models import (
    CatalogAppeal,
    CatalogChange,
    CatalogEntry,
    CatalogVersion,
    EntrySubsidy,
)

# The fields of an entry that a diff compares, in display order.
ENTRY_FIELDS = (
    "title",
    "occupation",
    "skill_level",
    "training_type",
    "organization",
    "region",
    "target_groups",
    "subsidy_fen",
    "group_subsidy_fen",
    "min_hours",
    "age_min",
    "age_max",
    "valid_from",
    "valid_until",
    "status",
    "attributes",
)


def with_relations(entries: QuerySet[CatalogEntry]) -> QuerySet[CatalogEntry]:
    """Load what showing, exporting or diffing entries needs, in a fixed number of queries."""
    return entries.select_related(
        "occupation", "skill_level", "organization", "region"
    ).prefetch_related("target_groups", group_subsidies_prefetch())


def group_subsidies_prefetch(lookup: str = "group_subsidies") -> Prefetch:
    """Prefetch entries' subsidies by target group with their groups, in one query."""
    rows = EntrySubsidy.objects.select_related("target_group").order_by("target_group__code")
    return Prefetch(lookup, queryset=rows)


def entry_snapshot(entry: CatalogEntry) -> dict[str, Any]:
    """Return an entry's compared fields as plain, comparable values (codes, ISO dates)."""
    return {
        "title": entry.title,
        "occupation": entry.occupation.code if entry.occupation is not None else None,
        "skill_level": entry.skill_level.code if entry.skill_level is not None else None,
        "training_type": entry.training_type or None,
        "organization": entry.organization.credit_code if entry.organization is not None else None,
        "region": entry.region.code if entry.region is not None else None,
        "target_groups": sorted(g.code for g in entry.target_groups.all()),
        "subsidy_fen": entry.subsidy_fen,
        "group_subsidy_fen": entry.group_amounts,
        "min_hours": entry.min_hours,
        "age_min": entry.age_min,
        "age_max": entry.age_max,
        "valid_from": entry.valid_from.isoformat() if entry.valid_from else None,
        "valid_until": entry.valid_until.isoformat() if entry.valid_until else None,
        "status": entry.status,
        "attributes": entry.attributes or {},
    }


def subsidy_standards(entry: CatalogEntry) -> dict[str | None, int]:
    """Return an entry's subsidy standards in fen: {None: the base subsidy, if set, and
    each target group's code: its own amount}. A group not named gets the base amount;
    an entry with neither pays no subsidy. The standards hold from the effective date of
    the entry's version until the next version takes over. One query per call unless the
    entry was loaded through with_relations."""
    standards: dict[str | None, int] = {}
    if entry.subsidy_fen is not None:
        standards[None] = entry.subsidy_fen
    standards.update(entry.group_amounts)
    return standards


def snapshots(version: CatalogVersion | None) -> dict[str, dict[str, Any]]:
    """Return every entry of a version as {key: snapshot} (empty for no version)."""
    if version is None:
        return {}
    entries = with_relations(CatalogEntry.objects.filter(version=version))
    return {entry.key: entry_snapshot(entry) for entry in entries}


@dataclass(frozen=True)
class FieldChange:
    """One field of an entry that differs between two versions."""

    field: str
    old: Any
    new: Any


@dataclass(frozen=True)
class EntryDiff:
    """How one entry (by key) differs between two versions."""

    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fields: tuple[FieldChange, ...] = ()

    @property
    def kind(self) -> str:
        """added, removed or changed."""
        if self.before is None:
            return "added"
        if self.after is None:
            return "removed"
        return "changed"

    @property
    def allowed_reasons(self) -> tuple[str, ...]:
        """The change reasons that can explain this difference."""
        if self.before is None:
            return (ChangeReason.ADDED, ChangeReason.RESTORED)
        if self.after is None:
            return (ChangeReason.REMOVED,)
        was, now = self.before["status"], self.after["status"]
        if was == EntryStatus.ACTIVE and now == EntryStatus.SUSPENDED:
            return (ChangeReason.SUSPENDED,)
        if was == EntryStatus.SUSPENDED and now == EntryStatus.ACTIVE:
            return (ChangeReason.RESTORED,)
        return (ChangeReason.CHANGED,)

    def as_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "kind": self.kind,
            "before": self.before,
            "after": self.after,
            "fields": [{"field": f.field, "old": f.old, "new": f.new} for f in self.fields],
        }


@dataclass(frozen=True)
class Diff:
    """What was added, removed and changed from one version to another, by key."""

    added: list[EntryDiff] = field(default_factory=list)
    removed: list[EntryDiff] = field(default_factory=list)
    changed: list[EntryDiff] = field(default_factory=list)

    @property
    def items(self) -> list[EntryDiff]:
        """Every difference, ordered by key."""
        return sorted([*self.added, *self.removed, *self.changed], key=lambda d: d.key)

    def by_key(self) -> dict[str, EntryDiff]:
        return {d.key: d for d in self.items}

    def __bool__(self) -> bool:
        return bool(self.added or self.removed or self.changed)


def diff_snapshots(old: dict[str, dict[str, Any]], new: dict[str, dict[str, Any]]) -> Diff:
    """Compare two {key: snapshot} maps field by field."""
    result = Diff()
    for key in sorted(old.keys() | new.keys()):
        before, after = old.get(key), new.get(key)
        if before is None:
            result.added.append(EntryDiff(key, None, after))
        elif after is None:
            result.removed.append(EntryDiff(key, before, None))
        else:
            fields = tuple(
                FieldChange(name, before[name], after[name])
                for name in ENTRY_FIELDS
                if before[name] != after[name]
            )
            if fields:
                result.changed.append(EntryDiff(key, before, after, fields))
    return result


def diff(version_a: CatalogVersion | None, version_b: CatalogVersion | None) -> Diff:
    """Return how version_b differs from version_a: added, removed and changed entries."""
    return diff_snapshots(snapshots(version_a), snapshots(version_b))


def current_version(kind: str, on: datetime.date | None = None) -> CatalogVersion | None:
    """Return the version in force on a day (today by default): the latest published one
    whose effective date has come. A version published for a later day takes over on
    that day with no job: the answer changes as the date does."""
    day = on or timezone.localdate()
    return (
        CatalogVersion.objects.filter(
            catalog__kind=kind, status__in=PUBLIC_STATUSES, effective_from__lte=day
        )
        .select_related("catalog", "published_by")
        .order_by("-effective_from")
        .first()
    )


def upcoming_version(kind: str, on: datetime.date | None = None) -> CatalogVersion | None:
    """Return a published version that takes effect after the day, if any."""
    day = on or timezone.localdate()
    return (
        CatalogVersion.objects.filter(
            catalog__kind=kind, status__in=PUBLIC_STATUSES, effective_from__gt=day
        )
        .select_related("catalog")
        .order_by("effective_from")
        .first()
    )


def latest_published(catalog_id: int) -> CatalogVersion | None:
    """Return the latest published version of a catalog, current or about to take effect."""
    return CatalogVersion.objects.filter(catalog_id=catalog_id, status="published").first()


def public_versions(kind: str) -> QuerySet[CatalogVersion]:
    """Published and superseded versions of a catalog, newest first."""
    return (
        CatalogVersion.objects.public()
        .filter(catalog__kind=kind)
        .select_related("catalog")
        .order_by("-effective_from")
    )


@dataclass(frozen=True)
class EntryFilters:
    """Ways to search a version's entries; empty values do not filter."""

    q: str = ""
    occupation: str = ""
    level: str = ""
    town: str = ""
    target_group: str = ""
    training_type: str = ""
    organization: str = ""
    status: str = ""


def filter_entries(
    entries: QuerySet[CatalogEntry], filters: EntryFilters
) -> QuerySet[CatalogEntry]:
    """Apply search filters to entries: occupation code or name, level, town, group, type."""
    if filters.q:
        text = filters.q.strip()
        entries = entries.filter(
            Q(occupation__name__icontains=text)
            | Q(occupation__code__startswith=text)
            | Q(title__icontains=text)
            | Q(organization__name__icontains=text)
            | Q(key__icontains=text)
        )
    if filters.occupation:
        entries = entries.filter(occupation__code__startswith=filters.occupation.strip())
    if filters.level:
        entries = entries.filter(skill_level__code=filters.level)
    if filters.town:
        entries = entries.filter(
            Q(region__code__startswith=filters.town)
            | Q(organization__region__code__startswith=filters.town)
        )
    if filters.target_group:
        # An entry that names no target group is open to everyone.
        through = CatalogEntry.target_groups.through
        named = through.objects.filter(catalogentry_id=OuterRef("pk"))
        entries = entries.filter(
            Exists(named.filter(targetgroup__code=filters.target_group)) | ~Exists(named)
        )
    if filters.training_type:
        entries = entries.filter(training_type=filters.training_type)
    if filters.organization:
        entries = entries.filter(organization__credit_code=filters.organization.strip().upper())
    if filters.status:
        entries = entries.filter(status=filters.status)
    return entries


def version_entries(
    version: CatalogVersion, filters: EntryFilters | None = None
) -> QuerySet[CatalogEntry]:
    """Entries of a version with their relations, ordered by occupation, level and key."""
    entries = with_relations(CatalogEntry.objects.filter(version=version))
    if filters is not None:
        entries = filter_entries(entries, filters)
    return entries.order_by("occupation__code", "skill_level__rank", "key")


def changes_of(versions: QuerySet[CatalogVersion]) -> QuerySet[CatalogChange]:
    """Changes of some versions with their appeals, newest version first."""
    appeals = CatalogAppeal.objects.select_related("organization").order_by("id")
    return (
        CatalogChange.objects.filter(version__in=versions)
        .select_related("version", "version__catalog", "organization")
        .prefetch_related(Prefetch("appeals", queryset=appeals))
        .order_by("-version__effective_from", "-version__number", "key")
    )


def change_log(kind: str) -> QuerySet[CatalogChange]:
    """The public change log of a catalog: every published change with reasons and appeals."""
    return changes_of(public_versions(kind))


@dataclass(frozen=True)
class HistoryItem:
    """An entry as it stood in one published version, with the reason it changed there."""

    version: CatalogVersion
    snapshot: dict[str, Any] | None
    change: CatalogChange | None


def entry_history(kind: str, key: str) -> list[HistoryItem]:
    """Return an entry's life across published versions, oldest first (None = absent)."""
    versions = list(public_versions(kind).order_by("effective_from"))
    entries = with_relations(CatalogEntry.objects.filter(version__in=versions, key=key))
    by_version = {entry.version_id: entry_snapshot(entry) for entry in entries}
    changes = {c.version_id: c for c in changes_of(public_versions(kind)).filter(key=key)}
    items = []
    for version in versions:
        snapshot = by_version.get(version.pk)
        change = changes.get(version.pk)
        if snapshot is None and change is None:
            continue
        items.append(HistoryItem(version, snapshot, change))
    return items


def organization_history(organization_id: int) -> QuerySet[CatalogChange]:
    """Published catalog changes concerning an organisation, newest first."""
    return changes_of(CatalogVersion.objects.public()).filter(organization_id=organization_id)


def organization_entries(
    organization_id: int, on: datetime.date | None = None
) -> list[CatalogEntry]:
    """The organisation's entries in each catalog's current version."""
    result: list[CatalogEntry] = []
    for kind in CatalogKind.values:
        version = current_version(kind, on)
        if version is None:
            continue
        entries = version_entries(version, EntryFilters()).filter(organization_id=organization_id)
        result.extend(entries)
    return result
