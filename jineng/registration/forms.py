"""Forms of self-registration and password reset, validated as the register validates."""

from __future__ import annotations

import secrets
from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.hashers import make_password
from django.contrib.auth.password_validation import (
    password_validators_help_text_html,
    validate_password,
)
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from jineng.accounts.models import User
from jineng.core.errors import ValidationFailed
from jineng.core.validators import normalize_mobile
from jineng.people.errors import InvalidPerson
from jineng.people.services import PersonInput, clean_person
from jineng.regions.models import Region, RegionLevel
from jineng.registration.services import PendingRegistration

# The register's field names (people.services.clean_person) and this form's.
_FIELDS = {"id_number": "id_number", "name": "name", "phone": "phone", "region_code": "region"}


def _town_choices() -> list[tuple[str, Any]]:
    towns = Region.objects.filter(
        level=RegionLevel.TOWN, code__startswith=settings.JINENG_CITY_REGION_CODE
    ).order_by("code")
    return [("", _("Choose your township or subdistrict"))] + [(t.code, t.name) for t in towns]


def _code_field() -> forms.RegexField:
    return forms.RegexField(
        label=_("Code from the text message"),
        regex=r"^\s*\d{6}\s*$",
        max_length=12,
        error_messages={"invalid": _("Enter the six digits of the code sent to your phone.")},
        widget=forms.TextInput(
            attrs={
                "inputmode": "numeric",
                "autocomplete": "one-time-code",
                "autofocus": True,
            }
        ),
    )


def _username_field() -> forms.CharField:
    """The optional sign-in name: a worker may log in by the confirmed phone instead."""
    return forms.CharField(
        label=_("Username"),
        max_length=150,
        required=False,
        help_text=_(
            "Optional. You can always log in with your confirmed mobile phone number instead."
        ),
        widget=forms.TextInput(attrs={"autocomplete": "username"}),
    )


class PasswordPair(forms.Form):
    """A new password typed twice, checked against the password rules in settings."""

    password1 = forms.CharField(
        label=_("Password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=password_validators_help_text_html,
    )
    password2 = forms.CharField(
        label=_("Password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def check_passwords(self, user: User | None) -> None:
        """Add an error to the pair when it differs or breaks a password rule."""
        first = self.cleaned_data.get("password1")
        second = self.cleaned_data.get("password2")
        if not first or not second:
            return
        if first != second:
            self.add_error("password2", _("The two passwords differ."))
            return
        try:
            validate_password(first, user)
        except ValidationError as error:
            self.add_error("password1", error)


class UsernameChoice(forms.Form):
    """An optional username; without one the account gets a generated name."""

    def clean_username_field(self, typed: str) -> str:
        """Return the username to create, adding an error to the field when it is unusable."""
        username = typed.strip()
        if not username:
            # Never the phone: a username is kept and shown in clear (audit trail, lockouts).
            return "w" + secrets.token_hex(5)
        try:
            normalize_mobile(username)
        except ValidationFailed:
            pass
        else:
            self.add_error(
                "username",
                _(
                    "A username cannot be a mobile phone number. Leave it empty to log in with "
                    "your number."
                ),
            )
            return username
        try:
            User.username_validator(username)
        except ValidationError as error:
            self.add_error("username", error)
        if User.objects.filter(username__iexact=username).exists():
            self.add_error("username", _("This username is taken; choose another."))
        return username


class RegistrationForm(UsernameChoice, PasswordPair):
    """Name and citizen ID as on the ID card, township, phone, username and password."""

    field_order = ["name", "id_number", "region", "phone", "username", "password1", "password2"]

    name = forms.CharField(
        label=_("Name"),
        max_length=50,
        help_text=_("As printed on your ID card."),
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    id_number = forms.CharField(
        label=_("Citizen ID number"),
        max_length=40,
        help_text=_("The 18 characters on your ID card; the last may be X."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    region = forms.ChoiceField(label=_("Township or subdistrict where you live"))
    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=20,
        help_text=_("A code is sent to it by text message."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )
    username = _username_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _town_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """Validate the person as the register does, then the username and the password."""
        data = super().clean() or {}
        try:
            person = clean_person(
                PersonInput(
                    id_number=data.get("id_number", ""),
                    name=data.get("name", ""),
                    region_code=data.get("region", ""),
                    phone=data.get("phone", "") or "",
                )
            )
        except InvalidPerson as invalid:
            for error in invalid.errors:
                self.add_error(_FIELDS.get(error.field or ""), str(error.detail))
            person = None
        if person is not None and not person.phone:
            self.add_error("phone", _("The mobile phone number is required."))
        if person is not None:
            data["clean_person"] = person
            username = self.clean_username_field(data.get("username") or "")
            data["username"] = username
            self.check_passwords(User(username=username))
        return data

    def pending(self) -> PendingRegistration:
        """The validated registration, with the password already hashed."""
        person = self.cleaned_data["clean_person"]
        return PendingRegistration(
            name=person.name,
            id_number=person.id_number,
            region_code=person.region.code,
            phone=person.phone,
            username=self.cleaned_data["username"],
            password_hash=make_password(self.cleaned_data["password1"]),
        )


class CodeForm(forms.Form):
    """The six-digit code sent to the phone."""

    code = _code_field()

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()


class ResetRequestForm(forms.Form):
    """The mobile number confirmed for the account whose password is forgotten."""

    phone = forms.CharField(
        label=_("Mobile phone number"),
        max_length=20,
        help_text=_("The number confirmed for your account."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )

    def clean_phone(self) -> str:
        try:
            return normalize_mobile(self.cleaned_data["phone"])
        except ValidationFailed as error:
            raise ValidationError(str(error.detail)) from None


class ResetConfirmForm(PasswordPair):
    """The code sent to the phone and the new password."""

    field_order = ["code", "password1", "password2"]
    code = _code_field()

    def clean_code(self) -> str:
        return str(self.cleaned_data["code"]).strip()

    def clean(self) -> dict[str, Any]:
        """Check the new password against the rules (not yet against the account's names)."""
        data = super().clean() or {}
        self.check_passwords(None)
        return data


class VerifiedRegistrationForm(UsernameChoice, PasswordPair):
    """What a provider does not vouch for: township, username and password."""

    field_order = ["region", "username", "password1", "password2"]
    region = forms.ChoiceField(
        label=_("Township or subdistrict where you live"),
        help_text=_("Used only if you are not in the register yet."),
    )
    username = _username_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["region"].choices = _town_choices()  # type: ignore[attr-defined]

    def clean(self) -> dict[str, Any]:
        """Check the username (a generated one by default) and the password."""
        data = super().clean() or {}
        username = self.clean_username_field(data.get("username") or "")
        data["username"] = username
        self.check_passwords(User(username=username))
        return data
