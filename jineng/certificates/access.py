"""Data scope for certificates: the only place that decides who sees which certificate.

The scope is registered at the end of this module and applied by ``jineng.core.scope``
(ADR 0005): the bureau, reviewers and auditors see every certificate of the city (a
region-limited account: those issued by organisations in its region); staff of an
organisation see the certificates their organisation issued; a worker sees their own.
Everyone else sees none here; the public verification page reads ``queries.public_view``,
which shows a masked summary only. Out-of-scope certificates answer NotFound, like missing.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.accounts.roles import Capability, Role, has_capability
from jineng.certificates.models import Certificate
from jineng.core import scope
from jineng.core.errors import NotFound
from jineng.core.scope import VIEW

# The roles that oversee certificates city-wide; other systems (社保 …) see none.
OVERSIGHT_ROLES = frozenset({Role.BUREAU_ADMIN, Role.REVIEWER, Role.AUDITOR})


def sees_all(user: Viewer) -> bool:
    """Tell whether the user sees every certificate of the city (or of their region)."""
    return bool(
        getattr(user, "is_authenticated", False)
        and getattr(user, "is_active", False)
        and getattr(user, "role", "") in OVERSIGHT_ROLES
    )


def may_manage(user: Viewer) -> bool:
    """Tell whether the user may suspend, revoke and reinstate certificates (the bureau)."""
    return has_capability(user, Capability.MANAGE_CERTIFICATES)


def sees_status_reason(user: Viewer) -> bool:
    """Tell whether the user may read why a certificate was suspended or revoked (bureau)."""
    return may_manage(user)


def get_certificate_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> Certificate:
    """Return a certificate the user may act on, or NotFound for missing and out-of-scope."""
    rows = Certificate.objects.select_related("holder", "occupation", "level", "issuer")
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such certificate."))


def get_certificate_by_number_for_user(
    user: Viewer, number: str, *, action: str = VIEW
) -> Certificate:
    """Return a certificate by its number if the user may act on it, or NotFound."""
    found = (
        Certificate.objects.visible_to(user, action)
        .select_related("holder", "occupation", "level", "issuer")
        .filter(number=number)
        .first()
    )
    if found is None:
        raise NotFound(_("No such certificate."))
    return found


# Data scope (jineng/core/scope.py, ADR 0005): overseers city-wide by issuer region, staff
# their own organisation's issued certificates, a worker their own (holder).
_CERTIFICATE_SCOPE: dict[str, Any] = {"city_wide": sees_all}
scope.register(
    Certificate,
    organization="issuer",
    region="issuer__region",
    person="holder",
    url_params=("certificate_id",),
    **_CERTIFICATE_SCOPE,
)
