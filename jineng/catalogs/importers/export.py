"""Write a catalog version as xlsx or csv in the same format the importer reads."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from openpyxl import Workbook

from jineng.catalogs import queries
from jineng.catalogs.importers.cells import fen_to_yuan
from jineng.catalogs.importers.columns import COLUMNS, choice_label
from jineng.catalogs.models import CatalogChange, CatalogEntry, CatalogVersion
from jineng.core.tabular import csv_row, xlsx_row

EXPORTED = tuple(c for c in COLUMNS if c.exported)
# Attribute keys with their own column; the rest go to the JSON column.
OWN_COLUMNS = ("evaluation_kind", "qualification_type")
CHANGE_HEADER = ("条目编号", "变动原因", "依据类型", "依据", "变动说明", "申诉", "申诉决定")


def _group_subsidies(entry: CatalogEntry, names: dict[str, str]) -> str:
    return "；".join(
        f"{names.get(code, code)}:{fen_to_yuan(fen)}" for code, fen in entry.group_amounts.items()
    )


def entry_cells(entry: CatalogEntry, group_names: dict[str, str]) -> dict[str, Any]:
    """Return an entry's cells by field, with Chinese wording and yuan amounts."""
    attributes = dict(entry.attributes or {})
    own = {name: attributes.pop(name, "") for name in OWN_COLUMNS}
    return {
        "key": entry.key,
        "occupation_code": entry.occupation.code if entry.occupation is not None else "",
        "occupation_name": entry.occupation.name if entry.occupation is not None else "",
        "title": entry.title,
        "level": entry.skill_level.name if entry.skill_level is not None else "",
        "training_type": choice_label("training_type", entry.training_type),
        "organization_code": entry.organization.credit_code
        if entry.organization is not None
        else "",
        "organization_name": entry.organization.name if entry.organization is not None else "",
        "region_code": entry.region.code if entry.region is not None else "",
        "target_groups": "；".join(sorted(g.name for g in entry.target_groups.all())),
        "subsidy_yuan": fen_to_yuan(entry.subsidy_fen),
        "group_subsidies": _group_subsidies(entry, group_names),
        "min_hours": entry.min_hours,
        "age_min": entry.age_min,
        "age_max": entry.age_max,
        "valid_from": entry.valid_from,
        "valid_until": entry.valid_until,
        "status": choice_label("status", entry.status),
        "evaluation_kind": choice_label("evaluation_kind", own["evaluation_kind"]),
        "qualification_type": choice_label("qualification_type", own["qualification_type"]),
        "attributes": json.dumps(attributes, ensure_ascii=False, sort_keys=True)
        if attributes
        else "",
    }


def rows(version: CatalogVersion) -> list[list[Any]]:
    """Return the header and one row per entry of a version."""
    from jineng.people.models import TargetGroup

    names = dict(TargetGroup.objects.values_list("code", "name"))
    table: list[list[Any]] = [[c.header for c in EXPORTED]]
    for entry in queries.version_entries(version):
        values = entry_cells(entry, names)
        table.append([values[c.field] for c in EXPORTED])
    return table


def _change_rows(version: CatalogVersion) -> list[list[Any]]:
    changes = queries.changes_of(CatalogVersion.objects.filter(pk=version.pk))
    table: list[list[Any]] = [list(CHANGE_HEADER)]
    for change in changes:
        table.append(_change_row(change))
    return table


def _change_row(change: CatalogChange) -> list[Any]:
    appeals = list(change.appeals.all())
    return [
        change.key,
        choice_label("reason", change.reason),
        choice_label("grounds_kind", change.grounds_kind),
        change.grounds_reference,
        change.note,
        "；".join(f"{a.organization.name}: {a.get_status_display()}" for a in appeals),
        "；".join(a.decision for a in appeals if a.decision),
    ]


def to_xlsx(version: CatalogVersion) -> bytes:
    """Return the version as an xlsx workbook: entries first, then its change log.

    The download is public: a title typed as =HYPERLINK(…) is a string cell, never a formula.
    """
    book = Workbook(write_only=True)
    entries = book.create_sheet("目录")
    for row in rows(version):
        entries.append(xlsx_row(entries, row))
    changes = book.create_sheet("变动记录")
    for row in _change_rows(version):
        changes.append(xlsx_row(changes, row))
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def to_csv(version: CatalogVersion) -> bytes:
    """Return the version's entries as csv (UTF-8 with BOM, which spreadsheet programs detect).

    Text that starts like a formula gets a leading apostrophe, so no spreadsheet runs it.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in rows(version):
        writer.writerow(csv_row(row))
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
