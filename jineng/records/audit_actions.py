"""Name the lifelong records' audit actions (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import register_actions

register_actions(
    {
        "records.record.downloaded": _("Downloaded a lifelong learning record"),
        "records.sharelink.created": _("Shared a record by link"),
        "records.sharelink.opened": _("Opened a shared record"),
        "records.sharelink.revoked": _("Revoked a record's share link"),
    }
)
