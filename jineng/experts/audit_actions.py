"""Name the judge pool's audit actions and link their pages (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import (
    access_link,
    register_actions,
    register_fields,
    register_object_link,
)
from jineng.experts.access import get_draw_for_user, get_expert_for_user

register_actions(
    {
        "experts.expert.created": _("Put an expert in the judge pool"),
        "experts.expert.updated": _("Changed an expert"),
        "experts.expert.deactivated": _("Took an expert out of the judge pool"),
        "experts.expert.reactivated": _("Brought an expert back into the judge pool"),
        "experts.occupation.added": _("Added an occupation an expert examines"),
        "experts.occupation.ended": _("Ended an occupation an expert examines"),
        "experts.qualification.added": _("Recorded an expert's qualification"),
        "experts.relation.declared": _("Declared an expert's relation to a person"),
        "experts.draw.made": _("Drew examiners"),
        "experts.draw.cancelled": _("Cancelled a draw of examiners"),
    }
)
register_fields(
    {
        "expert": _("Expert"),
        "seed": _("Seed"),
        "picks": _("Picked experts"),
        "pool": _("Experts in the pool"),
        "eligible": _("Experts who could be picked"),
        "purpose": _("Purpose"),
        "on_date": _("Examination day"),
        "related_person": _("Related person"),
        "max_level": _("Highest level examined"),
    }
)
register_object_link("experts.expert", access_link(get_expert_for_user, "experts:detail"))
register_object_link("experts.draw", access_link(get_draw_for_user, "experts:draw"))
