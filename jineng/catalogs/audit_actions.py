"""Name the catalogs' audit actions and link their pages (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.catalogs.access import get_version_for_user
from jineng.core.audit_labels import (
    access_link,
    register_actions,
    register_fields,
    register_object_link,
)

register_actions(
    {
        "catalogs.appeal.decided": _("Decided an appeal against a catalog change"),
        "catalogs.appeal.filed": _("Appealed against a catalog change"),
        "catalogs.change.deleted": _("Withdrew a recorded catalog change"),
        "catalogs.change.recorded": _("Recorded a catalog change"),
        "catalogs.entry.created": _("Added a catalog entry"),
        "catalogs.entry.deleted": _("Deleted a catalog entry"),
        "catalogs.entry.updated": _("Changed a catalog entry"),
        "catalogs.version.created": _("Started a catalog draft"),
        "catalogs.version.discarded": _("Discarded a catalog draft"),
        "catalogs.version.imported": _("Imported a catalog draft"),
        "catalogs.version.published": _("Published a catalog version"),
        "catalogs.version.returned": _("Returned a catalog draft"),
        "catalogs.version.submitted": _("Submitted a catalog draft for review"),
        "catalogs.version.superseded": _("Superseded a catalog version"),
        "catalogs.version.updated": _("Changed a catalog draft's details"),
    }
)
register_fields(
    {
        "catalog": _("Catalog"),
        "catalog_entry": _("Catalog entry"),
        "change": _("Change"),
        "changes": _("Changes"),
        "copied_entries": _("Entries copied"),
        "based_on": _("Based on"),
        "supersedes": _("Supersedes"),
        "effective_from": _("Effective from"),
        "entries": _("Entries"),
        "differences": _("Differences"),
        "old_key": _("Previous key"),
        "version": _("Version"),
        "from_register_on": _("From the register on"),
        "credit_code": _("Unified social credit code"),
        "credit_codes": _("Unified social credit codes"),
        "import_digest": _("Digest of the imported file"),
        "bad_rows": _("Rows refused"),
    }
)
register_object_link(
    "catalogs.catalogversion", access_link(get_version_for_user, "catalogs:version")
)
