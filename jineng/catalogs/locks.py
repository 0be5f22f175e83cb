"""Row locks of the catalogs app: the only place select_for_update() appears in it."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jineng.catalogs.models import Catalog, CatalogAppeal, CatalogVersion
from jineng.core.errors import NotFound


def catalog_for_update(catalog_id: int) -> Catalog:
    """Lock a catalog row until the transaction ends: publishers and numbering queue here."""
    catalog = Catalog.objects.select_for_update().filter(pk=catalog_id).first()
    if catalog is None:
        raise NotFound(_("No such catalog."))
    return catalog


def version_for_update(version_id: int) -> CatalogVersion:
    """Lock a catalog version row so edits and state changes of one draft queue up."""
    version = (
        CatalogVersion.objects.select_for_update(of=("self",))
        .select_related("catalog")
        .filter(pk=version_id)
        .first()
    )
    if version is None:
        raise NotFound(_("No such catalog version."))
    return version


def appeal_for_update(appeal_id: int) -> CatalogAppeal:
    """Lock an appeal row so two decisions on it cannot both be recorded."""
    appeal = (
        CatalogAppeal.objects.select_for_update(of=("self",))
        .select_related("change", "change__version", "organization")
        .filter(pk=appeal_id)
        .first()
    )
    if appeal is None:
        raise NotFound(_("No such appeal."))
    return appeal
