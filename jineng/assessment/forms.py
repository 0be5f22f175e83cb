"""Forms of the assessment pages, in the words of the people who fill them in."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jineng.accounts.models import User
from jineng.accounts.roles import ROLE_CAPABILITIES, Capability
from jineng.accreditations.choices import EvaluationKind
from jineng.assessment.choices import FindingSeverity
from jineng.occupations.forms import OccupationField
from jineng.occupations.models import SkillLevel
from jineng.people.choices import Education


class DateInput(forms.DateInput):
    input_type = "date"


class SessionForm(forms.Form):
    route = forms.ChoiceField(label=_("Kind of evaluation"), choices=EvaluationKind.choices)
    occupation = OccupationField(label=_("Occupation"))
    level = forms.ModelChoiceField(
        label=_("Skill level"),
        queryset=SkillLevel.objects.all(),
        required=False,
        help_text=_("Leave empty for a special vocational ability test (专项职业能力)."),
    )
    title = forms.CharField(
        label=_("Name of the session"),
        max_length=200,
        help_text=_("For example: 2026年第一批电工四级认定."),
    )
    starts_on = forms.DateField(label=_("First day"), widget=DateInput)
    ends_on = forms.DateField(label=_("Last day"), widget=DateInput)
    venue = forms.CharField(label=_("Where it is held"), max_length=200, required=False)
    capacity = forms.IntegerField(label=_("Places"), min_value=1, max_value=10000, initial=60)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        first, last = data.get("starts_on"), data.get("ends_on")
        if isinstance(first, datetime.date) and isinstance(last, datetime.date) and last < first:
            self.add_error("ends_on", _("The last day cannot be before the first day."))
        return data


class ClassCandidatesForm(forms.Form):
    class_code = forms.CharField(
        label=_("Class code"),
        max_length=40,
        help_text=_("Everyone who completed this finished class is added, if eligible."),
    )


class ApplicantForm(forms.Form):
    id_number = forms.CharField(label=_("ID number"), max_length=18, min_length=18)
    name = forms.CharField(label=_("Name as on the ID card"), max_length=50)
    years_in_occupation = forms.IntegerField(
        label=_("Years working in this occupation"), min_value=0, max_value=70, required=False
    )
    education = forms.ChoiceField(
        label=_("Highest schooling"),
        choices=[("", _("As registered"))] + list(Education.choices),
        required=False,
    )


def _supervisor_choices() -> Any:
    roles = [r for r, caps in ROLE_CAPABILITIES.items() if Capability.RECORD_SUPERVISION in caps]
    return User.objects.filter(is_active=True, role__in=roles).order_by("username")


class SupervisorForm(forms.Form):
    supervisor = forms.ModelChoiceField(label=_("Quality supervisor"), queryset=User.objects.none())

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["supervisor"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = _supervisor_choices()


class DrawForm(forms.Form):
    count = forms.IntegerField(label=_("Number of examiners"), min_value=1, max_value=50, initial=3)


class FindingForm(forms.Form):
    severity = forms.ChoiceField(label=_("How serious"), choices=FindingSeverity.choices)
    text = forms.CharField(label=_("What you saw"), widget=forms.Textarea(attrs={"rows": 3}))


class ScoreChangeForm(forms.Form):
    score = forms.TypedChoiceField(label=_("Score to change"), coerce=int, choices=())
    new_value = forms.DecimalField(
        label=_("Corrected score"), min_value=0, max_digits=6, decimal_places=2
    )
    reason = forms.CharField(
        label=_("Why it must change"), widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args: Any, scores: list[tuple[int, str]] = (), **kwargs: Any) -> None:  # type: ignore[assignment]
        super().__init__(*args, **kwargs)
        field = self.fields["score"]
        assert isinstance(field, forms.TypedChoiceField)
        field.choices = list(scores)


class DecisionForm(forms.Form):
    note = forms.CharField(
        label=_("Note"),
        required=False,
        help_text=_("Required when you reject the change."),
        widget=forms.Textarea(attrs={"rows": 2}),
    )
