"""Forms of the accreditation pages: apply, upload, decide, suspend, lift and withdraw."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from jineng.accreditations.choices import (
    AccreditationKind,
    AccreditationStatus,
    ApplicationStatus,
    EvaluationKind,
)
from jineng.occupations.forms import OccupationField
from jineng.occupations.models import SkillLevel

ACCEPT = "application/pdf,image/jpeg,image/png,.pdf,.jpg,.jpeg,.png"


class MultipleFileInput(forms.ClearableFileInput):
    """A file input that lets the browser pick several files at once."""

    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Return every selected file as a list (Django's documented pattern)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": ACCEPT}))
        super().__init__(*args, **kwargs)

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data]
        return [single(data, initial)] if data else []


class ApplicationForm(forms.Form):
    """What an organisation applies to be accredited for, with its first documents."""

    kind = forms.ChoiceField(label=_("Accreditation for"), choices=AccreditationKind.choices)
    occupation = OccupationField(
        label=_("Occupation"),
        max_length=200,
        help_text=_("The code (e.g. 6-31-01-03) or exact name (e.g. 电工) in the classification."),
    )
    max_level = forms.ModelChoiceField(
        label=_("Highest skill level"),
        queryset=SkillLevel.objects.order_by("rank"),
        to_field_name="code",
    )
    evaluation_kind = forms.ChoiceField(
        label=_("Evaluation kind"),
        choices=[("", _("— not an evaluation body —")), *EvaluationKind.choices],
        required=False,
        help_text=_("Evaluation bodies only."),
    )
    statement = forms.CharField(
        label=_("Statement"),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=2000,
        help_text=_("Facilities, faculty and experience that support the application."),
    )
    documents = MultipleFileField(
        label=_("Documents"),
        required=False,
        help_text=_("PDF, JPEG or PNG: licences, venue certificates, faculty lists."),
    )


class DocumentForm(forms.Form):
    """One more document for a pending application."""

    title = forms.CharField(label=_("Title"), max_length=200)
    file = forms.FileField(label=_("File"), widget=forms.FileInput(attrs={"accept": ACCEPT}))


class ApproveForm(forms.Form):
    """The bureau's grant: licence number, validity and the level granted."""

    licence_number = forms.CharField(label=_("Licence number"), max_length=50)
    valid_from = forms.DateField(
        label=_("Valid from"), widget=forms.DateInput(attrs={"type": "date"})
    )
    valid_until = forms.DateField(
        label=_("Valid until"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("The last day of validity; the licence lapses the next day."),
    )
    max_level = forms.ModelChoiceField(
        label=_("Highest level granted"),
        queryset=SkillLevel.objects.none(),
        to_field_name="code",
    )
    note = forms.CharField(
        label=_("Note"), widget=forms.Textarea(attrs={"rows": 2}), required=False, max_length=2000
    )

    def __init__(self, *args: Any, requested: SkillLevel, **kwargs: Any) -> None:
        kwargs.setdefault(
            "initial", {"valid_from": timezone.localdate(), "max_level": requested.code}
        )
        super().__init__(*args, **kwargs)
        field = self.fields["max_level"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = SkillLevel.objects.filter(rank__lte=requested.rank).order_by("rank")


class ReasonForm(forms.Form):
    """A decision that needs its reasons: reject, suspend, lift."""

    reason = forms.CharField(
        label=_("Reasons"), widget=forms.Textarea(attrs={"rows": 3}), max_length=2000
    )


class WithdrawForm(ReasonForm):
    """Withdraw a licence from a date, today or later."""

    effective_on = forms.DateField(
        label=_("Withdrawn from"),
        widget=forms.DateInput(attrs={"type": "date"}),
        required=False,
        help_text=_("Empty means today."),
    )


class ApplicationFilterForm(forms.Form):
    """Filter applications by status."""

    status = forms.ChoiceField(
        label=_("Status"),
        choices=[("", _("All")), *ApplicationStatus.choices],
        required=False,
    )


class AccreditationFilterForm(forms.Form):
    """Filter licences by kind and status today, and find one by name or number."""

    kind = forms.ChoiceField(
        label=_("Kind"), choices=[("", _("All")), *AccreditationKind.choices], required=False
    )
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All")), *AccreditationStatus.choices], required=False
    )
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        help_text=_("Organisation, licence number or occupation."),
    )
