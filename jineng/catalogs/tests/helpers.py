"""Helpers for catalogs tests: entry inputs and a one-call publication through the services."""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from jineng.catalogs import services
from jineng.catalogs.choices import CatalogKind, GroundsKind
from jineng.catalogs.models import CatalogVersion
from jineng.catalogs.services import ChangeInput, EntryInput

OCCUPATIONS = {
    "6-31-01-03": "电工",
    "6-18-02-04": "焊工",
    "4-10-01-05": "养老护理员",
    "4-03-02-01": "中式烹调师",
}


def subsidy(
    code: str = "6-31-01-03",
    level: str = "level5",
    training_type: str = "employment",
    fen: int | None = 80000,
    hours: int | None = 80,
    **extra: Any,
) -> EntryInput:
    """An entry of the subsidised training catalog."""
    return EntryInput(
        occupation_code=code,
        level_code=level,
        training_type=training_type,
        subsidy_fen=fen,
        min_hours=hours,
        **extra,
    )


def institution(credit_code: str, code: str = "6-31-01-03", level: str = "level3") -> EntryInput:
    """An entry of the training institutions catalog."""
    return EntryInput(
        organization_code=credit_code,
        occupation_code=code,
        level_code=level,
        attributes={"licence_number": "L-" + credit_code[-4:]},
    )


def draft_with(
    editor: Any,
    entries: Iterable[EntryInput],
    *,
    kind: str = CatalogKind.SUBSIDISED_TRAINING,
    copy_current: bool = False,
    title: str = "Draft",
) -> CatalogVersion:
    """Create a draft with some entries added through the services."""
    version = services.create_draft(kind, title=title, actor=editor, copy_current=copy_current)
    for data in entries:
        services.add_entry(version.pk, data, actor=editor)
    return version


def explain_all(version: CatalogVersion, editor: Any, reason_by_kind: dict | None = None) -> None:
    """Record a fitting reason for every difference of a draft (policy grounds)."""
    from jineng.catalogs import queries

    for item in queries.diff(version.based_on, version).items:
        reason = (reason_by_kind or {}).get(item.kind, item.allowed_reasons[0])
        services.record_changes(
            version.pk,
            [item.key],
            ChangeInput(reason, GroundsKind.POLICY, "2026 policy document"),
            actor=editor,
        )


def publish(
    editor: Any,
    publisher: Any,
    entries: Iterable[EntryInput],
    *,
    effective_from: datetime.date,
    kind: str = CatalogKind.SUBSIDISED_TRAINING,
) -> CatalogVersion:
    """Draft, explain, submit and publish a version replacing every entry."""
    version = draft_with(editor, entries, kind=kind)
    explain_all(version, editor)
    services.submit_version(version.pk, actor=editor)
    return services.publish_version(version.pk, actor=publisher, effective_from=effective_from)
