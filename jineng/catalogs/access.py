"""Data scope for catalogs: who may read drafts and appeals; 404 outside the scope.

Published and superseded versions are public. Drafts and versions in review are seen only
by those who edit or publish catalogs. An appeal is seen by the bureau and by the staff of
the organisation that filed it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from jineng.accounts.roles import Capability, has_capability
from jineng.catalogs.choices import APPEALABLE_REASONS, PUBLIC_STATUSES
from jineng.core.errors import NotFound

if TYPE_CHECKING:
    from jineng.catalogs.models import (
        CatalogAppeal,
        CatalogAppealQuerySet,
        CatalogChange,
        CatalogVersion,
        CatalogVersionQuerySet,
    )


def can_see_drafts(user: Any) -> bool:
    """Tell whether a user may read catalog versions that are not yet published."""
    return has_capability(user, Capability.EDIT_CATALOGS) or has_capability(
        user, Capability.PUBLISH_CATALOGS
    )


def scope_versions(queryset: CatalogVersionQuerySet, user: Any) -> CatalogVersionQuerySet:
    """Restrict versions to what the user may read: drafts only for catalog editors."""
    if can_see_drafts(user):
        return queryset
    return queryset.filter(status__in=PUBLIC_STATUSES)


def get_version_for_user(user: Any, pk: int) -> CatalogVersion:
    """Return a catalog version the user may read, or NotFound for missing and hidden alike."""
    from jineng.catalogs.models import CatalogVersion

    version = (
        CatalogVersion.objects.visible_to(user)
        .select_related("catalog", "based_on", "created_by", "submitted_by", "published_by")
        .filter(pk=pk)
        .first()
    )
    if version is None:
        raise NotFound(_("No such catalog version."))
    return version


def scope_appeals(queryset: CatalogAppealQuerySet, user: Any) -> CatalogAppealQuerySet:
    """Restrict appeals to the bureau's deciders and the appealing organisation's staff."""
    if has_capability(user, Capability.DECIDE_APPEALS):
        return queryset
    org_id = getattr(user, "organization_id", None)
    if has_capability(user, Capability.FILE_APPEALS) and org_id:
        return queryset.filter(organization_id=org_id)
    return queryset.none()


def get_appeal_for_user(user: Any, pk: int) -> CatalogAppeal:
    """Return an appeal the user may read, or NotFound for missing and out-of-scope alike."""
    from jineng.catalogs.models import CatalogAppeal

    appeal = (
        CatalogAppeal.objects.visible_to(user)
        .select_related(
            "organization", "change", "change__version__catalog", "filed_by", "decided_by"
        )
        .filter(pk=pk)
        .first()
    )
    if appeal is None:
        raise NotFound(_("No such appeal."))
    return appeal


def appealable_changes_for(user: Any) -> Any:
    """Published removals and suspensions of the user's own organisation that it may appeal."""
    from jineng.catalogs.models import CatalogChange

    org_id = getattr(user, "organization_id", None)
    if not has_capability(user, Capability.FILE_APPEALS) or not org_id:
        return CatalogChange.objects.none()
    return CatalogChange.objects.filter(
        organization_id=org_id,
        reason__in=APPEALABLE_REASONS,
        version__status__in=PUBLIC_STATUSES,
    )


def get_change_to_appeal(user: Any, pk: int) -> CatalogChange:
    """Return a change the user's organisation may appeal, or NotFound (also for others')."""
    change = (
        appealable_changes_for(user)
        .select_related("version", "version__catalog", "organization")
        .filter(pk=pk)
        .first()
    )
    if change is None:
        raise NotFound(_("No such change concerning your organisation."))
    return change
