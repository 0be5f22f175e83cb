"""Forms of the judge pool's pages: find and keep experts, their cards and relations, draws."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jineng.experts.choices import QualificationKind, RelationKind
from jineng.occupations.forms import OccupationField, SkillLevelField
from jineng.organizations.models import Organization

EXPIRING_DAYS = 90


class OrganizationChoiceField(forms.ModelChoiceField):
    """An organisation chosen by name from those the viewer may see."""

    def label_from_instance(self, obj: Any) -> str:
        return str(obj.name)


def _organizations(queryset: Any, *, required: bool, label: Any) -> OrganizationChoiceField:
    return OrganizationChoiceField(
        label=label, queryset=queryset, required=required, empty_label=_("— none —")
    )


class ExpertFilterForm(forms.Form):
    """Filters of the experts list."""

    q = forms.CharField(label=_("Name"), required=False, max_length=50)
    occupation = OccupationField(
        label=_("Occupation"), required=False, max_length=200, help_text=_("Code or name.")
    )
    level = SkillLevelField(label=_("Examines at least"), required=False, blank=_("— any level —"))
    organization = OrganizationChoiceField(
        label=_("Organisation"), queryset=Organization.objects.none(), required=False
    )
    expiring = forms.BooleanField(label=_("Examiner card expires within 90 days"), required=False)
    inactive = forms.BooleanField(label=_("Show those out of the pool"), required=False)

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class FindPersonForm(forms.Form):
    """Name a registered person by their citizen ID and name, as on the ID card."""

    id_number = forms.CharField(
        label=_("Citizen ID number"),
        max_length=18,
        min_length=15,
        widget=forms.TextInput(attrs={"autocomplete": "off", "inputmode": "text"}),
    )
    name = forms.CharField(label=_("Name"), max_length=50)


class ExpertForm(forms.Form):
    """Where an expert works and what else the bureau records about them."""

    organization = OrganizationChoiceField(
        label=_("Works for"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_(
            "They are never drawn for this organisation's candidates. If their account belongs "
            "to an organisation, it must be this one; left empty, the account's is taken."
        ),
    )
    title = forms.CharField(
        label=_("Professional title"),
        max_length=100,
        required=False,
        help_text=_("For example 高级技师 or 高级工程师."),
    )
    username = forms.CharField(
        label=_("Sign-in name of their account"),
        max_length=150,
        required=False,
        help_text=_(
            "The account they use to enter scores; leave empty if they have none. An account "
            "of another organisation than the one they work for is refused."
        ),
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 3}), required=False, max_length=2000
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["organization"].queryset = organizations  # type: ignore[attr-defined]


class NewExpertForm(FindPersonForm, ExpertForm):
    """Put a registered person in the pool: who they are, then what the bureau records."""

    field_order = ["id_number", "name", "organization", "title", "username", "note"]


class OccupationForm(forms.Form):
    """An occupation the expert examines and the highest level."""

    occupation = OccupationField(
        label=_("Occupation"),
        max_length=200,
        help_text=_("The code (e.g. 6-31-01-03) or exact name (e.g. 电工) in the classification."),
    )
    max_level = SkillLevelField(label=_("Highest level they may examine"))


class QualificationForm(forms.Form):
    """A qualification card with its number and validity."""

    kind = forms.ChoiceField(label=_("Kind"), choices=QualificationKind.choices)
    number = forms.CharField(label=_("Card number"), max_length=60)
    issued_by = forms.CharField(label=_("Issued by"), max_length=200, required=False)
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The last day on the card."),
    )


class RelationForm(FindPersonForm):
    """A person the expert is related to, found by citizen ID and name."""

    kind = forms.ChoiceField(label=_("Relation"), choices=RelationKind.choices)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ReasonForm(forms.Form):
    """Why (to take an expert out of the pool, or to cancel a draw)."""

    reason = forms.CharField(
        label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), max_length=2000
    )


class DrawForm(forms.Form):
    """What examiners a bureau user draws by hand, and whom they must avoid."""

    purpose = forms.CharField(
        label=_("What the examiners are for"),
        max_length=100,
        help_text=_(
            "For example the name of a competition. Assessment sessions draw from their own "
            "page: purposes beginning with assessment-session: are reserved."
        ),
    )
    occupation = OccupationField(label=_("Occupation"), max_length=200)
    level = SkillLevelField(
        label=_("Skill level"), required=False, blank=_("— no level (专项职业能力) —")
    )
    on_date = forms.DateField(
        label=_("Examination day"), widget=forms.DateInput(attrs={"type": "date"})
    )
    end_date = forms.DateField(
        label=_("Last examination day"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
        help_text=_(
            "For an examination over several days; the examiner card must be valid on each."
        ),
    )
    count = forms.IntegerField(label=_("Number of examiners"), min_value=1, max_value=50)
    excluded = forms.ModelMultipleChoiceField(
        label=_("Organisations whose staff may not examine"),
        queryset=Organization.objects.none(),
        required=False,
        help_text=_("The evaluating body and every candidate's training institution or employer."),
    )

    def __init__(self, *args: Any, organizations: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["excluded"].queryset = organizations  # type: ignore[attr-defined]
        self.fields["on_date"].initial = timezone.localdate()
