"""Helpers shared by the catalogs services: capability checks, the state machine, drafts."""

from __future__ import annotations

from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import has_capability
from jineng.catalogs.choices import VERSION_TRANSITIONS, CatalogKind, VersionStatus
from jineng.catalogs.models import Catalog, CatalogVersion
from jineng.core.errors import InvalidTransition, PermissionDenied, ValidationFailed


def require(actor: Actor, capability: str) -> None:
    """Refuse an actor whose role lacks a capability."""
    if not has_capability(actor, capability):
        raise PermissionDenied(_("Your role may not do this."))


def get_catalog(kind: str) -> Catalog:
    """Return the catalog of a kind, creating its row the first time it is needed."""
    if kind not in CatalogKind.values:
        raise ValidationFailed(_("Unknown catalog {kind}.").format(kind=kind), field="kind")
    catalog, _created = Catalog.objects.get_or_create(kind=kind)
    return catalog


def transition(version: CatalogVersion, to: str) -> None:
    """Move a version to a new status if the state machine allows it (not saved here)."""
    if to not in VERSION_TRANSITIONS[version.status]:
        raise InvalidTransition(
            _("Version {number} is {status} and cannot become {to}.").format(
                number=version.number,
                status=version.get_status_display(),
                to=VersionStatus(to).label,
            )
        )
    version.status = to


def editable(version: CatalogVersion) -> None:
    """Refuse changes to a version that is no longer a draft."""
    if version.status != VersionStatus.DRAFT:
        raise InvalidTransition(
            _("Version {number} is {status}: only drafts can be edited.").format(
                number=version.number, status=version.get_status_display()
            )
        )


def touch(version: CatalogVersion, actor: Actor) -> None:
    """Note the actor as an editor of the draft (four-eyes) and its modification time."""
    version.editors.add(actor)
    version.save(update_fields=["updated_at"])
