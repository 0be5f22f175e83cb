"""Data scope for accreditation: the only place that decides who sees which application.

The scope is registered at the end of this module and applied by ``jineng.core.scope``
(ADR 0005), with this module's two capability rules: roles with ``view_accreditations`` see
every organisation's applications and licences (a town-level bureau account: those of
organisations in its town); staff of an organisation that may apply see their own
organisation's; everyone else sees nothing. Objects outside the caller's scope answer
NotFound, exactly like missing ones.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.accounts.roles import Capability, has_capability
from jineng.accreditations.models import (
    Accreditation,
    AccreditationApplication,
    AccreditationSuspension,
    ApplicationDocument,
)
from jineng.core import scope
from jineng.core.errors import NotFound
from jineng.core.scope import VIEW


def sees_all(user: Viewer) -> bool:
    """Tell whether the user sees every organisation's applications and licences (in region)."""
    return has_capability(user, Capability.VIEW_ACCREDITATIONS)


def may_apply(user: Viewer) -> bool:
    """Tell whether the user sees their own organisation's applications and licences."""
    return has_capability(user, Capability.APPLY_ACCREDITATION)


def get_application_for_user(
    user: Viewer, pk: int, *, action: str = VIEW
) -> AccreditationApplication:
    """Return an application the user may act on, or NotFound for missing and out-of-scope."""
    rows = AccreditationApplication.objects.select_related(
        "organization", "occupation", "max_level", "submitted_by", "decided_by"
    )
    return scope.get_for_user(
        rows, user, pk, action=action, missing=_("No such accreditation application.")
    )


def get_document_for_user(
    user: Viewer, application_pk: int, pk: int, *, action: str = VIEW
) -> ApplicationDocument:
    """Return a document of an application the user may act on, or NotFound."""
    application = get_application_for_user(user, application_pk, action=action)
    document = application.documents.filter(pk=pk).first()
    if document is None:
        raise NotFound(_("No such document."))
    return document


def get_accreditation_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> Accreditation:
    """Return a licence the user may act on, or NotFound for missing and out-of-scope alike."""
    rows = Accreditation.objects.select_related(
        "organization", "occupation", "max_level", "application", "granted_by"
    ).prefetch_related("suspensions")
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such accreditation."))


# Data scope (jineng/core/scope.py, ADR 0005): access follows capabilities, not roles. Roles
# that see every accreditation see those of organisations in their region; roles that may
# apply see their own organisation's; everyone else sees none (above).
_ACCREDITATION_SCOPE: dict[str, Any] = {
    "city_wide": sees_all,
    "organization_staff": may_apply,
}
scope.register(
    AccreditationApplication,
    organization="organization",
    region="organization__region",
    url_params=("application_id",),
    **_ACCREDITATION_SCOPE,
)
scope.register(
    ApplicationDocument,
    organization="application__organization",
    region="application__organization__region",
    url_params=("document_id",),
    **_ACCREDITATION_SCOPE,
)
scope.register(
    Accreditation,
    organization="organization",
    region="organization__region",
    url_params=("accreditation_id",),
    **_ACCREDITATION_SCOPE,
)
scope.register(
    AccreditationSuspension,
    organization="accreditation__organization",
    region="accreditation__organization__region",
    **_ACCREDITATION_SCOPE,
)
