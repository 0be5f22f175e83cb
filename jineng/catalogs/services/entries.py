"""Validate a catalog entry's input and turn it into model values (no transactions here).

The same rules serve the console's forms, the API and the xlsx import: each kind of catalog
requires its own fields, codes are looked up once per call (or once per file through a shared
``Lookups``), and every bad field is reported, not only the first.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from jineng.catalogs.choices import (
    CatalogKind,
    EntryStatus,
    EvaluationKind,
    QualificationType,
    TrainingType,
)
from jineng.catalogs.errors import InvalidEntry
from jineng.catalogs.models import MAX_SUBSIDY_FEN, CatalogEntry, EntrySubsidy
from jineng.core.errors import ValidationFailed
from jineng.occupations.models import Occupation, SkillLevel
from jineng.organizations.models import Organization
from jineng.people.models import TargetGroup
from jineng.regions.models import Region

MAX_HOURS = 10_000


@dataclass(frozen=True)
class EntryInput:
    """What a caller supplies for one entry; codes are resolved and checked by clean_entry."""

    key: str = ""
    title: str = ""
    occupation_code: str = ""
    level_code: str = ""
    training_type: str = ""
    organization_code: str = ""
    region_code: str = ""
    target_groups: tuple[str, ...] = ()
    subsidy_fen: int | None = None
    group_subsidy_fen: dict[str, int] = field(default_factory=dict)
    min_hours: int | None = None
    age_min: int | None = None
    age_max: int | None = None
    valid_from: datetime.date | None = None
    valid_until: datetime.date | None = None
    status: str = EntryStatus.ACTIVE
    attributes: dict[str, Any] = field(default_factory=dict)


@dataclass
class CleanEntry:
    """An entry's input after validation, with its key and resolved objects."""

    key: str
    values: dict[str, Any]
    target_groups: list[TargetGroup]
    # Subsidies by target group, ordered by group code (rows of EntrySubsidy once written).
    group_subsidies: list[tuple[TargetGroup, int]] = field(default_factory=list)

    @property
    def group_amounts(self) -> dict[str, int]:
        """The subsidies by target group as {group code: fen}, like CatalogEntry's."""
        return {group.code: fen for group, fen in self.group_subsidies}

    def subsidy_rows(self, entry: CatalogEntry) -> list[EntrySubsidy]:
        """The EntrySubsidy rows this input gives an entry (unsaved)."""
        return [
            EntrySubsidy(entry=entry, target_group=group, amount_fen=fen)
            for group, fen in self.group_subsidies
        ]


class Lookups:
    """Resolve codes to rows, caching them: one instance serves a whole import file."""

    def __init__(self) -> None:
        self._occupations: dict[str, Occupation | None] = {}
        self._organizations: dict[str, Organization | None] = {}
        self._regions: dict[str, Region | None] = {}
        self.levels = list(SkillLevel.objects.order_by("rank"))
        self.groups = {g.code: g for g in TargetGroup.objects.all()}
        self._level_names: dict[str, SkillLevel] = {}
        for level in self.levels:
            for name in (level.code, level.name, level.title, *level.name.split("/")):
                if name:
                    self._level_names.setdefault(name.strip().lower(), level)
            # "初级" for "初级工": spreadsheets often drop the trailing 工.
            if level.title.endswith("工"):
                self._level_names.setdefault(level.title[:-1], level)
        # Target groups are named by code or by their Chinese name.
        self._group_names: dict[str, TargetGroup] = {}
        for group in self.groups.values():
            self._group_names[group.name] = group
            self._group_names[group.code] = group

    def occupation(self, code: str) -> Occupation | None:
        if code not in self._occupations:
            self._occupations[code] = Occupation.objects.filter(code=code).first()
        return self._occupations[code]

    def preload_occupations(self) -> dict[str, list[str]]:
        """Load the whole classification at once (a few thousand rows) for big files, and
        return the codes of each occupation name (names can repeat across categories)."""
        names: dict[str, list[str]] = {}
        for occupation in Occupation.objects.order_by("code"):
            self._occupations[occupation.code] = occupation
            names.setdefault(occupation.name, []).append(occupation.code)
        return names

    def level(self, text: str) -> SkillLevel | None:
        return self._level_names.get(text.strip().lower())

    def group(self, text: str) -> TargetGroup | None:
        return self._group_names.get(text.strip())

    def organization(self, credit_code: str) -> Organization | None:
        code = credit_code.strip().upper()
        if code not in self._organizations:
            self._organizations[code] = Organization.objects.filter(credit_code=code).first()
        return self._organizations[code]

    def region(self, code: str) -> Region | None:
        if code not in self._regions:
            self._regions[code] = Region.objects.filter(code=code).first()
        return self._regions[code]


def _fail(errors: list[ValidationFailed], field_name: str, detail: str) -> None:
    errors.append(ValidationFailed(detail, field=field_name))


def _resolve_codes(
    data: EntryInput, lookups: Lookups, errors: list[ValidationFailed]
) -> dict[str, Any]:
    """Turn the input's codes into rows, noting every unknown one."""
    values: dict[str, Any] = {
        "occupation": None,
        "skill_level": None,
        "organization": None,
        "region": None,
    }
    if data.occupation_code.strip():
        code = data.occupation_code.strip()
        values["occupation"] = lookups.occupation(code)
        if values["occupation"] is None:
            _fail(errors, "occupation_code", _("Unknown occupation code {code}.").format(code=code))
    if data.level_code.strip():
        values["skill_level"] = lookups.level(data.level_code)
        if values["skill_level"] is None:
            _fail(
                errors,
                "level_code",
                _("Unknown skill level {level}.").format(level=data.level_code.strip()),
            )
    if data.organization_code.strip():
        code = data.organization_code.strip().upper()
        values["organization"] = lookups.organization(code)
        if values["organization"] is None:
            _fail(
                errors,
                "organization_code",
                _("No organisation has the credit code {code}.").format(code=code),
            )
    if data.region_code.strip():
        code = data.region_code.strip()
        values["region"] = lookups.region(code)
        if values["region"] is None:
            _fail(errors, "region_code", _("Unknown region code {code}.").format(code=code))
    return values


def _check_numbers(data: EntryInput, errors: list[ValidationFailed]) -> None:
    if data.subsidy_fen is not None and not 0 <= data.subsidy_fen <= MAX_SUBSIDY_FEN:
        _fail(errors, "subsidy_fen", _("A subsidy must be between 0 and 1,000,000 yuan."))
    for code, fen in data.group_subsidy_fen.items():
        if not isinstance(fen, int) or not 0 <= fen <= MAX_SUBSIDY_FEN:
            _fail(
                errors,
                "group_subsidy_fen",
                _("The subsidy for {group} must be between 0 and 1,000,000 yuan.").format(
                    group=code
                ),
            )
    if data.min_hours is not None and not 0 < data.min_hours <= MAX_HOURS:
        _fail(errors, "min_hours", _("Minimum hours must be between 1 and 10,000."))
    for name, age in (("age_min", data.age_min), ("age_max", data.age_max)):
        if age is not None and not 0 <= age <= 120:
            _fail(errors, name, _("An age must be between 0 and 120."))
    if data.age_min is not None and data.age_max is not None and data.age_min > data.age_max:
        _fail(errors, "age_max", _("The maximum age is below the minimum age."))
    if data.valid_from and data.valid_until and data.valid_until < data.valid_from:
        _fail(errors, "valid_until", _("The validity ends before it starts."))


def _check_groups(
    data: EntryInput, lookups: Lookups, errors: list[ValidationFailed]
) -> list[TargetGroup]:
    groups = []
    for code in data.target_groups:
        group = lookups.group(code)
        if group is None:
            _fail(errors, "target_groups", _("Unknown target group {code}.").format(code=code))
        elif group not in groups:
            groups.append(group)
    for code in data.group_subsidy_fen:
        if code not in lookups.groups:
            _fail(errors, "group_subsidy_fen", _("Unknown target group {code}.").format(code=code))
    return groups


def _check_choices(data: EntryInput, errors: list[ValidationFailed]) -> None:
    if data.training_type and data.training_type not in TrainingType.values:
        _fail(
            errors,
            "training_type",
            _("Unknown training type {value}.").format(value=data.training_type),
        )
    if data.status not in EntryStatus.values:
        _fail(errors, "status", _("Unknown entry status {value}.").format(value=data.status))
    evaluation_kind = data.attributes.get("evaluation_kind")
    if evaluation_kind and evaluation_kind not in EvaluationKind.values:
        _fail(
            errors,
            "evaluation_kind",
            _("Unknown evaluation kind {value}.").format(value=evaluation_kind),
        )
    qualification_type = data.attributes.get("qualification_type")
    if qualification_type and qualification_type not in QualificationType.values:
        _fail(
            errors,
            "qualification_type",
            _("Unknown qualification type {value}.").format(value=qualification_type),
        )


def _require(kind: str, data: EntryInput, values: dict[str, Any], errors: list[Any]) -> None:
    """Check the fields each kind of catalog needs."""
    named = data.occupation_code.strip() or data.title.strip()
    if kind in (CatalogKind.SUBSIDISED_TRAINING, CatalogKind.QUALIFICATIONS) and not named:
        _fail(errors, "occupation_code", _("Give an occupation code or the item's title."))
    if kind == CatalogKind.SUBSIDISED_TRAINING:
        if not data.training_type:
            _fail(errors, "training_type", _("The training type is required."))
        if data.subsidy_fen is None:
            _fail(errors, "subsidy_fen", _("The subsidy amount is required."))
        if data.min_hours is None:
            _fail(errors, "min_hours", _("The minimum class hours are required."))
    if kind in (CatalogKind.TRAINING_INSTITUTIONS, CatalogKind.EVALUATION_BODIES):
        if not data.organization_code.strip():
            _fail(errors, "organization_code", _("The organisation's credit code is required."))
        if not named:
            _fail(errors, "occupation_code", _("Give an occupation code or the item's title."))
    if kind == CatalogKind.EVALUATION_BODIES and not data.attributes.get("evaluation_kind"):
        _fail(errors, "evaluation_kind", _("The evaluation kind is required."))
    if kind == CatalogKind.QUALIFICATIONS and not data.attributes.get("qualification_type"):
        _fail(errors, "qualification_type", _("The qualification type is required."))


def derive_key(kind: str, data: EntryInput, values: dict[str, Any]) -> str:
    """Return the entry's stable identity across versions, built from its identifying fields."""
    occupation = values["occupation"]
    item = occupation.code if occupation else "item:" + " ".join(data.title.split())
    level = values["skill_level"].code if values["skill_level"] else "-"
    organization = values["organization"].credit_code if values["organization"] else "-"
    if kind == CatalogKind.SUBSIDISED_TRAINING:
        return f"{item}/{level}/{data.training_type}"
    if kind == CatalogKind.TRAINING_INSTITUTIONS:
        return f"{organization}/{item}"
    if kind == CatalogKind.EVALUATION_BODIES:
        return f"{organization}/{item}/{data.attributes.get('evaluation_kind', '')}"
    return item


def clean_entry(kind: str, data: EntryInput, lookups: Lookups | None = None) -> CleanEntry:
    """Validate an entry for a kind of catalog, raising InvalidEntry that names every bad field."""
    lookups = lookups or Lookups()
    errors: list[ValidationFailed] = []
    values = _resolve_codes(data, lookups, errors)
    _check_numbers(data, errors)
    groups = _check_groups(data, lookups, errors)
    _check_choices(data, errors)
    _require(kind, data, values, errors)
    if len(data.title) > 200:
        _fail(errors, "title", _("A title has at most 200 characters."))
    if errors:
        raise InvalidEntry(errors)
    key = data.key.strip() or derive_key(kind, data, values)
    if len(key) > 200:
        raise InvalidEntry([ValidationFailed(_("A key has at most 200 characters."), field="key")])
    values.update(
        title=" ".join(data.title.split()),
        training_type=data.training_type,
        subsidy_fen=data.subsidy_fen,
        min_hours=data.min_hours,
        age_min=data.age_min,
        age_max=data.age_max,
        valid_from=data.valid_from,
        valid_until=data.valid_until,
        status=data.status,
        attributes=data.attributes,
    )
    group_subsidies = [
        (lookups.groups[code], fen) for code, fen in sorted(data.group_subsidy_fen.items())
    ]
    return CleanEntry(key=key, values=values, target_groups=groups, group_subsidies=group_subsidies)


def resolve_key(kind: str, data: EntryInput, lookups: Lookups | None = None) -> str:
    """Return the key an input identifies without checking its other fields (for removals)."""
    if data.key.strip():
        return data.key.strip()
    errors: list[ValidationFailed] = []
    values = _resolve_codes(data, lookups or Lookups(), errors)
    if errors:
        raise InvalidEntry(errors)
    return derive_key(kind, data, values)


def snapshot_of(clean: CleanEntry) -> dict[str, Any]:
    """Return a validated entry's compared fields, shaped like queries.entry_snapshot."""
    values = clean.values

    def code(name: str, attribute: str = "code") -> Any:
        row = values[name]
        return getattr(row, attribute) if row is not None else None

    return {
        "title": values["title"],
        "occupation": code("occupation"),
        "skill_level": code("skill_level"),
        "training_type": values["training_type"] or None,
        "organization": code("organization", "credit_code"),
        "region": code("region"),
        "target_groups": sorted(g.code for g in clean.target_groups),
        "subsidy_fen": values["subsidy_fen"],
        "group_subsidy_fen": clean.group_amounts,
        "min_hours": values["min_hours"],
        "age_min": values["age_min"],
        "age_max": values["age_max"],
        "valid_from": values["valid_from"].isoformat() if values["valid_from"] else None,
        "valid_until": values["valid_until"].isoformat() if values["valid_until"] else None,
        "status": values["status"],
        "attributes": values["attributes"] or {},
    }


def input_from_entry(entry: CatalogEntry) -> EntryInput:
    """Return the input that would recreate an entry (for edit forms and copies)."""
    return EntryInput(
        key=entry.key,
        title=entry.title,
        occupation_code=entry.occupation.code if entry.occupation is not None else "",
        level_code=entry.skill_level.code if entry.skill_level is not None else "",
        training_type=entry.training_type,
        organization_code=entry.organization.credit_code if entry.organization is not None else "",
        region_code=entry.region.code if entry.region is not None else "",
        target_groups=tuple(sorted(g.code for g in entry.target_groups.all())),
        subsidy_fen=entry.subsidy_fen,
        group_subsidy_fen=entry.group_amounts,
        min_hours=entry.min_hours,
        age_min=entry.age_min,
        age_max=entry.age_max,
        valid_from=entry.valid_from,
        valid_until=entry.valid_until,
        status=entry.status,
        attributes=dict(entry.attributes or {}),
    )
