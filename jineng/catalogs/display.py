"""Turn catalog values into what a reader sees: yuan amounts, level names, labelled fields."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _

from jineng.catalogs.choices import (
    EntryStatus,
    EvaluationKind,
    QualificationType,
    TrainingType,
)
from jineng.catalogs.queries import Diff
from jineng.occupations.models import Occupation, SkillLevel
from jineng.people.models import TargetGroup

FIELD_LABELS = {
    "title": _("Item"),
    "occupation": _("Occupation"),
    "skill_level": _("Skill level"),
    "training_type": _("Training type"),
    "organization": _("Organisation"),
    "region": _("Township"),
    "target_groups": _("Eligible target groups"),
    "subsidy_fen": _("Subsidy (yuan per person)"),
    "group_subsidy_fen": _("Subsidy by target group (yuan)"),
    "min_hours": _("Minimum class hours"),
    "age_min": _("Minimum age"),
    "age_max": _("Maximum age"),
    "valid_from": _("Valid from"),
    "valid_until": _("Valid until"),
    "status": _("Status"),
    "attributes": _("Other details"),
}


def yuan(fen: int | None) -> str:
    """Format fen as yuan with thousands separators: 150000 → 1,500; 80050 → 800.50."""
    if fen is None:
        return "—"
    whole, cents = divmod(fen, 100)
    text = f"{whole:,}"
    return f"{text}.{cents:02d}" if cents else text


class Describer:
    """Format snapshot values for display, loading names of codes once per page."""

    def __init__(self) -> None:
        self.levels = dict(SkillLevel.objects.values_list("code", "name"))
        self.groups = dict(TargetGroup.objects.values_list("code", "name"))
        self._occupations: dict[str, str] = {}

    def preload(self, codes: set[str]) -> None:
        """Fetch the names of the occupations a diff mentions, in one query."""
        self._occupations.update(
            Occupation.objects.filter(code__in=codes).values_list("code", "name")
        )

    def label(self, snapshot: dict[str, Any]) -> str:
        """Name an entry for a reader: organisation, occupation or item, level, type."""
        parts = [
            snapshot.get("organization") or "",
            self.value("occupation", snapshot.get("occupation"))
            if snapshot.get("occupation")
            else snapshot.get("title", ""),
            self.value("skill_level", snapshot.get("skill_level"))
            if snapshot.get("skill_level")
            else "",
            self.value("training_type", snapshot.get("training_type"))
            if snapshot.get("training_type")
            else "",
        ]
        return " · ".join(part for part in parts if part)

    def value(self, field: str, value: Any) -> str:
        """Return one field's value as text."""
        if value is None or value == "" or value == [] or value == {}:
            return "—"
        if field == "subsidy_fen":
            return yuan(value)
        if field == "group_subsidy_fen":
            return "；".join(f"{self.groups.get(k, k)} {yuan(v)}" for k, v in value.items())
        if field == "target_groups":
            return "、".join(self.groups.get(code, code) for code in value)
        if field == "skill_level":
            return self.levels.get(value, value)
        if field == "occupation":
            name = self._occupations.get(value)
            return f"{value} {name}" if name else value
        if field == "training_type":
            return str(TrainingType(value).label) if value in TrainingType.values else value
        if field == "status":
            return str(EntryStatus(value).label) if value in EntryStatus.values else value
        if field == "attributes":
            return json.dumps(value, ensure_ascii=False, sort_keys=True)
        return str(value)


@dataclass(frozen=True)
class DiffRow:
    """One difference as a table row: key, kind and described field changes."""

    key: str
    kind: str
    changes: list[tuple[str, str, str]]
    allowed_reasons: tuple[str, ...]
    label: str = ""


def diff_rows(diff: Diff) -> list[DiffRow]:
    """Describe every difference of a diff, field by field, for templates."""
    describer = Describer()
    codes = {
        snapshot["occupation"]
        for item in diff.items
        for snapshot in (item.before, item.after)
        if snapshot and snapshot["occupation"]
    }
    describer.preload(codes)
    rows = []
    for item in diff.items:
        if item.kind == "changed":
            changes = [
                (
                    str(FIELD_LABELS[f.field]),
                    describer.value(f.field, f.old),
                    describer.value(f.field, f.new),
                )
                for f in item.fields
            ]
        else:
            snapshot = item.after or item.before or {}
            changes = [
                (str(FIELD_LABELS[name]), "", describer.value(name, snapshot[name]))
                for name in (
                    "occupation",
                    "title",
                    "skill_level",
                    "training_type",
                    "organization",
                    "subsidy_fen",
                    "status",
                )
                if snapshot.get(name)
            ]
        label = describer.label(item.after or item.before or {})
        rows.append(DiffRow(item.key, item.kind, changes, item.allowed_reasons, label))
    return rows


def attribute_text(attributes: dict[str, Any]) -> list[tuple[str, str]]:
    """Name the kind-specific details of an entry for its row: evaluation kind, licence, …"""
    labels = {
        "evaluation_kind": (_("Evaluation kind"), EvaluationKind),
        "qualification_type": (_("Qualification type"), QualificationType),
    }
    result = []
    for key, value in sorted((attributes or {}).items()):
        if key in labels:
            label, choices = labels[key]
            shown = str(choices(value).label) if value in choices.values else str(value)
            result.append((str(label), shown))
        elif key == "licence_number":
            result.append((str(_("Licence number")), str(value)))
        elif key == "licence_expiry":
            result.append((str(_("Licence expires")), str(value)))
        elif key == "venues" and isinstance(value, list):
            for venue in value:
                if isinstance(venue, dict):
                    capacity = venue.get("capacity", "?")
                    result.append(
                        (str(_("Venue")), "{} ({})".format(venue.get("address", ""), capacity))
                    )
        elif key == "faculty":
            result.append((str(_("Faculty")), str(value)))
        else:
            result.append((key, json.dumps(value, ensure_ascii=False)))
    return result
