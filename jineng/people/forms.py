"""Forms of the people pages: the register search, a new target-group membership, an import."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, cast

from django import forms
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jineng.core.errors import ValidationFailed
from jineng.core.validators import normalize_mobile, parse_citizen_id
from jineng.people.access import sees_sensitive_groups
from jineng.people.choices import MembershipSource
from jineng.people.importers import ALL_OR_NOTHING, COMMIT_GOOD
from jineng.people.models import TargetGroup
from jineng.regions.models import Region

if TYPE_CHECKING:
    from django_stubs_ext import StrOrPromise


def town_choices(user: Any) -> list[tuple[str, StrOrPromise]]:
    """Townships of the deployment's city that the user's region scope covers."""
    towns = Region.objects.towns().filter(code__startswith=settings.JINENG_CITY_REGION_CODE)
    region = getattr(user, "region", None)
    if region is not None:
        towns = towns.filter(code__startswith=region.code)
    return [("", _("All townships")), *towns.values_list("code", "name")]


def group_choices(user: Any) -> list[tuple[str, StrOrPromise]]:
    """Target groups by code, for a select: those flagged sensitive only for the bureau."""
    groups = TargetGroup.objects.all()
    if not sees_sensitive_groups(user):
        groups = groups.filter(is_sensitive=False)
    return [("", _("All target groups")), *groups.values_list("code", "name")]


class PersonSearchForm(forms.Form):
    """Filter the register by name, township and target group (people.filters)."""

    name = forms.CharField(label=_("Name contains"), required=False, max_length=50)
    region_code = forms.ChoiceField(label=_("Township"), required=False)
    target_group = forms.ChoiceField(label=_("Target group"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["region_code"]).choices = town_choices(user)
        cast(forms.ChoiceField, self.fields["target_group"]).choices = group_choices(user)


class PersonLookupForm(forms.Form):
    """Find one person by the full citizen ID or mobile number, saying why (查找, audited)."""

    id_number = forms.CharField(
        label=_("Citizen ID (all 18 characters)"),
        required=False,
        max_length=18,
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    phone = forms.CharField(
        label=_("or mobile number"),
        required=False,
        max_length=20,
        widget=forms.TextInput(attrs={"inputmode": "tel", "autocomplete": "off"}),
    )
    purpose = forms.CharField(
        label=_("Why you are looking"),
        max_length=200,
        help_text=_("Recorded in the audit trail, e.g. “enrolling at the front desk”."),
    )

    def clean_id_number(self) -> str:
        value = self.cleaned_data["id_number"].strip().upper()
        if not value:
            return ""
        try:
            return parse_citizen_id(value).number
        except ValidationFailed as error:
            raise forms.ValidationError(error.detail) from None

    def clean_phone(self) -> str:
        value = self.cleaned_data["phone"].strip()
        if not value:
            return ""
        try:
            return normalize_mobile(value)
        except ValidationFailed as error:
            raise forms.ValidationError(error.detail) from None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if bool(cleaned.get("id_number")) == bool(cleaned.get("phone")) and not self.errors:
            raise forms.ValidationError(_("Give either the citizen ID or the mobile number."))
        return cleaned


class MembershipForm(forms.Form):
    """Record that a person belongs to a target group, with evidence and validity."""

    group = forms.ModelChoiceField(
        label=_("Target group"), queryset=TargetGroup.objects.all(), to_field_name="code"
    )
    source = forms.ChoiceField(
        label=_("Source of the evidence"),
        choices=MembershipSource.choices,
        initial=MembershipSource.BUREAU,
    )
    evidence = forms.CharField(
        label=_("Evidence"),
        required=False,
        max_length=300,
        help_text=_("Document or register entry that proves the membership."),
    )
    valid_from = forms.DateField(
        label=_("Valid from"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        required=False,
        help_text=_("Leave empty if it does not expire."),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class ImportForm(forms.Form):
    """Choose a people file and what to do when some rows are bad."""

    file = forms.FileField(
        label=_("File (csv or xlsx)"),
        help_text=_("The first row names the columns; csv may be UTF-8 or GBK."),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,.xls"}),
    )
    mode = forms.ChoiceField(
        label=_("If some rows are bad"),
        choices=[
            (ALL_OR_NOTHING, _("Import nothing, so I can fix the file first")),
            (COMMIT_GOOD, _("Import the good rows and list the bad ones")),
        ],
        initial=ALL_OR_NOTHING,
        widget=forms.RadioSelect,
    )
