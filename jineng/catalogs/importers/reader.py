"""Read a catalog version from an xlsx or csv file and check every row before anything is written.

The result is an ImportPlan: the clean entries, the change reasons given in the file, the
entries the file removes, and every problem found as (row, column, reason). The services
write a plan only when it has no errors.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from jineng.catalogs import queries
from jineng.catalogs.choices import CatalogKind, ChangeReason
from jineng.catalogs.errors import InvalidEntry
from jineng.catalogs.importers import cells
from jineng.catalogs.importers.columns import (
    COLUMN_BY_FIELD,
    COLUMN_MAP,
    ITEM_SEPARATORS,
    PAIR_SEPARATOR,
    parse_choice,
)
from jineng.catalogs.models import CatalogVersion
from jineng.catalogs.services.entries import (
    CleanEntry,
    EntryInput,
    Lookups,
    clean_entry,
    resolve_key,
    snapshot_of,
)
from jineng.catalogs.services.review import ChangeInput, reason_error
from jineng.core.errors import ValidationFailed
from jineng.core.tabular import Limits, is_blank, open_sheet

MAX_ROWS = 20_000
# Where an entry field's errors are reported in the file.
FIELD_COLUMNS = {
    "occupation_code": "occupation_code",
    "level_code": "level",
    "subsidy_fen": "subsidy_yuan",
    "group_subsidy_fen": "group_subsidies",
}


@dataclass(frozen=True)
class RowError:
    """One problem in the file: the row (as the spreadsheet numbers it), column and reason."""

    row: int
    column: str
    reason: str

    def as_dict(self) -> dict[str, Any]:
        return {"row": self.row, "column": self.column, "reason": self.reason}


@dataclass(frozen=True)
class PlannedEntry:
    row: int
    clean: CleanEntry


@dataclass(frozen=True)
class PlannedChange:
    row: int
    key: str
    change: ChangeInput


@dataclass
class ImportPlan:
    """What a file would import, or why it cannot."""

    kind: str
    base: CatalogVersion | None
    entries: list[PlannedEntry] = field(default_factory=list)
    changes: list[PlannedChange] = field(default_factory=list)
    removed_keys: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)


def limits() -> Limits:
    """The bounds of a catalog file: the upload limits, with at most MAX_ROWS rows."""
    return Limits.from_settings(max_rows=MAX_ROWS)


def read_table(content: bytes, filename: str) -> tuple[list[Any], list[tuple[int, list[Any]]]]:
    """Return the header cells and (row number, cells) of the first sheet or of a csv file."""
    named = io.BytesIO(content)
    named.name = filename
    sheet = open_sheet(named, limits=limits(), typed=True)
    return sheet.header, [(number, row) for number, row in sheet.rows if not is_blank(row)]


def _map_header(header: list[Any]) -> tuple[dict[int, str], dict[str, str]]:
    """Map column positions to fields; also return each field's header as the file wrote it."""
    found = COLUMN_MAP.map_header(cells.text(cell) for cell in header)
    if not {"occupation_code", "occupation_name", "title", "key", "organization_code"} & set(
        found.written
    ):
        raise ValidationFailed(
            _(
                "No known column headers found: the first row must name the columns, e.g. "
                "职业编码, 技能等级, 培训类型, 补贴标准(元/人), 最低课时."
            ),
            field="file",
        )
    return {i: name for name, i in found.positions.items()}, found.written


class _Row:
    """One data row being read, collecting its errors."""

    def __init__(self, number: int, values: dict[str, Any], written: dict[str, str]) -> None:
        self.number = number
        self.values = values
        self.written = written
        self.errors: list[RowError] = []

    def fail(self, name: str, reason: str) -> None:
        column = self.written.get(name) or COLUMN_BY_FIELD[name].header
        self.errors.append(RowError(self.number, column, reason))

    def text(self, name: str) -> str:
        return cells.text(self.values.get(name))

    def parsed(self, name: str, parse: Any) -> Any:
        try:
            return parse(self.values.get(name))
        except cells.CellError as exc:
            self.fail(name, str(exc))
            return None

    def choice(self, name: str) -> str:
        raw = self.text(name)
        code = parse_choice(name, raw)
        if code is None:
            self.fail(name, _("Unknown value {value}.").format(value=raw))
            return ""
        return code


def _group_subsidies(row: _Row, lookups: Lookups) -> dict[str, int]:
    result: dict[str, int] = {}
    for part in ITEM_SEPARATORS.split(row.text("group_subsidies")):
        if not part.strip():
            continue
        pieces = PAIR_SEPARATOR.split(part, maxsplit=1)
        group = lookups.group(pieces[0]) if len(pieces) == 2 else None
        if group is None:
            row.fail(
                "group_subsidies",
                _("Write each group as name:amount, e.g. 退役军人:1200 ({part}).").format(
                    part=part.strip()
                ),
            )
            continue
        try:
            fen = cells.yuan_to_fen(pieces[1])
        except cells.CellError as exc:
            row.fail("group_subsidies", str(exc))
            continue
        if fen is None:
            row.fail(
                "group_subsidies", _("The amount for {group} is missing.").format(group=group.name)
            )
            continue
        result[group.code] = fen
    return result


def _attributes(row: _Row) -> dict[str, Any]:
    raw = row.text("attributes")
    attributes: dict[str, Any] = {}
    if raw:
        try:
            attributes = json.loads(raw)
        except ValueError:
            attributes = None  # type: ignore[assignment]
        if not isinstance(attributes, dict):
            row.fail("attributes", _('Write other details as a JSON object, e.g. {"a": 1}.'))
            attributes = {}
    for name in ("evaluation_kind", "qualification_type"):
        code = row.choice(name)
        if code:
            attributes[name] = code
    return attributes


def _occupation_code(row: _Row, lookups: Lookups, names: dict[str, list[str]]) -> str:
    """The occupation code of a row, from the code or (alone) the name, cross-checked."""
    code, name = row.text("occupation_code"), row.text("occupation_name")
    if code:
        occupation = lookups.occupation(code)
        if occupation and name and name not in (occupation.name, *occupation.aliases):
            row.fail(
                "occupation_name",
                _("Occupation {code} is {actual}, not {name}.").format(
                    code=code, actual=occupation.name, name=name
                ),
            )
        return code
    if not name:
        return ""
    matches = names.get(name, [])
    if len(matches) == 1:
        return matches[0]
    if not matches:
        row.fail("occupation_name", _("Unknown occupation {name}.").format(name=name))
    else:
        row.fail(
            "occupation_name",
            _("{name} names several occupations ({codes}); give the code.").format(
                name=name, codes=", ".join(matches)
            ),
        )
    return ""


def _entry_input(row: _Row, lookups: Lookups, names: dict[str, list[str]]) -> EntryInput:
    groups = []
    for part in ITEM_SEPARATORS.split(row.text("target_groups")):
        if part.strip():
            group = lookups.group(part)
            if group is None:
                row.fail("target_groups", _("Unknown target group {name}.").format(name=part))
            else:
                groups.append(group.code)
    return EntryInput(
        key=row.text("key"),
        title=row.text("title"),
        occupation_code=_occupation_code(row, lookups, names),
        level_code=row.text("level"),
        training_type=row.choice("training_type"),
        organization_code=row.text("organization_code"),
        region_code=row.text("region_code"),
        target_groups=tuple(groups),
        subsidy_fen=row.parsed("subsidy_yuan", cells.yuan_to_fen),
        group_subsidy_fen=_group_subsidies(row, lookups),
        min_hours=row.parsed("min_hours", cells.whole_number),
        age_min=row.parsed("age_min", cells.whole_number),
        age_max=row.parsed("age_max", cells.whole_number),
        valid_from=row.parsed("valid_from", cells.date),
        valid_until=row.parsed("valid_until", cells.date),
        status=row.choice("status") or "active",
        attributes=_attributes(row),
    )


def _change_input(row: _Row) -> ChangeInput | None:
    reason = row.choice("reason")
    if not reason:
        return None
    grounds_kind = row.choice("grounds_kind")
    reference = row.text("grounds_reference")
    if not grounds_kind:
        row.fail("grounds_kind", _("Say what the change rests on (依据类型)."))
    if not reference:
        row.fail("grounds_reference", _("Name the scorecard, inspection, complaint or document."))
    return ChangeInput(reason, grounds_kind, reference, row.text("change_note"))


def _overlaps(a: CleanEntry, b: CleanEntry) -> bool:
    start_a, end_a = a.values["valid_from"], a.values["valid_until"]
    start_b, end_b = b.values["valid_from"], b.values["valid_until"]
    return (end_a is None or start_b is None or start_b <= end_a) and (
        end_b is None or start_a is None or start_a <= end_b
    )


def _duplicate_reason(first: PlannedEntry, clean: CleanEntry) -> str:
    earlier = first.clean
    same_window = (earlier.values["valid_from"], earlier.values["valid_until"]) == (
        clean.values["valid_from"],
        clean.values["valid_until"],
    )
    if same_window:
        return _("Duplicate of row {row} (entry {key}).").format(row=first.row, key=clean.key)
    if _overlaps(earlier, clean):
        return _("The validity overlaps row {row} for the same entry {key}.").format(
            row=first.row, key=clean.key
        )
    return _(
        "Row {row} already has entry {key} for another period: one entry per key in a version; "
        "publish a later version for the later period."
    ).format(row=first.row, key=clean.key)


def _record_entry_errors(row: _Row, exc: InvalidEntry) -> None:
    # A cell that could not be read already has its reason; "required" would only repeat it.
    unreadable = {e.column for e in row.errors}
    for error in exc.errors:
        name = FIELD_COLUMNS.get(error.field or "", error.field or "key")
        name = name if name in COLUMN_BY_FIELD else "key"
        column = row.written.get(name) or COLUMN_BY_FIELD[name].header
        if column not in unreadable:
            row.fail(name, str(error.detail))


def plan_import(
    kind: str, content: bytes, filename: str, *, base: CatalogVersion | None
) -> ImportPlan:
    """Read and check a whole file against the version it would follow; write nothing."""
    if kind not in CatalogKind.values:
        raise ValidationFailed(_("Unknown catalog {kind}.").format(kind=kind), field="kind")
    header, rows = read_table(content, filename)
    positions, written = _map_header(header)
    plan = ImportPlan(kind=kind, base=base)
    lookups = Lookups()
    names = lookups.preload_occupations()
    base_snapshots = queries.snapshots(base)
    seen: dict[str, PlannedEntry] = {}
    removal_rows: dict[str, int] = {}
    for number, cells_in_row in rows:
        values = {name: cells_in_row[i] for i, name in positions.items() if i < len(cells_in_row)}
        row = _Row(number, values, written)
        data = _entry_input(row, lookups, names)
        change = _change_input(row)
        if change is not None and change.reason == ChangeReason.REMOVED:
            _plan_removal(kind, row, data, change, lookups, base_snapshots, plan, removal_rows)
            plan.errors.extend(row.errors)
            continue
        try:
            clean = clean_entry(kind, data, lookups)
        except InvalidEntry as exc:
            _record_entry_errors(row, exc)
            clean = None
        if clean is not None and not row.errors:
            if clean.key in seen:
                row.fail("key", _duplicate_reason(seen[clean.key], clean))
            else:
                seen[clean.key] = PlannedEntry(number, clean)
                if change is not None:
                    plan.changes.append(PlannedChange(number, clean.key, change))
        plan.errors.extend(row.errors)
    plan.entries = list(seen.values())
    for key, number in removal_rows.items():
        if key in seen:
            plan.errors.append(
                RowError(
                    number,
                    written.get("reason", "变动原因"),
                    _("Row {row} keeps entry {key}, which this row removes.").format(
                        row=seen[key].row, key=key
                    ),
                )
            )
    if not plan.errors:
        _check_reasons(plan, base_snapshots, written)
    plan.errors.sort(key=lambda e: (e.row, e.column))
    return plan


def _plan_removal(
    kind: str,
    row: _Row,
    data: EntryInput,
    change: ChangeInput,
    lookups: Lookups,
    base_snapshots: dict[str, Any],
    plan: ImportPlan,
    removal_rows: dict[str, int],
) -> None:
    """A row whose reason is 退出 names an entry of the previous version to take out."""
    try:
        key = resolve_key(kind, data, lookups)
    except InvalidEntry as exc:
        _record_entry_errors(row, exc)
        return
    if key not in base_snapshots:
        row.fail(
            "key", _("There is no entry {key} in the previous version to remove.").format(key=key)
        )
    elif key in removal_rows:
        row.fail(
            "key",
            _("Row {row} already removes entry {key}.").format(row=removal_rows[key], key=key),
        )
    elif not row.errors:
        removal_rows[key] = row.number
        plan.removed_keys.append(key)
        plan.changes.append(PlannedChange(row.number, key, change))


def _check_reasons(
    plan: ImportPlan, base_snapshots: dict[str, Any], written: dict[str, str]
) -> None:
    """Check that each reason in the file fits its entry's difference; list the unexplained."""
    new = {p.clean.key: snapshot_of(p.clean) for p in plan.entries}
    differences = queries.diff_snapshots(base_snapshots, new).by_key()
    explained = set()
    column = written.get("reason") or COLUMN_BY_FIELD["reason"].header
    for planned in plan.changes:
        problem = reason_error(differences.get(planned.key), planned.key, planned.change.reason)
        if problem:
            plan.errors.append(RowError(planned.row, column, problem))
        explained.add(planned.key)
    if plan.base is not None:
        plan.unexplained = sorted(differences.keys() - explained)
