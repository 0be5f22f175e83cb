"""Name the attendance audit actions (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import register_actions, register_fields

register_actions(
    {
        "attendance.attendance.accepted": _("Accepted a flagged check-in"),
        "attendance.attendance.created": _("Recorded a check-in"),
        "attendance.attendance.rejected": _("Rejected a flagged check-in"),
        "attendance.sheet.exported": _("Exported an attendance sheet"),
    }
)
register_fields(
    {
        "checked_in_at": _("Checked in at"),
        "distance_m": _("Distance (m)"),
        "flags": _("Flags"),
        "session": _("Session"),
        "sessions": _("Sessions"),
    }
)
