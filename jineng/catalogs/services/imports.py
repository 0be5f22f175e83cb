"""Import a new draft version of a catalog from an xlsx or csv file (批量导入)."""

from __future__ import annotations

import datetime
import hashlib
import io
from collections import defaultdict
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.catalogs import locks, queries
from jineng.catalogs.errors import ImportFailed, StaleDraft
from jineng.catalogs.importers.reader import ImportPlan, limits, plan_import
from jineng.catalogs.models import CatalogEntry, CatalogVersion, EntrySubsidy
from jineng.catalogs.services.common import get_catalog, require
from jineng.catalogs.services.drafts import new_draft
from jineng.catalogs.services.review import ChangeInput, write_changes
from jineng.core import audit
from jineng.core.tabular import Source, read_bytes


@dataclass(frozen=True)
class ImportResult:
    """The draft a file became, and the differences that still need a reason."""

    version: CatalogVersion
    entries: int
    changes: int
    unexplained: list[str]


def import_draft(
    kind: str,
    source: Source | bytes,
    filename: str | None = None,
    *,
    title: str,
    actor: Actor,
    effective_from: datetime.date | None = None,
    note: str = "",
) -> ImportResult:
    """Check a whole file, then create a draft from it, or raise ImportFailed and write nothing.

    The file lists the new version's entries; a row whose reason is 退出 names an entry of the
    previous version to leave out. Reasons given in the file are recorded with the draft.
    ``source`` is the upload (or a path, or its bytes); nothing of it is read before the
    actor's role is checked, and no more of it than the upload limit.
    """
    require(actor, Capability.EDIT_CATALOGS)
    name, content = read_bytes(
        io.BytesIO(source) if isinstance(source, bytes) else source, limits().max_bytes
    )
    filename = filename or name
    with transaction.atomic():
        catalog = get_catalog(kind)
    # Reading and checking happen before the transaction, so the catalog is locked briefly.
    plan = plan_import(kind, content, filename, base=queries.latest_published(catalog.pk))
    if plan.errors:
        raise ImportFailed(plan.errors)
    digest = hashlib.sha256(content).hexdigest()
    return _write(
        plan,
        catalog.pk,
        title=title,
        actor=actor,
        effective_from=effective_from,
        note=note,
        source={"filename": filename[:200], "sha256": digest},
    )


@transaction.atomic(durable=True)
def _write(
    plan: ImportPlan,
    catalog_id: int,
    *,
    title: str,
    actor: Actor,
    effective_from: datetime.date | None,
    note: str,
    source: dict[str, str],
) -> ImportResult:
    catalog = locks.catalog_for_update(catalog_id)
    version = new_draft(catalog, title=title, actor=actor, effective_from=effective_from, note=note)
    if version.based_on_id != (plan.base.pk if plan.base else None):
        raise StaleDraft(_("A version was published while the file was read; import it again."))
    created = CatalogEntry.objects.bulk_create(
        CatalogEntry(version=version, key=p.clean.key, **p.clean.values) for p in plan.entries
    )
    through = CatalogEntry.target_groups.through
    through.objects.bulk_create(
        through(catalogentry_id=entry.pk, targetgroup_id=group.pk)
        for entry, planned in zip(created, plan.entries, strict=True)
        for group in planned.clean.target_groups
    )
    EntrySubsidy.objects.bulk_create(
        row
        for entry, planned in zip(created, plan.entries, strict=True)
        for row in planned.clean.subsidy_rows(entry)
    )
    by_change: dict[ChangeInput, list[str]] = defaultdict(list)
    for planned in plan.changes:
        by_change[planned.change].append(planned.key)
    changes = sum(
        len(write_changes(version, keys, change, actor=actor)) for change, keys in by_change.items()
    )
    audit.record(
        actor,
        "catalogs.version.imported",
        version,
        data={
            "catalog": catalog.kind,
            "number": version.number,
            "based_on": plan.base.number if plan.base else None,
            "entries": len(created),
            "removed": len(plan.removed_keys),
            "changes": changes,
            **source,
        },
    )
    return ImportResult(version, len(created), changes, plan.unexplained)
