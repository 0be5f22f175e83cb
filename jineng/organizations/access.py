"""Reads of organisations and of their staff accounts, in the reader's data scope."""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.accounts.models import User
from jineng.core.errors import NotFound
from jineng.organizations.models import Organization, OrganizationQuerySet


def organizations_for(viewer: Viewer) -> OrganizationQuerySet:
    """Organisations in the viewer's scope with their region, by name."""
    return Organization.objects.visible_to(viewer).select_related("region").order_by("name", "id")


def organization_for(viewer: Viewer, organization_id: int) -> Organization:
    """One organisation in the viewer's scope; NotFound outside it, as for a missing one."""
    organization = organizations_for(viewer).filter(pk=organization_id).first()
    if organization is None:
        raise NotFound(_("No such organisation."))
    return organization


def staff_of(organization: Organization) -> QuerySet[User]:
    """The accounts of an organisation: administrators first, then by sign-in name."""
    return User.objects.filter(organization=organization).order_by(
        "-is_organization_admin", "-is_active", "username"
    )


def search_accounts(query: str, role: str = "") -> QuerySet[User]:
    """Every account matching a sign-in name, name or organisation name (the bureau's list)."""
    accounts = User.objects.select_related("organization", "region").order_by("username")
    text = " ".join((query or "").split())
    for word in text.split(" ") if text else ():
        accounts = accounts.filter(
            Q(username__icontains=word)
            | Q(first_name__icontains=word)
            | Q(last_name__icontains=word)
            | Q(organization__name__icontains=word)
            | Q(organization__credit_code__iexact=word)
        )
    if role:
        accounts = accounts.filter(role=role)
    return accounts
