"""Data scope for catalogs: who may read drafts and appeals; 404 outside the scope.

All are registered at the end of this module with ``jineng.core.scope`` (ADR 0005). Published
and superseded versions are public; drafts and versions in review are seen and changed only
by those who edit or publish catalogs (``restrict_versions``, the catalogs' own rule). A
version's entries and recorded changes follow it (``restrict_entries``,
``restrict_changes``); an organisation that may appeal also acts on the published removals
and suspensions concerning it. An appeal is seen by the bureau's deciders (those of a
town-level account: appeals of organisations in its town) and by the staff of the
organisation that filed it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.accounts.roles import Capability, has_capability
from jineng.catalogs.choices import APPEALABLE_REASONS, PUBLIC_STATUSES
from jineng.catalogs.models import (
    CatalogAppeal,
    CatalogChange,
    CatalogEntry,
    CatalogVersion,
    CatalogVersionQuerySet,
)
from jineng.core import scope
from jineng.core.errors import NotFound
from jineng.core.scope import VIEW

if TYPE_CHECKING:
    from django.db.models import QuerySet


def can_see_drafts(user: Viewer) -> bool:
    """Tell whether a user may read catalog versions that are not yet published."""
    return has_capability(user, Capability.EDIT_CATALOGS) or has_capability(
        user, Capability.PUBLISH_CATALOGS
    )


def restrict_versions(
    queryset: CatalogVersionQuerySet, user: Viewer, action: str
) -> CatalogVersionQuerySet:
    """Restrict versions to what the user may act on: drafts only for catalog editors.

    Catalogs are the city's, not a town's: an editor's region does not narrow them.
    """
    if can_see_drafts(user):
        return queryset
    if action != VIEW:
        return queryset.none()
    return queryset.filter(status__in=PUBLIC_STATUSES)


def _versions(user: Viewer, action: str) -> CatalogVersionQuerySet:
    return restrict_versions(CatalogVersion.objects.all(), user, action)


def restrict_entries(
    queryset: QuerySet[CatalogEntry], user: Viewer, action: str
) -> QuerySet[CatalogEntry]:
    """Restrict entries to those of the versions the user may act on (an entry is part of one)."""
    return queryset.filter(version__in=_versions(user, action))


def restrict_changes(
    queryset: QuerySet[CatalogChange], user: Viewer, action: str
) -> QuerySet[CatalogChange]:
    """Restrict recorded changes to those of the versions the user may act on.

    Filing an appeal is the one change an organisation makes to a change: its appeal filers
    also act on the published removals and suspensions concerning it (``appealable_changes_for``).
    """
    condition = Q(version__in=_versions(user, action))
    appealable = _appealable(user)
    if action != VIEW and appealable is not None:
        condition |= appealable
    return queryset.filter(condition)


def get_version_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> CatalogVersion:
    """Return a catalog version the user may act on, or NotFound for missing and hidden alike."""
    rows = CatalogVersion.objects.select_related(
        "catalog", "based_on", "created_by", "submitted_by", "published_by"
    )
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such catalog version."))


def decides_appeals(user: Viewer) -> bool:
    """Tell whether the user decides appeals (and so sees every appeal in their region)."""
    return has_capability(user, Capability.DECIDE_APPEALS)


def files_appeals(user: Viewer) -> bool:
    """Tell whether the user files appeals for (and sees those of) their own organisation."""
    return has_capability(user, Capability.FILE_APPEALS)


def get_appeal_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> CatalogAppeal:
    """Return an appeal the user may act on, or NotFound for missing and out-of-scope alike."""
    rows = CatalogAppeal.objects.select_related(
        "organization", "change", "change__version__catalog", "filed_by", "decided_by"
    )
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such appeal."))


def appealable_changes_for(user: Viewer) -> QuerySet[CatalogChange]:
    """Published removals and suspensions of the user's own organisation that it may appeal."""
    appealable = _appealable(user)
    if appealable is None:
        return CatalogChange.objects.none()
    return CatalogChange.objects.filter(appealable)


def _appealable(user: Viewer) -> Q | None:
    """The changes the user's organisation may appeal, or None when it may appeal none."""
    org_id = getattr(user, "organization_id", None)
    if not has_capability(user, Capability.FILE_APPEALS) or not org_id:
        return None
    return Q(
        organization_id=org_id,
        reason__in=APPEALABLE_REASONS,
        version__status__in=PUBLIC_STATUSES,
    )


def get_change_to_appeal(user: Viewer, pk: int) -> CatalogChange:
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


# Data scope (jineng/core/scope.py, ADR 0005). Versions follow the catalogs' own rule (drafts
# for catalog editors, published ones for everyone: restrict_versions); their entries
# and recorded changes follow them, and an organisation's appeal filers may act on (appeal)
# the published removals and suspensions concerning it. An appeal belongs to the
# organisation that filed it; the bureau's deciders see those in their region.
scope.register(
    CatalogVersion,
    rule=restrict_versions,
    public=Q(status__in=PUBLIC_STATUSES),
    url_params=(
        "version_id",
        "catalogs:version/pk",
        "catalogs:workbench/pk",
        "catalogs:compare/pk",
        "catalogs:version_download/pk",
        "catalogs:version_update/pk",
        "catalogs:version_submit/pk",
        "catalogs:version_return/pk",
        "catalogs:version_publish/pk",
        "catalogs:version_discard/pk",
        "catalogs:entry_add/pk",
        "catalogs:reasons_record/pk",
    ),
)
scope.register(
    CatalogEntry,
    rule=restrict_entries,
    public=Q(version__status__in=PUBLIC_STATUSES),
    url_params=("entry_id", "catalogs:entry_edit/pk", "catalogs:entry_remove/pk"),
    notes="follows its version",
)
scope.register(
    CatalogChange,
    rule=restrict_changes,
    organization="organization",
    public=Q(version__status__in=PUBLIC_STATUSES),
    url_params=("change_id", "catalogs:change_delete/pk", "catalogs:appeal_file/pk"),
    notes="follows its version; appeal filers act on their organisation's published ones",
)
scope.register(
    CatalogAppeal,
    organization="organization",
    region="organization__region",
    city_wide=decides_appeals,
    organization_staff=files_appeals,
    url_params=("appeal_id", "catalogs:appeal_decide/pk"),
)
