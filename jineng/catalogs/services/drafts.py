"""Every write to catalog drafts: creating, copying, editing entries and discarding."""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.catalogs import locks, queries
from jineng.catalogs.errors import DuplicateEntry
from jineng.catalogs.models import (
    Catalog,
    CatalogChange,
    CatalogEntry,
    CatalogVersion,
    EntrySubsidy,
)
from jineng.catalogs.services.common import (
    editable,
    get_catalog,
    require,
    touch,
)
from jineng.catalogs.services.entries import CleanEntry, EntryInput, clean_entry
from jineng.core import audit
from jineng.core.errors import NotFound, ValidationFailed


def _clean_title(title: str) -> str:
    text = " ".join((title or "").split())
    if not text:
        raise ValidationFailed(_("The title is required."), field="title")
    if len(text) > 200:
        raise ValidationFailed(_("A title has at most 200 characters."), field="title")
    return text


def copy_entries(source: CatalogVersion, target: CatalogVersion) -> int:
    """Copy every entry of one version into another, with target groups and subsidies by
    target group; return the count."""
    entries = list(
        CatalogEntry.objects.filter(version=source).prefetch_related(
            "target_groups", "group_subsidies"
        )
    )
    groups = {e.key: [g.pk for g in e.target_groups.all()] for e in entries}
    amounts = {
        e.key: [(s.target_group_id, s.amount_fen) for s in e.group_subsidies.all()] for e in entries
    }
    copies = []
    for entry in entries:
        entry.pk = None
        entry.version = target
        copies.append(entry)
    created = CatalogEntry.objects.bulk_create(copies)
    through = CatalogEntry.target_groups.through
    through.objects.bulk_create(
        through(catalogentry_id=entry.pk, targetgroup_id=group_id)
        for entry in created
        for group_id in groups[entry.key]
    )
    EntrySubsidy.objects.bulk_create(
        EntrySubsidy(entry_id=entry.pk, target_group_id=group_id, amount_fen=fen)
        for entry in created
        for group_id, fen in amounts[entry.key]
    )
    return len(created)


def new_draft(
    catalog: Catalog, *, title: str, actor: Actor, effective_from: Any, note: str
) -> CatalogVersion:
    """Create an empty draft based on the latest published version (caller holds the lock)."""
    base = queries.latest_published(catalog.pk)
    last = CatalogVersion.objects.filter(catalog=catalog).order_by("-number").first()
    version = CatalogVersion.objects.create(
        catalog=catalog,
        number=(last.number + 1) if last else 1,
        title=_clean_title(title),
        note=(note or "").strip(),
        effective_from=effective_from,
        based_on=base,
        created_by=actor,
    )
    version.editors.add(actor)
    return version


@transaction.atomic(durable=True)
def create_draft(
    kind: str,
    *,
    title: str,
    actor: Actor,
    effective_from: datetime.date | None = None,
    note: str = "",
    copy_current: bool = True,
) -> CatalogVersion:
    """Start a new draft version (目录草稿), empty or copied from the latest published one."""
    require(actor, Capability.EDIT_CATALOGS)
    catalog = locks.catalog_for_update(get_catalog(kind).pk)
    version = new_draft(catalog, title=title, actor=actor, effective_from=effective_from, note=note)
    copied = copy_entries(version.based_on, version) if copy_current and version.based_on else 0
    audit.record(
        actor,
        "catalogs.version.created",
        version,
        data={
            "catalog": kind,
            "number": version.number,
            "based_on": version.based_on.number if version.based_on else None,
            "copied_entries": copied,
        },
    )
    return version


@transaction.atomic(durable=True)
def update_draft(
    version_id: int,
    *,
    actor: Actor,
    title: str,
    effective_from: datetime.date | None,
    note: str = "",
) -> CatalogVersion:
    """Change a draft's title, planned effective date and note."""
    require(actor, Capability.EDIT_CATALOGS)
    version = locks.version_for_update(version_id)
    editable(version)
    before = {
        "title": version.title,
        "effective_from": version.effective_from,
        "note": version.note,
    }
    version.title = _clean_title(title)
    version.effective_from = effective_from
    version.note = (note or "").strip()
    version.save(update_fields=["title", "effective_from", "note", "updated_at"])
    version.editors.add(actor)
    after = {"title": version.title, "effective_from": version.effective_from, "note": version.note}
    audit.record(
        actor, "catalogs.version.updated", version, data={"before": before, "after": after}
    )
    return version


def _entry_in(version: CatalogVersion, entry_id: int) -> CatalogEntry:
    entry = queries.with_relations(CatalogEntry.objects.filter(pk=entry_id, version=version))
    found = entry.first()
    if found is None:
        raise NotFound(_("No such entry in version {number}.").format(number=version.number))
    return found


def _version_of_entry(entry_id: int) -> CatalogVersion:
    version_id = CatalogEntry.objects.filter(pk=entry_id).values_list("version_id", flat=True)
    if not version_id:
        raise NotFound(_("No such catalog entry."))
    return locks.version_for_update(version_id[0])


def _check_key_free(version: CatalogVersion, key: str, *, exclude: int | None = None) -> None:
    clash = CatalogEntry.objects.filter(version=version, key=key)
    if exclude is not None:
        clash = clash.exclude(pk=exclude)
    if clash.exists():
        raise DuplicateEntry(
            _("Version {number} already has the entry {key}.").format(
                number=version.number, key=key
            ),
            field="key",
        )


def _set_group_subsidies(entry: CatalogEntry, clean: CleanEntry) -> None:
    """Make an entry's subsidy rows match the input: change amounts in place, add the new
    groups' rows and delete the rows of groups no longer named."""
    amounts = clean.group_amounts
    current = {
        row.target_group.code: row for row in entry.group_subsidies.select_related("target_group")
    }
    EntrySubsidy.objects.filter(
        pk__in=[row.pk for code, row in current.items() if code not in amounts]
    ).delete()
    for group, fen in clean.group_subsidies:
        row = current.get(group.code)
        if row is None:
            EntrySubsidy.objects.create(entry=entry, target_group=group, amount_fen=fen)
        elif row.amount_fen != fen:
            row.amount_fen = fen
            row.save(update_fields=["amount_fen"])


@transaction.atomic(durable=True)
def add_entry(version_id: int, data: EntryInput, *, actor: Actor) -> CatalogEntry:
    """Add one entry to a draft."""
    require(actor, Capability.EDIT_CATALOGS)
    version = locks.version_for_update(version_id)
    editable(version)
    clean = clean_entry(version.catalog.kind, data)
    _check_key_free(version, clean.key)
    entry = CatalogEntry.objects.create(version=version, key=clean.key, **clean.values)
    entry.target_groups.set(clean.target_groups)
    EntrySubsidy.objects.bulk_create(clean.subsidy_rows(entry))
    touch(version, actor)
    audit.record(
        actor,
        "catalogs.entry.created",
        entry,
        data={"version": version.pk, "key": entry.key, "after": queries.entry_snapshot(entry)},
    )
    return entry


@transaction.atomic(durable=True)
def update_entry(entry_id: int, data: EntryInput, *, actor: Actor) -> CatalogEntry:
    """Change one entry of a draft; a changed identity changes its key."""
    require(actor, Capability.EDIT_CATALOGS)
    version = _version_of_entry(entry_id)
    editable(version)
    entry = _entry_in(version, entry_id)
    before = queries.entry_snapshot(entry)
    old_key = entry.key
    clean = clean_entry(version.catalog.kind, data)
    _check_key_free(version, clean.key, exclude=entry.pk)
    entry.key = clean.key
    for name, value in clean.values.items():
        setattr(entry, name, value)
    entry.save()
    entry.target_groups.set(clean.target_groups)
    _set_group_subsidies(entry, clean)
    touch(version, actor)
    after = queries.entry_snapshot(_entry_in(version, entry.pk))
    audit.record(
        actor,
        "catalogs.entry.updated",
        entry,
        data={
            "version": version.pk,
            "key": entry.key,
            "old_key": old_key,
            "before": before,
            "after": after,
        },
    )
    return entry


@transaction.atomic(durable=True)
def remove_entry(entry_id: int, *, actor: Actor) -> None:
    """Take one entry out of a draft."""
    require(actor, Capability.EDIT_CATALOGS)
    version = _version_of_entry(entry_id)
    editable(version)
    entry = _entry_in(version, entry_id)
    audit.record(
        actor,
        "catalogs.entry.deleted",
        entry,
        data={"version": version.pk, "key": entry.key, "before": queries.entry_snapshot(entry)},
    )
    entry.delete()
    touch(version, actor)


@transaction.atomic(durable=True)
def discard_draft(version_id: int, *, actor: Actor) -> None:
    """Throw away a draft that will not be published, with its entries and reasons."""
    require(actor, Capability.EDIT_CATALOGS)
    version = locks.version_for_update(version_id)
    editable(version)
    audit.record(
        actor,
        "catalogs.version.discarded",
        version,
        data={"number": version.number, "entries": version.entries.count()},
    )
    CatalogChange.objects.filter(version=version).delete()
    version.delete()
