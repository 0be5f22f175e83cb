"""Certificate numbers in the national layout (证书编号), read from data/number_layouts.yaml.

A number is a prefix (every segment but the serial: evaluator type and code, province, site,
year, level …) followed by a serial counted per prefix and year (``NumberCounter``, locked in
locks.py), so numbers never collide however the codes are chosen. The layouts are data marked
unconfirmed (docs/adr/0021); this module only reads and checks them.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from jineng.occupations.models import SkillLevel
from jineng.organizations.models import Organization

DATA_DIR = Path(__file__).resolve().parent / "data"
LAYOUTS_FILE = DATA_DIR / "number_layouts.yaml"
ISSUER_CODES_FILE = DATA_DIR / "issuer_codes.yaml"
SOURCES = frozenset(
    {
        "literal",
        "evaluator_type",
        "evaluator_code",
        "province",
        "city",
        "site",
        "year",
        "level",
        "serial",
    }
)


@dataclass(frozen=True)
class Segment:
    """One part of a number: where its characters come from and how many there are."""

    source: str
    length: int
    value: str = ""


@dataclass(frozen=True)
class Layout:
    """The layout of one kind's numbers; the serial is its last segment."""

    kind: str
    name: str
    length: int
    segments: tuple[Segment, ...]

    @property
    def serial_length(self) -> int:
        """How many digits the serial has."""
        return self.segments[-1].length

    @property
    def capacity(self) -> int:
        """The highest serial a prefix can reach in one year."""
        return int(10**self.serial_length) - 1


@dataclass(frozen=True)
class NumberRules:
    """The layouts and the tables their segments read (evaluator letters, level digits)."""

    confirmed: bool
    layouts: dict[str, Layout]
    evaluator_types: dict[str, str]
    level_digits: dict[str, str]


def _layout(kind: str, raw: dict[str, Any]) -> Layout:
    segments = tuple(
        Segment(str(s["source"]), int(s["length"]), str(s.get("value", "")))
        for s in raw["segments"]
    )
    layout = Layout(kind, str(raw.get("name", kind)), int(raw["length"]), segments)
    check_layout(layout)
    return layout


def check_layout(layout: Layout) -> None:
    """Refuse a layout whose segments do not add up, or whose serial is not last and alone."""
    where = f"{LAYOUTS_FILE.name}: layout {layout.kind}"
    unknown = [s.source for s in layout.segments if s.source not in SOURCES]
    if unknown:
        raise ImproperlyConfigured(f"{where}: unknown segment sources {unknown}")
    if sum(s.length for s in layout.segments) != layout.length:
        raise ImproperlyConfigured(f"{where}: segment lengths do not add up to {layout.length}")
    serials = [i for i, s in enumerate(layout.segments) if s.source == "serial"]
    if serials != [len(layout.segments) - 1]:
        raise ImproperlyConfigured(f"{where}: the serial must be the one last segment")
    for segment in layout.segments:
        if segment.source == "literal" and len(segment.value) != segment.length:
            raise ImproperlyConfigured(f"{where}: literal {segment.value!r} is not that long")


@lru_cache(maxsize=1)
def rules() -> NumberRules:
    """Read and check the number layouts (once per process)."""
    raw = yaml.safe_load(LAYOUTS_FILE.read_text(encoding="utf-8"))
    return NumberRules(
        confirmed=bool(raw.get("confirmed", False)),
        layouts={kind: _layout(kind, spec) for kind, spec in raw["layouts"].items()},
        evaluator_types={str(k): str(v) for k, v in raw["evaluator_types"].items()},
        level_digits={str(k): str(v) for k, v in raw["level_digits"].items()},
    )


@lru_cache(maxsize=1)
def issuer_codes() -> dict[str, dict[str, str]]:
    """The evaluator and site codes assigned to issuers, by unified social credit code."""
    raw = yaml.safe_load(ISSUER_CODES_FILE.read_text(encoding="utf-8")) or {}
    return {
        str(code): {str(k): str(v) for k, v in (values or {}).items()}
        for code, values in (raw.get("issuers") or {}).items()
    }


def layout_for(kind: str) -> Layout:
    """Return the layout of one certificate kind, or ImproperlyConfigured if none is set."""
    found = rules().layouts.get(kind)
    if found is None:
        raise ImproperlyConfigured(f"{LAYOUTS_FILE.name} has no layout for {kind!r}")
    return found


def _fit(value: str, length: int) -> str:
    """A derived value zero-padded on the left, or its last ``length`` characters."""
    return value.zfill(length)[-length:]


def _assigned(issuer: Organization, key: str, length: int) -> str | None:
    value = issuer_codes().get(issuer.credit_code, {}).get(key)
    if value is None:
        return None
    if len(value) != length:
        raise ImproperlyConfigured(
            f"{ISSUER_CODES_FILE.name}: {key} of {issuer.credit_code} must have {length} characters"
        )
    return value


def _site(issuer: Organization, length: int) -> str:
    assigned = _assigned(issuer, "site", length)
    if assigned is not None:
        return assigned
    region = issuer.region if issuer.region_id else None
    county = region.code[:6] if region is not None else settings.JINENG_CITY_REGION_CODE[:6]
    return _fit(county, length)


def _segment(
    segment: Segment,
    issuer: Organization,
    level: SkillLevel | None,
    issued_on: datetime.date,
) -> str:
    city_code: str = settings.JINENG_CITY_REGION_CODE
    digits = rules()
    match segment.source:
        case "literal":
            return segment.value
        case "evaluator_type":
            return digits.evaluator_types.get(issuer.kind, digits.evaluator_types["default"])
        case "evaluator_code":
            assigned = _assigned(issuer, "evaluator_code", segment.length)
            return assigned if assigned is not None else _fit(str(issuer.pk), segment.length)
        case "province":
            return _fit(city_code[:2], segment.length)
        case "city":
            return _fit(city_code[2:4], segment.length)
        case "site":
            return _site(issuer, segment.length)
        case "year":
            return _fit(str(issued_on.year), segment.length)
        case "level":
            key = level.code if level is not None else "none"
            return digits.level_digits.get(key, digits.level_digits["none"])
    raise ImproperlyConfigured(f"segment {segment.source} has no value before the serial")


def number_prefix(
    kind: str, issuer: Organization, level: SkillLevel | None, issued_on: datetime.date
) -> str:
    """Return every segment of a certificate's number before the serial."""
    layout = layout_for(kind)
    return "".join(_segment(s, issuer, level, issued_on) for s in layout.segments[:-1])


def format_number(kind: str, prefix: str, serial: int) -> str:
    """Return the full number: the prefix and the serial, zero-padded."""
    layout = layout_for(kind)
    return prefix + str(serial).zfill(layout.serial_length)
