"""The dashboard's filters: period by month, township, occupation and training type."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from typing import TYPE_CHECKING

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jineng.catalogs.choices import TrainingType
from jineng.stats import queries

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise

MONTH_PATTERN = r"\d{4}-\d{2}"
# The longest period one page counts, so that a query stays bounded.
MAX_MONTHS = 60


class MonthInput(forms.TextInput):
    input_type = "month"


def default_period(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last twelve months up to and including this one."""
    today = today or timezone.localdate()
    last = today.replace(day=1)
    first = datetime.date(last.year - 1, last.month, 1)
    return queries.next_month(first), last


def _month_field(label: StrOrPromise) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=MonthInput(attrs={"pattern": MONTH_PATTERN, "placeholder": "2026-11"}),
        help_text=_("Year and month, e.g. 2026-11."),
    )


class StatisticsFilterForm(forms.Form):
    """Choose what the statistics cover; every field is optional."""

    first_month = _month_field(_("From month"))
    last_month = _month_field(_("To month"))
    town = forms.ChoiceField(label=_("Township"), required=False)
    occupation = forms.ChoiceField(label=_("Occupation"), required=False)
    training_type = forms.ChoiceField(
        label=_("Training type"),
        required=False,
        choices=[("", _("All training types")), *TrainingType.choices],
    )

    def __init__(self, data: Mapping[str, object] | None = None) -> None:
        super().__init__(data)
        town = self.fields["town"]
        occupation = self.fields["occupation"]
        assert isinstance(town, forms.ChoiceField)
        assert isinstance(occupation, forms.ChoiceField)
        town.choices = [("", _("All townships")), *queries.town_choices()]
        occupation.choices = [("", _("All occupations")), *queries.occupation_choices()]

    def _month(self, name: str) -> datetime.date | None:
        text = self.cleaned_data.get(name) or ""
        if not text:
            return None
        month = queries.parse_month(text)
        if month is None:
            raise forms.ValidationError(
                _("Write the month as year and month, e.g. 2026-11."), code="month"
            )
        return month

    def clean_first_month(self) -> datetime.date | None:
        return self._month("first_month")

    def clean_last_month(self) -> datetime.date | None:
        return self._month("last_month")

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        first, last = default_period()
        first = data.get("first_month") or first
        last = data.get("last_month") or max(last, first)
        if last < first:
            raise forms.ValidationError(
                _("The period ends before it starts: choose a later 'to' month."), code="order"
            )
        months = (last.year - first.year) * 12 + last.month - first.month + 1
        if months > MAX_MONTHS:
            raise forms.ValidationError(
                _("Choose a period of at most {n} months.").format(n=MAX_MONTHS), code="long"
            )
        data["first_month"], data["last_month"] = first, last
        return data

    def filters(self) -> queries.Filters:
        """The filters chosen (call after is_valid())."""
        data = self.cleaned_data
        return queries.Filters(
            first_month=data["first_month"],
            last_month=data["last_month"],
            town=data.get("town") or "",
            occupation=data.get("occupation") or "",
            training_type=data.get("training_type") or "",
        )
