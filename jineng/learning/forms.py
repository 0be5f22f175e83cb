"""Forms of the bureau's learning-platform page."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from jineng.organizations.models import Organization


class PlatformForm(forms.Form):
    """Register a learning platform."""

    name = forms.CharField(label=_("Name"), max_length=200)
    organization = forms.ModelChoiceField(
        label=_("Organisation"),
        queryset=Organization.objects.order_by("name"),
        required=False,
        help_text=_("The organisation that runs the platform, if any."),
    )
