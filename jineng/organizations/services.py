"""Every write to organisations: registration by unified social credit code."""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import audit
from jineng.core.errors import Conflict, PermissionDenied, ValidationFailed
from jineng.core.validators import validate_credit_code
from jineng.organizations.models import Organization, OrganizationKind
from jineng.regions.models import Region

CONTACT_PHONE_RE = re.compile(r"^[0-9+()\- ]{5,30}$")


class OrganizationExists(Conflict):
    """An organisation with this credit code is already registered."""

    code = "organization_exists"


@dataclass(frozen=True)
class OrganizationInput:
    """The fields a caller supplies to register an organisation."""

    credit_code: str
    name: str
    kind: str
    region_code: str = ""
    address: str = ""
    contact_phone: str = ""


def _clean_text(value: str, *, field: str, max_length: int, required: bool = False) -> str:
    text = " ".join((value or "").split())
    if required and not text:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(text) > max_length:
        raise ValidationFailed(
            _("At most {n} characters are allowed.").format(n=max_length), field=field
        )
    return text


def _region(code: str) -> Region | None:
    code = (code or "").strip()
    if not code:
        return None
    region = Region.objects.filter(code=code).first()
    if region is None:
        raise ValidationFailed(
            _("Region code {code} is not known.").format(code=code), field="region_code"
        )
    return region


def build_organization(data: OrganizationInput) -> Organization:
    """Validate input and return an unsaved Organization."""
    credit_code = validate_credit_code(data.credit_code)
    name = _clean_text(data.name, field="name", max_length=200, required=True)
    if data.kind not in OrganizationKind.values:
        raise ValidationFailed(
            _("{value} is not one of: {allowed}.").format(
                value=data.kind, allowed=", ".join(OrganizationKind.values)
            ),
            field="kind",
        )
    phone = _clean_text(data.contact_phone, field="contact_phone", max_length=30)
    if phone and not CONTACT_PHONE_RE.match(phone):
        raise ValidationFailed(
            _("A contact phone has digits, spaces, +, - and brackets only."),
            field="contact_phone",
        )
    return Organization(
        credit_code=credit_code,
        name=name,
        kind=data.kind,
        region=_region(data.region_code),
        address=_clean_text(data.address, field="address", max_length=300),
        contact_phone=phone,
    )


def _existing_conflict(credit_code: str) -> OrganizationExists:
    existing = Organization.objects.filter(credit_code=credit_code).first()
    return OrganizationExists(
        _("An organisation with credit code {code} is already registered.").format(
            code=credit_code
        ),
        field="credit_code",
        existing_id=existing.pk if existing else None,
    )


@transaction.atomic(durable=True)
def register_organization(data: OrganizationInput, *, actor: Actor) -> Organization:
    """Register an organisation (登记机构) once per unified social credit code, audited."""
    if not actor.can(Capability.MANAGE_ORGANIZATIONS):
        raise PermissionDenied(_("Your role may not register organisations."))
    organization = build_organization(data)
    if Organization.objects.filter(credit_code=organization.credit_code).exists():
        raise _existing_conflict(organization.credit_code)
    try:
        with transaction.atomic():
            organization.save(force_insert=True)
    except IntegrityError:
        raise _existing_conflict(organization.credit_code) from None
    audit.record(
        actor,
        "organizations.organization.created",
        organization,
        data={
            "credit_code": organization.credit_code,
            "name": organization.name,
            "kind": organization.kind,
            "region": organization.region.code if organization.region else None,
        },
    )
    return organization
