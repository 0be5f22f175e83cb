"""Forms of the catalog pages: public search, the bureau console's drafts, entries, appeals."""

from __future__ import annotations

import json
from typing import Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jineng.catalogs.choices import (
    PUBLIC_STATUSES,
    CatalogKind,
    ChangeReason,
    EntryStatus,
    EvaluationKind,
    GroundsKind,
    QualificationType,
    TrainingType,
)
from jineng.catalogs.importers import cells
from jineng.catalogs.importers.columns import ITEM_SEPARATORS, PAIR_SEPARATOR
from jineng.catalogs.models import CatalogEntry
from jineng.catalogs.queries import EntryFilters, current_version, upcoming_version
from jineng.catalogs.services import REGISTER_KINDS, EntryInput
from jineng.core.forms import DatalistInput, YuanField
from jineng.core.money import format_yuan
from jineng.occupations.forms import OccupationField, SkillLevelField
from jineng.occupations.models import Occupation
from jineng.people.models import TargetGroup
from jineng.regions.models import Region

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


def _blank(label: Any) -> list[tuple[str, Any]]:
    return [("", label)]


def group_choices() -> list[tuple[str, str]]:
    return list(TargetGroup.objects.values_list("code", "name"))


def town_choices() -> list[tuple[str, str]]:
    towns = Region.objects.towns().filter(code__startswith=settings.JINENG_CITY_REGION_CODE)
    return [*_blank(_("All townships")), *towns.values_list("code", "name")]


class EntrySearchForm(forms.Form):
    """Search a catalog: words, occupation code, level, township, target group, training type."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    occupation = forms.CharField(
        label=_("Occupation code"),
        required=False,
        max_length=20,
        help_text=_("A code or its beginning, e.g. 6-31."),
    )
    level = SkillLevelField(label=_("Skill level"), required=False, blank=_("All levels"))
    town = forms.ChoiceField(label=_("Township"), required=False)
    target_group = forms.ChoiceField(label=_("Target group"), required=False)
    training_type = forms.ChoiceField(
        label=_("Training type"),
        required=False,
        choices=[*_blank(_("All training types")), *TrainingType.choices],
    )
    on = forms.DateField(
        label=_("As in force on"),
        required=False,
        widget=DATE_INPUT,
        help_text=_("Leave empty for today."),
    )

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["town"]).choices = town_choices()
        cast(forms.ChoiceField, self.fields["target_group"]).choices = [
            *_blank(_("All target groups")),
            *group_choices(),
        ]
        if kind != CatalogKind.SUBSIDISED_TRAINING:
            del self.fields["training_type"]
            del self.fields["target_group"]
        if kind == CatalogKind.QUALIFICATIONS:
            del self.fields["town"]

    def filters(self) -> EntryFilters:
        """The search as query filters (empty when the form is invalid)."""
        if not self.is_bound or not self.is_valid():
            return EntryFilters()
        data = self.cleaned_data
        return EntryFilters(
            q=data.get("q", ""),
            occupation=data.get("occupation", ""),
            level=data.get("level", ""),
            town=data.get("town", ""),
            target_group=data.get("target_group", ""),
            training_type=data.get("training_type", ""),
        )


class DraftForm(forms.Form):
    """Start a new draft of a catalog."""

    kind = forms.ChoiceField(label=_("Catalog"), choices=CatalogKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    effective_from = forms.DateField(
        label=_("Planned effective date"), required=False, widget=DATE_INPUT
    )
    copy_current = forms.BooleanField(
        label=_("Start from a copy of the latest published version"), required=False, initial=True
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class VersionForm(forms.Form):
    """Change a draft's title, planned date and note."""

    title = forms.CharField(label=_("Title"), max_length=200)
    effective_from = forms.DateField(
        label=_("Planned effective date"), required=False, widget=DATE_INPUT
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


class ImportForm(forms.Form):
    """Upload next version of a catalog as an xlsx or csv file."""

    kind = forms.ChoiceField(label=_("Catalog"), choices=CatalogKind.choices)
    title = forms.CharField(label=_("Title"), max_length=200)
    effective_from = forms.DateField(
        label=_("Planned effective date"), required=False, widget=DATE_INPUT
    )
    file = forms.FileField(
        label=_("File (.xlsx or .csv)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".xlsx,.csv"}),
    )


class RegisterDraftForm(forms.Form):
    """Build a draft of an organisations catalog from the accreditation register."""

    kind = forms.ChoiceField(label=_("Catalog"))
    title = forms.CharField(label=_("Title"), max_length=200)
    on_date = forms.DateField(label=_("Licences in force on"), widget=DATE_INPUT)
    effective_from = forms.DateField(
        label=_("Planned effective date"), required=False, widget=DATE_INPUT
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            (k, CatalogKind(k).label) for k in REGISTER_KINDS
        ]
        self.fields["on_date"].initial = timezone.localdate()


class EntryForm(forms.Form):
    """One catalog entry; the fields shown depend on the kind of catalog."""

    occupation_code = OccupationField(
        label=_("Occupation"),
        required=False,
        max_length=200,
        help_text=_("The code (e.g. 6-31-01-03) or exact name (e.g. 电工) in the classification."),
    )
    title = forms.CharField(
        label=_("Item name"),
        required=False,
        max_length=200,
        help_text=_("For an item without an occupation code, e.g. a local special ability."),
    )
    level_code = SkillLevelField(label=_("Skill level"), required=False)
    training_type = forms.ChoiceField(
        label=_("Training type"), required=False, choices=[("", "—"), *TrainingType.choices]
    )
    organization_code = forms.CharField(
        label=_("Organisation credit code"), required=False, max_length=18
    )
    evaluation_kind = forms.ChoiceField(
        label=_("Evaluation kind"), required=False, choices=[("", "—"), *EvaluationKind.choices]
    )
    qualification_type = forms.ChoiceField(
        label=_("Qualification type"),
        required=False,
        choices=[("", "—"), *QualificationType.choices],
    )
    region_code = forms.CharField(label=_("Township code"), required=False, max_length=12)
    subsidy_yuan = YuanField(label=_("Subsidy (yuan per person)"), required=False)
    target_groups = forms.MultipleChoiceField(
        label=_("Eligible target groups"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("None ticked: open to everyone."),
    )
    group_subsidies = forms.CharField(
        label=_("Subsidy by target group"),
        required=False,
        max_length=500,
        help_text=_("e.g. 退役军人:1200；农民工:1000"),
    )
    min_hours = forms.IntegerField(label=_("Minimum class hours"), required=False, min_value=1)
    age_min = forms.IntegerField(label=_("Minimum age"), required=False, min_value=0)
    age_max = forms.IntegerField(label=_("Maximum age"), required=False, min_value=0)
    valid_from = forms.DateField(label=_("Valid from"), required=False, widget=DATE_INPUT)
    valid_until = forms.DateField(label=_("Valid until"), required=False, widget=DATE_INPUT)
    status = forms.ChoiceField(label=_("Status"), choices=EntryStatus.choices)
    attributes = forms.CharField(
        label=_("Other details (JSON)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_('e.g. {"licence_number": "…", "venues": [{"address": "…", "capacity": 40}]}'),
    )

    KIND_FIELDS: dict[str, set[str]] = {
        CatalogKind.SUBSIDISED_TRAINING: {
            "occupation_code",
            "title",
            "level_code",
            "training_type",
            "subsidy_yuan",
            "target_groups",
            "group_subsidies",
            "min_hours",
            "age_min",
            "age_max",
            "valid_from",
            "valid_until",
            "status",
            "attributes",
        },
        CatalogKind.TRAINING_INSTITUTIONS: {
            "organization_code",
            "occupation_code",
            "title",
            "level_code",
            "region_code",
            "valid_from",
            "valid_until",
            "status",
            "attributes",
        },
        CatalogKind.EVALUATION_BODIES: {
            "organization_code",
            "occupation_code",
            "title",
            "level_code",
            "evaluation_kind",
            "region_code",
            "valid_from",
            "valid_until",
            "status",
            "attributes",
        },
        CatalogKind.QUALIFICATIONS: {
            "occupation_code",
            "title",
            "qualification_type",
            "level_code",
            "valid_from",
            "valid_until",
            "status",
            "attributes",
        },
    }

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        cast(forms.ChoiceField, self.fields["target_groups"]).choices = group_choices()
        for name in list(self.fields):
            if name not in self.KIND_FIELDS[kind]:
                del self.fields[name]

    def clean_occupation_code(self) -> str:
        occupation = self.cleaned_data.get("occupation_code")
        return occupation.code if isinstance(occupation, Occupation) else ""

    def clean_attributes(self) -> dict[str, Any]:
        raw = self.cleaned_data.get("attributes", "").strip()
        if not raw:
            return {}
        try:
            value = json.loads(raw)
        except ValueError:
            value = None
        if not isinstance(value, dict):
            raise forms.ValidationError(_('Write a JSON object, e.g. {"faculty": 12}.'))
        return value

    def clean_group_subsidies(self) -> dict[str, int]:
        groups = {g.name: g.code for g in TargetGroup.objects.all()}
        groups.update({code: code for code in groups.values()})
        result = {}
        for part in ITEM_SEPARATORS.split(self.cleaned_data.get("group_subsidies", "")):
            if not part.strip():
                continue
            pieces = PAIR_SEPARATOR.split(part, maxsplit=1)
            code = groups.get(pieces[0].strip()) if len(pieces) == 2 else None
            if code is None:
                raise forms.ValidationError(
                    _("Write each group as name:amount ({part}).").format(part=part.strip())
                )
            try:
                fen = cells.yuan_to_fen(pieces[1])
            except cells.CellError as exc:
                raise forms.ValidationError(str(exc)) from None
            if fen is None:
                raise forms.ValidationError(_("An amount is missing."))
            result[code] = fen
        return result

    def to_input(self) -> EntryInput:
        """The entry as service input (call after is_valid)."""
        data = self.cleaned_data
        attributes = dict(data.get("attributes") or {})
        for name in ("evaluation_kind", "qualification_type"):
            if data.get(name):
                attributes[name] = data[name]
        return EntryInput(
            title=data.get("title", ""),
            occupation_code=data.get("occupation_code", ""),
            level_code=data.get("level_code", ""),
            training_type=data.get("training_type", ""),
            organization_code=data.get("organization_code", ""),
            region_code=data.get("region_code", ""),
            target_groups=tuple(data.get("target_groups") or ()),
            subsidy_fen=data.get("subsidy_yuan"),
            group_subsidy_fen=data.get("group_subsidies") or {},
            min_hours=data.get("min_hours"),
            age_min=data.get("age_min"),
            age_max=data.get("age_max"),
            valid_from=data.get("valid_from"),
            valid_until=data.get("valid_until"),
            status=data.get("status") or EntryStatus.ACTIVE,
            attributes=attributes,
        )

    def initial_from(self, data: EntryInput) -> None:
        """Fill the form from an entry's input (for editing)."""
        attributes = dict(data.attributes)
        names = dict(TargetGroup.objects.values_list("code", "name"))
        self.initial = {
            "occupation_code": data.occupation_code,
            "title": data.title,
            "level_code": data.level_code,
            "training_type": data.training_type,
            "organization_code": data.organization_code,
            "evaluation_kind": attributes.pop("evaluation_kind", ""),
            "qualification_type": attributes.pop("qualification_type", ""),
            "region_code": data.region_code,
            "subsidy_yuan": data.subsidy_fen,
            "target_groups": list(data.target_groups),
            "group_subsidies": "；".join(
                f"{names.get(k, k)}:{format_yuan(v, grouping=False)}"
                for k, v in data.group_subsidy_fen.items()
            ),
            "min_hours": data.min_hours,
            "age_min": data.age_min,
            "age_max": data.age_max,
            "valid_from": data.valid_from,
            "valid_until": data.valid_until,
            "status": data.status,
            "attributes": json.dumps(attributes, ensure_ascii=False) if attributes else "",
        }


class ReasonForm(forms.Form):
    """The reason and grounds for the differences ticked in the list."""

    keys = forms.MultipleChoiceField(label=_("Entries"), widget=forms.CheckboxSelectMultiple)
    reason = forms.ChoiceField(label=_("Reason"), choices=ChangeReason.choices)
    grounds_kind = forms.ChoiceField(label=_("Grounds"), choices=GroundsKind.choices)
    grounds_reference = forms.CharField(
        label=_("Grounds reference"),
        max_length=300,
        help_text=_("Which scorecard, inspection, complaint, licence, application or document."),
    )
    note = forms.CharField(
        label=_("Note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, keys: list[str], **kwargs: Any) -> None:
        # The workbench shows this form beside the version form, which has a note too.
        kwargs.setdefault("auto_id", "reason-%s")
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["keys"]).choices = [(k, k) for k in keys]


class PublishForm(forms.Form):
    """Publish a reviewed version from a date."""

    effective_from = forms.DateField(label=_("Takes effect on"), widget=DATE_INPUT)


class ReturnForm(forms.Form):
    """Send a version back to draft with a note."""

    note = forms.CharField(label=_("What needs changing"), required=False, max_length=1000)


class AppealForm(forms.Form):
    """An organisation's appeal against its removal or suspension."""

    grounds = forms.CharField(
        label=_("Grounds of the appeal"), widget=forms.Textarea(attrs={"rows": 5}), max_length=5000
    )


class DecisionForm(forms.Form):
    """The bureau's decision on an appeal."""

    upheld = forms.TypedChoiceField(
        label=_("Decision"),
        choices=[("1", _("Uphold the appeal")), ("0", _("Dismiss the appeal"))],
        coerce=lambda value: value == "1",
        widget=forms.RadioSelect,
    )
    decision = forms.CharField(
        label=_("Reasons for the decision"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=5000,
    )


def entry_label(entry: CatalogEntry) -> str:
    """How a form names a subsidised-training entry: code, occupation or item, level, type."""
    parts = [entry.display_name]
    if entry.occupation is not None:
        parts[0] = f"{entry.occupation.code} {entry.display_name}"
    if entry.training_type:
        parts.append(str(entry.get_training_type_display()))
    return " · ".join(parts)


def subsidised_entries() -> dict[str, str]:
    """The active entries of the subsidised-training catalog in force and of the one
    published to follow it, as {key: label}; labels are made unique with the key."""
    versions = [
        v
        for v in (
            current_version(CatalogKind.SUBSIDISED_TRAINING),
            upcoming_version(CatalogKind.SUBSIDISED_TRAINING),
        )
        if v is not None
    ]
    entries = (
        CatalogEntry.objects.filter(version__in=versions, status=EntryStatus.ACTIVE)
        .select_related("occupation", "skill_level", "organization")
        .order_by("key")
    )
    labels: dict[str, str] = {}
    for entry in entries:
        labels.setdefault(entry.key, entry_label(entry))
    seen: dict[str, int] = {}
    for label in labels.values():
        seen[label] = seen.get(label, 0) + 1
    return {key: label if seen[label] == 1 else f"{label} ({key})" for key, label in labels.items()}


def entry_label_of(key: str) -> str:
    """The label of a subsidised-training entry by its key, from the latest published version
    that has it (one query), or the key itself if no published catalog has it."""
    if not key:
        return ""
    entry = (
        CatalogEntry.objects.filter(
            key=key,
            version__catalog__kind=CatalogKind.SUBSIDISED_TRAINING,
            version__status__in=PUBLIC_STATUSES,
        )
        .select_related("occupation", "skill_level", "organization")
        .order_by("-version__effective_from", "-version__number")
        .first()
    )
    return entry_label(entry) if entry is not None else key


class CatalogEntryField(forms.CharField):
    """A subsidised-training catalog entry chosen by its title, cleaned to the entry's key.

    The input suggests every active entry (a <datalist>: searchable without script); a text
    that is a whole label, a key, or words found in exactly one label chooses that entry.
    """

    widget = DatalistInput

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", 300)
        super().__init__(*args, **kwargs)
        self.entries: dict[str, str] = {}

    def load(self) -> None:
        """Read the catalog: call when the form is made, not when the module is imported."""
        self.entries = subsidised_entries()
        assert isinstance(self.widget, DatalistInput)
        self.widget.options = list(self.entries.values())

    def prepare_value(self, value: Any) -> Any:
        return self.entries.get(value, value) if isinstance(value, str) else value

    def clean(self, value: Any) -> str:
        text = " ".join(str(super().clean(value) or "").split())
        if not text:
            return ""
        if text in self.entries:
            return text
        by_label = {label: key for key, label in self.entries.items()}
        if text in by_label:
            return by_label[text]
        words = text.lower().split()
        found = [
            key
            for key, label in self.entries.items()
            if all(word in f"{label} {key}".lower() for word in words)
        ]
        if len(found) == 1:
            return found[0]
        if not found:
            raise forms.ValidationError(
                _(
                    "No entry of the subsidised training catalog in force matches “%(value)s”: "
                    "choose one from the list, or leave the field empty."
                ),
                params={"value": text},
            )
        raise forms.ValidationError(
            _("%(count)s entries match “%(value)s”: choose one from the list, e.g. %(examples)s."),
            params={
                "count": len(found),
                "value": text,
                "examples": "；".join(self.entries[key] for key in found[:3]),
            },
        )
