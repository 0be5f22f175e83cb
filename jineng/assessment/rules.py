"""The rules of assessment as data: components with pass marks, and conditions of application.

``load_rules()`` reads ``data/components.yaml`` and ``data/eligibility.yaml`` into
``ComponentRule`` and ``EligibilityRule`` (the ``jineng assessment load-rules`` command and
the demo call it). ``components_for()`` picks a session's components (an occupation's own
rules first, then the general ones of its level, then the route's), and ``check_eligibility``
answers whether a person may sit a level, with the reason in words.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from django.db import transaction
from django.utils.translation import gettext as _

from jineng.assessment.choices import ConditionKind
from jineng.assessment.models import ComponentRule, EligibilityRule
from jineng.core.errors import ValidationFailed
from jineng.occupations.models import Occupation, SkillLevel
from jineng.people.models import Person

DATA = Path(__file__).resolve().parent / "data"
# The level code under which the eligibility rules of a route without levels are kept.
NO_LEVEL = "*"


@dataclass(frozen=True)
class RulesLoaded:
    components: int
    conditions: int
    confirmed: bool


def _read(name: str) -> dict[str, Any]:
    with (DATA / name).open(encoding="utf-8") as handle:
        loaded = yaml.safe_load(handle) or {}
    if not isinstance(loaded, dict):
        raise ValidationFailed(_("{name} is not a mapping.").format(name=name))
    return loaded


def _component_rows(
    routes: dict[str, Any], occupation_code: str, confirmed: bool, note: str
) -> list[ComponentRule]:
    rows = []
    for route, levels in (routes or {}).items():
        for level_code, components in (levels or {}).items():
            for position, item in enumerate(components or []):
                rows.append(
                    ComponentRule(
                        route=route,
                        level_code=level_code or "",
                        occupation_code=occupation_code,
                        key=item["key"],
                        name=item["name"],
                        max_score=Decimal(str(item["max_score"])),
                        pass_score=Decimal(str(item["pass_score"])),
                        position=position,
                        confirmed=confirmed,
                        note=note,
                    )
                )
    return rows


def _condition_rows(
    levels: dict[str, Any], occupation_code: str, confirmed: bool, note: str
) -> list[EligibilityRule]:
    rows = []
    for level_code, conditions in (levels or {}).items():
        for position, item in enumerate(conditions or []):
            if item["kind"] not in ConditionKind.values:
                raise ValidationFailed(
                    _("Unknown condition kind {kind}.").format(kind=item["kind"])
                )
            rows.append(
                EligibilityRule(
                    level_code=level_code,
                    occupation_code=occupation_code,
                    position=position,
                    kind=item["kind"],
                    prior_level_code=item.get("prior_level", ""),
                    years=int(item.get("years", 0)),
                    schooling=list(item.get("schooling", [])),
                    text=item["text"],
                    confirmed=confirmed,
                    note=note,
                )
            )
    return rows


@transaction.atomic
def load_rules() -> RulesLoaded:
    """Replace the component and eligibility rules with those of the data files."""
    components = _read("components.yaml")
    eligibility = _read("eligibility.yaml")
    c_confirmed = bool(components.get("confirmed", False))
    e_confirmed = bool(eligibility.get("confirmed", False))
    c_note = str(components.get("note", ""))
    e_note = str(eligibility.get("note", ""))
    component_rows = _component_rows(components.get("routes", {}), "", c_confirmed, c_note)
    for code, routes in (components.get("occupations") or {}).items():
        component_rows += _component_rows(routes, str(code), c_confirmed, c_note)
    condition_rows = _condition_rows(eligibility.get("levels", {}), "", e_confirmed, e_note)
    for code, levels in (eligibility.get("occupations") or {}).items():
        condition_rows += _condition_rows(levels, str(code), e_confirmed, e_note)
    ComponentRule.objects.all().delete()
    EligibilityRule.objects.all().delete()
    ComponentRule.objects.bulk_create(component_rows)
    EligibilityRule.objects.bulk_create(condition_rows)
    return RulesLoaded(len(component_rows), len(condition_rows), c_confirmed and e_confirmed)


def components_for(
    route: str, occupation: Occupation, level: SkillLevel | None
) -> list[ComponentRule]:
    """The component rules of a session: most specific first (occupation, level, route)."""
    level_code = level.code if level is not None else ""
    rules = list(ComponentRule.objects.filter(route=route))
    for occupation_code, code in (
        (occupation.code, level_code),
        (occupation.code, ""),
        ("", level_code),
        ("", ""),
    ):
        found = [r for r in rules if r.occupation_code == occupation_code and r.level_code == code]
        if found:
            return sorted(found, key=lambda r: r.position)
    return []


def conditions_for(occupation: Occupation, level: SkillLevel | None) -> list[EligibilityRule]:
    """The conditions of application of a level: the occupation's own, else the general ones."""
    level_code = level.code if level is not None else NO_LEVEL
    rows = list(EligibilityRule.objects.filter(level_code=level_code))
    own = [r for r in rows if r.occupation_code == occupation.code]
    return sorted(own or [r for r in rows if not r.occupation_code], key=lambda r: r.position)


@dataclass(frozen=True)
class Declaration:
    """What an application declares: years in the occupation and schooling."""

    years_in_occupation: int | None = None
    education: str = ""


@dataclass(frozen=True)
class Eligibility:
    eligible: bool
    reason: str


def _certificate_levels(person: Person, occupation: Occupation) -> dict[str, datetime.date]:
    """Level code -> issue date of the person's valid certificates in the occupation."""
    from jineng.certificates.models import Certificate, CertificateStatus

    held: dict[str, datetime.date] = {}
    rows = Certificate.objects.filter(
        holder=person, occupation=occupation, status=CertificateStatus.VALID, level__isnull=False
    ).values_list("level__code", "issued_on")
    for code, issued_on in rows:
        if code not in held or issued_on < held[code]:
            held[code] = issued_on
    return held


def _completed_training(person: Person, occupation: Occupation) -> bool:
    from jineng.training.choices import EnrolmentStatus
    from jineng.training.models import Enrolment

    return Enrolment.objects.filter(
        person=person,
        status=EnrolmentStatus.COMPLETED,
        training_class__programme__occupation=occupation,
    ).exists()


def check_eligibility(
    person: Person,
    occupation: Occupation,
    level: SkillLevel | None,
    declaration: Declaration,
    *,
    completed_training: bool | None = None,
) -> Eligibility:
    """Tell whether a person meets the level's conditions, with the condition met or why not.

    Reads the person's valid certificates in the occupation, their completed training
    classes for it (unless ``completed_training`` says), and what the application declares.
    """
    conditions = conditions_for(occupation, level)
    if not conditions:
        return Eligibility(True, _("No conditions of application are set for this level."))
    held: dict[str, datetime.date] | None = None
    years = declaration.years_in_occupation or 0
    for condition in conditions:
        kind = condition.kind
        if kind == ConditionKind.OPEN:
            return Eligibility(True, condition.text)
        if kind == ConditionKind.YEARS and years >= condition.years:
            return Eligibility(True, condition.text)
        if kind == ConditionKind.SCHOOLING and declaration.education in condition.schooling:
            return Eligibility(True, condition.text)
        if kind == ConditionKind.TRAINING:
            done = (
                completed_training
                if completed_training is not None
                else _completed_training(person, occupation)
            )
            if done:
                return Eligibility(True, condition.text)
        if kind == ConditionKind.PRIOR_CERTIFICATE:
            if held is None:
                held = _certificate_levels(person, occupation)
            schooling_ok = not condition.schooling or declaration.education in condition.schooling
            if condition.prior_level_code in held and years >= condition.years and schooling_ok:
                return Eligibility(True, condition.text)
    return Eligibility(
        False,
        _("Meets none of the conditions of application: {conditions}.").format(
            conditions="; ".join(c.text for c in conditions)
        ),
    )
