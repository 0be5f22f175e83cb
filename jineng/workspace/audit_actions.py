"""Name the workspace's audit actions (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import register_actions, register_fields

register_actions(
    {"workspace.export.downloaded": _("Downloaded a background export of claims, ledger or alerts")}
)
register_fields({"export": _("Export")})
