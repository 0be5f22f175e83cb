"""Forms of the bureau's learning-platform page."""

from __future__ import annotations

import re

from django import forms
from django.utils.translation import gettext_lazy as _

from jineng.learning.models import LearningPlatform
from jineng.learning.services import Registrations
from jineng.organizations.models import Organization


class RegistrationForm(forms.Form):
    """Name the institutions and the single classes a platform's minutes may count toward."""

    institutions = forms.ModelMultipleChoiceField(
        label=_("Registered for the classes of"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        help_text=_(
            "Online minutes this platform reports count toward every class of these institutions."
        ),
    )
    class_codes = forms.CharField(
        label=_("Registered for single classes"),
        required=False,
        max_length=5000,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_(
            "Class codes, separated by spaces, commas or new lines. Statements about any other "
            "class are kept but do not count."
        ),
    )

    def registrations(self) -> Registrations:
        """Return what the form registers the platform for."""
        codes = re.split(r"[\s,，、]+", self.cleaned_data.get("class_codes") or "")
        return Registrations(
            institutions=tuple(self.cleaned_data.get("institutions") or ()),
            class_codes=tuple(code for code in codes if code),
        )


class PlatformForm(RegistrationForm):
    """Register a learning platform and what it reports for."""

    name = forms.CharField(label=_("Platform name"), max_length=200)
    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        help_text=_("The organisation that runs the platform, if any."),
    )
    field_order = ("name", "organization", "institutions", "class_codes")


def initial_registrations(platform: LearningPlatform) -> dict[str, object]:
    """Return a registration form's initial values from a platform's registrations."""
    return {
        "institutions": list(platform.institutions.all()),
        "class_codes": " ".join(sorted(c.code for c in platform.training_classes.all())),
    }
