"""Name the online learning audit actions (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import register_actions, register_fields

register_actions(
    {
        "learning.learningplatform.created": _("Added a learning platform"),
        "learning.learningplatform.registered": _("Registered a learning platform"),
        "learning.platformcredential.created": _("Issued xAPI credentials to a platform"),
        "learning.platformcredential.revoked": _("Revoked a platform's xAPI credentials"),
        "learning.statement.voided": _("Voided a learning statement"),
    }
)
register_fields({"platform": _("Learning platform")})
