"""Name the organisations' audit actions; list them for the audit trail's filter."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import (
    ORGANIZATIONS,
    register_actions,
    register_fields,
    register_organization_choices,
    register_scope,
)

register_actions(
    {
        "organizations.organization.created": _("Registered an organisation"),
        "organizations.organization.changed": _("Changed an organisation's registration"),
        "organizations.organization.generated": _("Generated demonstration organisations"),
        "organizations.staff.admin_granted": _(
            "Made a staff account an organisation administrator"
        ),
        "organizations.staff.admin_revoked": _("Removed a staff account's administrator rights"),
        "organizations.staff.created": _("Opened a staff account"),
        "organizations.staff.deactivated": _("Deactivated a staff account"),
        "organizations.staff.password_reset": _(
            "Reset a staff account's password by a one-time link"
        ),
        "organizations.staff.password_set": _("Set a password through a one-time link"),
        "organizations.staff.reactivated": _("Reactivated a staff account"),
        # Written by the bureau's account pages, which this app serves (ADR 0017).
        "accounts.user.opened": _("Opened a bureau account"),
        "accounts.user.password_link_issued": _(
            "Replaced an account's password by a one-time set-password link"
        ),
    }
)
register_fields({"credit_code": _("Unified social credit code")})


def _in_scope(viewer: Any) -> QuerySet[Any]:
    from jineng.organizations.models import Organization

    return Organization.objects.visible_to(viewer)


def _choices(viewer: Any) -> Iterable[tuple[int, str]]:
    return _in_scope(viewer).order_by("name", "pk").values_list("pk", "name")


register_organization_choices(_choices)
register_scope(ORGANIZATIONS, _in_scope)
