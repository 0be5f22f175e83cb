"""Name the occupations' audit actions (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import register_actions

register_actions(
    {
        "occupations.occupation.loaded": _("Loaded the occupation classification"),
        "occupations.skilllevel.loaded": _("Loaded the skill levels"),
    }
)
