"""Data scope for accreditation: the only place that decides who sees which application.

The bureau (roles with ``view_accreditations``) sees every application and licence; staff of
an organisation that may apply see their own organisation's; everyone else sees nothing.
Objects outside the caller's scope answer NotFound, exactly like missing ones.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, TypeVar

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jineng.accounts.roles import Capability
from jineng.core.errors import NotFound

if TYPE_CHECKING:
    from jineng.accreditations.models import (
        Accreditation,
        AccreditationApplication,
        ApplicationDocument,
    )

Scoped = TypeVar("Scoped", bound=QuerySet[Any])


def sees_all(user: Any) -> bool:
    """Tell whether the user sees every organisation's applications and licences."""
    return bool(user.can(Capability.VIEW_ACCREDITATIONS))


def scope_by_organization(queryset: Scoped, user: Any) -> Scoped:
    """Restrict rows with an ``organization`` to those the user may see."""
    if not getattr(user, "is_authenticated", False) or not user.is_active:
        return queryset.none()
    if sees_all(user):
        return queryset
    if user.can(Capability.APPLY_ACCREDITATION) and user.organization_id:
        return queryset.filter(organization_id=user.organization_id)
    return queryset.none()


def get_application_for_user(user: Any, pk: int) -> AccreditationApplication:
    """Return an application the user may see, or NotFound for missing and out-of-scope."""
    from jineng.accreditations.models import AccreditationApplication

    application = (
        AccreditationApplication.objects.visible_to(user)
        .select_related("organization", "occupation", "max_level", "submitted_by", "decided_by")
        .filter(pk=pk)
        .first()
    )
    if application is None:
        raise NotFound(_("No such accreditation application."))
    return application


def get_document_for_user(user: Any, application_pk: int, pk: int) -> ApplicationDocument:
    """Return a document of an application the user may see, or NotFound."""
    application = get_application_for_user(user, application_pk)
    document = application.documents.filter(pk=pk).first()
    if document is None:
        raise NotFound(_("No such document."))
    return document


def get_accreditation_for_user(user: Any, pk: int) -> Accreditation:
    """Return a licence the user may see, or NotFound for missing and out-of-scope alike."""
    from jineng.accreditations.models import Accreditation

    accreditation = (
        Accreditation.objects.visible_to(user)
        .select_related("organization", "occupation", "max_level", "application", "granted_by")
        .prefetch_related("suspensions")
        .filter(pk=pk)
        .first()
    )
    if accreditation is None:
        raise NotFound(_("No such accreditation."))
    return accreditation
