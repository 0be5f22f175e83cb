"""Name the synthetic city's audit action (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import register_actions

register_actions({"composition.city.generated": _("Generated the demonstration city's training")})
