"""Name fraud's audit actions and link their pages (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import register_actions, register_fields

register_actions(
    {
        "fraud.alerts.exported": _("Exported fraud alerts"),
        "fraud.rule.seeded": _("Recorded a fraud rule's first version"),
        "fraud.rule.changed": _("Changed a fraud rule's thresholds"),
        "fraud.scan.run": _("Ran the fraud rules"),
        "fraud.alert.opened": _("Opened a fraud alert"),
        "fraud.alert.cleared": _("Cleared a fraud alert"),
        "fraud.alert.confirmed": _("Confirmed a fraud alert"),
        "fraud.alert.viewed": _("Viewed a fraud alert's evidence with full personal data"),
    }
)
register_fields(
    {
        "rule": _("Rule"),
        "version": _("Version"),
        "thresholds": _("Thresholds"),
        "hits": _("Hits"),
        "new_alerts": _("New alerts"),
        "holds": _("Claims held"),
        "released": _("Holds released"),
        "recoveries": _("Recovery orders"),
    }
)
