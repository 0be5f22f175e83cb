"""Forms of the organisation pages: registration, staff accounts, the bureau's account search."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import SetPasswordForm
from django.utils.translation import gettext_lazy as _

from jineng.accounts.roles import Role
from jineng.organizations import services
from jineng.organizations.models import Organization, OrganizationKind
from jineng.regions.models import Region, RegionLevel


class RegionChoiceField(forms.ModelChoiceField[Region]):
    """A county or town chosen by its name (its code shown after it, for the namesakes)."""

    def label_from_instance(self, obj: Region) -> str:
        return f"{obj.name}（{obj.code}）"


class OrganizationForm(forms.Form):
    """Register an organisation, or correct its registration."""

    credit_code = forms.CharField(
        label=_("Unified social credit code"),
        max_length=32,
        help_text=_("18 characters, as on the business licence or registration certificate."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    name = forms.CharField(label=_("Organisation name"), max_length=200)
    kind = forms.ChoiceField(label=_("Kind of organisation"), choices=OrganizationKind.choices)
    region = RegionChoiceField(
        label=_("Town or county"),
        queryset=Region.objects.filter(level__in=(RegionLevel.COUNTY, RegionLevel.TOWN)).order_by(
            "code"
        ),
        required=False,
        empty_label=_("(none)"),
    )
    address = forms.CharField(label=_("Address"), max_length=300, required=False)
    contact_phone = forms.CharField(
        label=_("Contact phone"),
        max_length=30,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off"}),
    )

    @classmethod
    def initial_of(cls, organization: Organization) -> dict[str, Any]:
        """Return the form's initial values from an organisation."""
        return {
            "credit_code": organization.credit_code,
            "name": organization.name,
            "kind": organization.kind,
            "region": organization.region,
            "address": organization.address,
            "contact_phone": organization.contact_phone,
        }

    def as_input(self) -> services.OrganizationInput:
        """Return what the service takes."""
        data = self.cleaned_data
        region = data.get("region")
        return services.OrganizationInput(
            credit_code=data["credit_code"],
            name=data["name"],
            kind=data["kind"],
            region_code=region.code if region else "",
            address=data.get("address") or "",
            contact_phone=data.get("contact_phone") or "",
        )


class StaffForm(forms.Form):
    """Open a staff account of one organisation, in one of the roles its kind allows."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    username = forms.CharField(
        label=_("Sign-in name"),
        max_length=150,
        help_text=_("Letters, digits and @ . + - _ only; the person signs in with it."),
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    role = forms.ChoiceField(label=_("Role"))
    phone = forms.CharField(
        label=_("Mobile phone (optional)"),
        max_length=20,
        required=False,
        help_text=_("Stored encrypted; the owner confirms it before it can reset the password."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "off", "inputmode": "tel"}),
    )
    email = forms.EmailField(label=_("Email (optional)"), required=False)
    is_admin = forms.BooleanField(
        label=_("Administrator of the organisation (manages its staff accounts)"),
        required=False,
    )

    def __init__(self, *args: Any, organization: Organization, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        roles = services.staff_roles_for(organization)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [(role, Role(role).label) for role in roles]
        if len(roles) == 1:
            role_field.initial = roles[0]

    def as_input(self) -> services.StaffInput:
        """Return what the service takes."""
        data = self.cleaned_data
        return services.StaffInput(
            username=data["username"],
            full_name=data["full_name"],
            role=data["role"],
            email=data.get("email") or "",
            is_admin=bool(data.get("is_admin")),
            phone=data.get("phone") or "",
        )


class BureauAccountForm(StaffForm):
    """Open an account of the bureau itself, optionally limited to a town or county."""

    region = RegionChoiceField(
        label=_("Limited to (optional)"),
        queryset=Region.objects.filter(level__in=(RegionLevel.COUNTY, RegionLevel.TOWN)).order_by(
            "code"
        ),
        required=False,
        empty_label=_("The whole city"),
        help_text=_("A limited account sees only the people and organisations of that area."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        forms.Form.__init__(self, *args, **kwargs)
        del self.fields["is_admin"]
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)
        role_field.choices = [(role, Role(role).label) for role in services.BUREAU_ROLES]

    def region_code(self) -> str:
        """The chosen region's code, or "" for the whole city."""
        region = self.cleaned_data.get("region")
        return region.code if region else ""


class OrganizationSearchForm(forms.Form):
    """Find organisations by name or credit code, and by kind."""

    q = forms.CharField(label=_("Name or credit code"), max_length=200, required=False)
    kind = forms.ChoiceField(
        label=_("Kind of organisation"),
        choices=[("", _("All kinds")), *OrganizationKind.choices],
        required=False,
    )


class AccountSearchForm(forms.Form):
    """Find accounts by sign-in name, person's name or organisation."""

    q = forms.CharField(
        label=_("Sign-in name, name or organisation"), max_length=200, required=False
    )
    role = forms.ChoiceField(
        label=_("Role"), choices=[("", _("All roles")), *Role.choices], required=False
    )


class LinkPasswordForm(SetPasswordForm):
    """Choose the first password (or a new one) through a one-time link."""
