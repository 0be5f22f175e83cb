"""Schemas of the catalogs API: versions, entries, diffs, changes and appeals."""

from __future__ import annotations

import datetime
from typing import Any

from django.urls import reverse
from ninja import Field, Schema

from jineng.api.errors import FieldErrorOut
from jineng.api.schemas import RegionOut
from jineng.catalogs.choices import (
    AppealStatus,
    ChangeReason,
    EntryStatus,
    GroundsKind,
    TrainingType,
)
from jineng.catalogs.display import yuan
from jineng.catalogs.models import CatalogAppeal, CatalogChange, CatalogEntry, CatalogVersion


class CatalogCodeNameOut(Schema):
    """A coded reference (occupation, skill level) with its name."""

    code: str
    name: str


class CatalogOrganizationOut(Schema):
    """An organisation named in a catalog."""

    id: int
    credit_code: str
    name: str


class CatalogVersionOut(Schema):
    """One version of a catalog."""

    id: int
    url: str
    catalog: str = Field(description="The catalog kind, e.g. `subsidised_training`.")
    number: int
    title: str
    note: str
    status: str = Field(description="draft, in_review, published or superseded.")
    effective_from: datetime.date | None
    based_on: int | None = Field(description="Number of the version this one was based on.")
    submitted_at: datetime.datetime | None
    published_at: datetime.datetime | None

    @staticmethod
    def resolve_url(obj: CatalogVersion) -> str:
        return reverse("api:catalog_version_detail", kwargs={"version_id": obj.pk})

    @staticmethod
    def resolve_catalog(obj: CatalogVersion) -> str:
        return obj.catalog.kind

    @staticmethod
    def resolve_based_on(obj: CatalogVersion) -> int | None:
        return obj.based_on.number if obj.based_on is not None else None


class CatalogSummaryOut(Schema):
    """A catalog with the version in force today and any published to take effect later."""

    kind: str
    name: str
    current: CatalogVersionOut | None
    upcoming: CatalogVersionOut | None


class CatalogEntryOut(Schema):
    """One entry of a catalog version; amounts in integer fen and, for reading, in yuan."""

    id: int
    key: str = Field(description="Stable identity of the entry across versions.")
    title: str
    occupation: CatalogCodeNameOut | None
    skill_level: CatalogCodeNameOut | None
    training_type: str
    organization: CatalogOrganizationOut | None
    region: RegionOut | None
    target_groups: list[str] = Field(description="Eligible target groups; empty: everyone.")
    subsidy_fen: int | None
    subsidy_yuan: str | None
    group_subsidy_fen: dict[str, int] = Field(
        description="Subsidy in fen by target group code, in place of subsidy_fen for a "
        "person of that group."
    )
    min_hours: int | None
    age_min: int | None
    age_max: int | None
    valid_from: datetime.date | None
    valid_until: datetime.date | None
    status: str
    attributes: dict[str, Any]

    @staticmethod
    def resolve_target_groups(obj: CatalogEntry) -> list[str]:
        return sorted(g.code for g in obj.target_groups.all())

    @staticmethod
    def resolve_group_subsidy_fen(obj: CatalogEntry) -> dict[str, int]:
        return obj.group_amounts

    @staticmethod
    def resolve_subsidy_yuan(obj: CatalogEntry) -> str | None:
        return yuan(obj.subsidy_fen).replace(",", "") if obj.subsidy_fen is not None else None


class CatalogEntriesOut(Schema):
    """One page of a version's entries, with the version."""

    version: CatalogVersionOut | None
    count: int
    limit: int
    offset: int
    items: list[CatalogEntryOut]


class CatalogEntryIn(Schema):
    """What a caller sends for one entry; which fields are required depends on the catalog."""

    key: str = Field("", max_length=200, description="Leave empty to derive it.")
    title: str = Field("", max_length=200)
    occupation_code: str = Field("", max_length=20)
    level_code: str = Field("", max_length=50, description="e.g. `level5`.")
    training_type: TrainingType | None = None
    organization_code: str = Field("", max_length=32)
    region_code: str = Field("", max_length=12)
    target_groups: list[str] = Field(default_factory=list, max_length=50)
    subsidy_fen: int | None = None
    group_subsidy_fen: dict[str, int] = Field(default_factory=dict)
    min_hours: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    status: EntryStatus = EntryStatus.ACTIVE
    attributes: dict[str, Any] = Field(default_factory=dict)


class CatalogDraftIn(Schema):
    """A new draft of a catalog."""

    title: str = Field(max_length=200)
    effective_from: datetime.date | None = None
    note: str = Field("", max_length=5000)
    copy_current: bool = Field(True, description="Copy the latest published version's entries.")


class CatalogFieldChangeOut(Schema):
    field: str
    old: Any
    new: Any


class CatalogEntryDiffOut(Schema):
    """How one entry differs between two versions."""

    key: str
    kind: str = Field(description="added, removed or changed.")
    before: dict[str, Any] | None
    after: dict[str, Any] | None
    fields: list[CatalogFieldChangeOut]


class CatalogDiffOut(Schema):
    """The differences from an older version (or none) to a newer one."""

    older: CatalogVersionOut | None
    newer: CatalogVersionOut
    added: list[CatalogEntryDiffOut]
    removed: list[CatalogEntryDiffOut]
    changed: list[CatalogEntryDiffOut]


class CatalogAppealSummaryOut(Schema):
    """An appeal as the public change log shows it."""

    organization: str
    status: str
    decision: str
    decided_at: datetime.datetime | None

    @staticmethod
    def resolve_organization(obj: CatalogAppeal) -> str:
        return obj.organization.name


class CatalogChangeOut(Schema):
    """One published change with its reason, grounds and any appeals."""

    id: int
    version: int = Field(description="Number of the version the change belongs to.")
    effective_from: datetime.date | None
    key: str
    reason: str
    grounds_kind: str
    grounds_reference: str
    note: str
    organization: CatalogOrganizationOut | None
    appeals: list[CatalogAppealSummaryOut]

    @staticmethod
    def resolve_version(obj: CatalogChange) -> int:
        return obj.version.number

    @staticmethod
    def resolve_effective_from(obj: CatalogChange) -> datetime.date | None:
        return obj.version.effective_from

    @staticmethod
    def resolve_appeals(obj: CatalogChange) -> list[CatalogAppeal]:
        return list(obj.appeals.all())


class CatalogChangesIn(Schema):
    """One reason and its grounds for some differing entries of a draft."""

    keys: list[str] = Field(min_length=1, max_length=5000)
    reason: ChangeReason
    grounds_kind: GroundsKind
    grounds_reference: str = Field(max_length=300)
    note: str = Field("", max_length=5000)


class CatalogPublishIn(Schema):
    effective_from: datetime.date | None = Field(
        None, description="Defaults to the draft's planned date."
    )


class CatalogHistoryItemOut(Schema):
    """An entry as it stood in one published version."""

    version: int
    effective_from: datetime.date | None
    entry: dict[str, Any] | None = Field(description="Null when the entry was not in it.")
    change: CatalogChangeOut | None


class CatalogAppealIn(Schema):
    grounds: str = Field(max_length=5000)


class CatalogDecisionIn(Schema):
    upheld: bool
    decision: str = Field(max_length=5000)


class CatalogAppealOut(Schema):
    """An appeal against a removal or suspension."""

    id: int
    change: int
    catalog: str
    version: int
    key: str
    organization: CatalogOrganizationOut
    grounds: str
    status: AppealStatus
    decision: str
    created_at: datetime.datetime
    decided_at: datetime.datetime | None

    @staticmethod
    def resolve_change(obj: CatalogAppeal) -> int:
        return obj.change_id

    @staticmethod
    def resolve_catalog(obj: CatalogAppeal) -> str:
        return obj.change.version.catalog.kind

    @staticmethod
    def resolve_version(obj: CatalogAppeal) -> int:
        return obj.change.version.number

    @staticmethod
    def resolve_key(obj: CatalogAppeal) -> str:
        return obj.change.key


class CatalogImportErrorOut(Schema):
    """One bad row of an imported file."""

    row: int
    column: str
    reason: str


class CatalogImportFailedOut(Schema):
    """400: nothing was written. For a file with bad rows (`import_failed`), ``errors`` lists
    each as row, column and reason; for a malformed request, as field and detail."""

    code: str
    detail: str
    field: str | None = None
    errors: list[CatalogImportErrorOut | FieldErrorOut] | None = None
    # How many problems the file has in all; ``errors`` lists the first 1,000.
    error_count: int | None = None


class CatalogImportOut(Schema):
    """The draft an imported file became."""

    version: CatalogVersionOut
    entries: int
    changes: int
    unexplained: list[str] = Field(description="Keys of differences that still need a reason.")
