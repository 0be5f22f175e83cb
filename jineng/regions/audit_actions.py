"""Name the regions' audit actions (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import register_actions

register_actions({"regions.region.loaded": _("Loaded the administrative regions")})
