"""Row locks of talent: the only place select_for_update() appears in this app.

Lock order, where a service takes more than one: round, then nomination, then objection.
The lock timeout is the connection's (jineng.core.db), as for every lock of the product.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jineng.core.errors import NotFound
from jineng.talent.models import AwardRound, Nomination, Objection, PromotionProposal


def round_for_update(pk: int) -> AwardRound:
    """Lock an award round so that its status moves one step at a time."""
    found = (
        AwardRound.objects.select_for_update(of=("self",))
        .select_related("title")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("No such award round."))
    return found


def nomination_for_update(pk: int) -> Nomination:
    """Lock a nomination so that one review decision, or publication, runs on it at a time."""
    found = (
        Nomination.objects.select_for_update(of=("self",))
        .select_related("award_round", "person")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("No such nomination."))
    return found


def objection_for_update(pk: int) -> Objection:
    """Lock an objection so that it is resolved once."""
    found = (
        Objection.objects.select_for_update(of=("self",))
        .select_related("nomination")
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("No such objection."))
    return found


def proposal_for_update(pk: int) -> PromotionProposal:
    """Lock a promotion proposal so that two approvals never issue two certificates."""
    found = (
        PromotionProposal.objects.select_for_update(of=("self",))
        .select_related(
            "entry__competition", "entry__person", "entry__occupation", "rule", "proposed_level"
        )
        .filter(pk=pk)
        .first()
    )
    if found is None:
        raise NotFound(_("No such promotion proposal."))
    return found
