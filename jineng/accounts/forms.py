"""Forms of the accounts pages: TOTP codes, the security policy and the audit-trail filter."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from jineng.accounts.models import SecurityPolicy
from jineng.accounts.roles import Role


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app."""

    token = forms.RegexField(
        label=_("Six-digit code"),
        regex=r"^\d{6}$",
        max_length=6,
        min_length=6,
        error_messages={"invalid": _("Enter the six digits shown in your authenticator app.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "pattern": r"\d{6}",
                "autofocus": True,
            }
        ),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].strip()


class SecurityPolicyForm(forms.Form):
    """One checkbox per role: must people in this role use a second factor?"""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        required = set(
            SecurityPolicy.objects.filter(requires_second_factor=True).values_list(
                "role", flat=True
            )
        )
        for value, label in Role.choices:
            self.fields[value] = forms.BooleanField(
                label=label, required=False, initial=value in required
            )

    def required_by_role(self) -> dict[str, bool]:
        """Return the submitted choice for every role."""
        return {value: bool(self.cleaned_data.get(value)) for value in Role.values}
