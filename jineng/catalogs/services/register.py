"""Build a draft of the institutions or evaluation-bodies catalog from the accreditation register.

The register (jineng.accreditations) says which organisation holds which licence on a date;
the catalog is its public, versioned face. A draft built from the register lists every licence
in force on the chosen day. Details kept by hand in the catalog (venues, faculty) carry over
from the latest published entry with the same key; the differences still need their reasons.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.catalogs import locks, queries
from jineng.catalogs.choices import CatalogKind, EntryStatus
from jineng.catalogs.models import CatalogEntry, CatalogVersion
from jineng.catalogs.services.common import get_catalog, require
from jineng.catalogs.services.drafts import new_draft
from jineng.catalogs.services.entries import EntryInput, derive_key
from jineng.core import audit
from jineng.core.errors import ValidationFailed

# Which accreditation kind feeds which catalog.
REGISTER_KINDS: dict[str, str] = {
    CatalogKind.TRAINING_INSTITUTIONS: "training",
    CatalogKind.EVALUATION_BODIES: "evaluation",
}


def _entries_from_register(
    kind: str, on_date: datetime.date, base: CatalogVersion | None
) -> list[CatalogEntry]:
    """One unsaved entry per organisation × occupation (× evaluation kind), highest level."""
    from jineng.accreditations.queries import active_accreditations

    kept_attributes = {
        entry.key: dict(entry.attributes or {})
        for entry in CatalogEntry.objects.filter(version=base).only("key", "attributes")
    }
    entries: dict[str, CatalogEntry] = {}
    for licence in active_accreditations(REGISTER_KINDS[kind], on_date):
        attributes = {"evaluation_kind": licence.evaluation_kind} if licence.evaluation_kind else {}
        values = {
            "occupation": licence.occupation,
            "skill_level": licence.max_level,
            "organization": licence.organization,
            "region": None,
        }
        key = derive_key(kind, EntryInput(attributes=attributes), values)
        current = entries.get(key)
        held = current.skill_level if current is not None else None
        if held is not None and held.rank >= licence.max_level.rank:
            continue
        region = licence.organization.region
        attributes = {
            **kept_attributes.get(key, {}),
            **attributes,
            "licence_number": licence.licence_number,
            "licence_expiry": licence.valid_until.isoformat(),
        }
        entries[key] = CatalogEntry(
            key=key,
            occupation=licence.occupation,
            skill_level=licence.max_level,
            organization=licence.organization,
            region=region.town if region is not None else None,
            valid_from=licence.valid_from,
            valid_until=licence.valid_until,
            status=EntryStatus.ACTIVE,
            attributes=attributes,
        )
    return list(entries.values())


@transaction.atomic(durable=True)
def draft_from_register(
    kind: str,
    *,
    title: str,
    actor: Actor,
    on_date: datetime.date,
    effective_from: datetime.date | None = None,
) -> CatalogVersion:
    """Start a draft of an organisations catalog listing every licence in force on a day."""
    require(actor, Capability.EDIT_CATALOGS)
    if kind not in REGISTER_KINDS:
        raise ValidationFailed(
            _("Only the institutions and evaluation-bodies catalogs come from the register."),
            field="kind",
        )
    catalog = locks.catalog_for_update(get_catalog(kind).pk)
    version = new_draft(catalog, title=title, actor=actor, effective_from=effective_from, note="")
    entries = _entries_from_register(kind, on_date, version.based_on)
    for entry in entries:
        entry.version = version
    CatalogEntry.objects.bulk_create(entries)
    differences = queries.diff(version.based_on, version)
    audit.record(
        actor,
        "catalogs.version.created",
        version,
        data={
            "catalog": kind,
            "number": version.number,
            "based_on": version.based_on.number if version.based_on else None,
            "from_register_on": on_date.isoformat(),
            "entries": len(entries),
            "differences": len(differences.items),
        },
    )
    return version
