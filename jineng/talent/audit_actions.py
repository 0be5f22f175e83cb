"""Name talent's audit actions and link their pages (core.audit_labels)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from jineng.core.audit_labels import (
    access_link,
    register_actions,
    register_fields,
    register_object_link,
)
from jineng.talent.access import (
    get_competition_for_user,
    get_proposal_for_user,
    get_round_for_user,
    get_studio_for_user,
)

register_actions(
    {
        "talent.awardtitle.created": _("Created an award title"),
        "talent.awardtitle.changed": _("Changed an award title"),
        "talent.awardround.created": _("Opened an award round"),
        "talent.awardround.advanced": _("Moved an award round on"),
        "talent.nomination.created": _("Recorded a nomination"),
        "talent.nomination.decided": _("Decided a nomination"),
        "talent.nomination.withdrawn": _("Withdrew a nominee after an objection"),
        "talent.nomination.published": _("Published an award winner"),
        "talent.objection.raised": _("Received an objection during the public notice"),
        "talent.objection.resolved": _("Resolved an objection"),
        "talent.masterstudio.created": _("Recognised a master studio"),
        "talent.apprenticeship.started": _("Took an apprentice into a studio"),
        "talent.apprenticeship.ended": _("Ended an apprenticeship"),
        "talent.competition.created": _("Recorded a competition"),
        "talent.entry.recorded": _("Recorded a competition result"),
        "talent.proposal.created": _("Proposed a promotion"),
        "talent.proposal.approved": _("Approved a promotion"),
        "talent.proposal.rejected": _("Rejected a promotion"),
        "talent.promotionrule.loaded": _("Loaded a promotion rule"),
        "talent.talentgoal.set": _("Set the talent pool's goal"),
    }
)
register_fields(
    {
        "round": _("Award round"),
        "nomination": _("Nomination"),
        "objection": _("Objection"),
        "studio": _("Studio"),
        "master": _("Master"),
        "competition": _("Competition"),
        "prize": _("Prize"),
        "rank": _("Place"),
        "rule": _("Rule"),
        "current_level": _("Current level"),
        "proposed_level": _("Proposed level"),
        "certificate": _("Certificate"),
        "notice_days": _("Days of public notice"),
        "notice_starts_on": _("Public notice starts on"),
        "notice_ends_on": _("Public notice ends on"),
        "published_on": _("Published on"),
        "target": _("Target"),
        "previous_target": _("Previous target"),
        "levels_up": _("Levels up"),
        "confirmed": _("Confirmed"),
    }
)
register_object_link(
    "talent.awardround", access_link(get_round_for_user, "talent:round", "round_id")
)
register_object_link(
    "talent.masterstudio", access_link(get_studio_for_user, "talent:studio", "studio_id")
)
register_object_link(
    "talent.competition",
    access_link(get_competition_for_user, "talent:competition", "competition_id"),
)
register_object_link(
    "talent.promotionproposal",
    access_link(get_proposal_for_user, "talent:proposal", "proposal_id"),
)
