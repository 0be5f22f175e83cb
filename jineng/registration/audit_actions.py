"""Name self-registration's audit actions for the audit trail (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import register_actions, register_fields

register_actions(
    {
        "registration.link.refused": _(
            "Refused to link a self-registered account to a register entry"
        ),
    }
)
register_fields({"where": _("Where")})
