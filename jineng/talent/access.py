"""Data scope for talent: the only place that decides who sees which round, studio or proposal.

Talent is the bureau's, city-wide: roles with ``view_talent`` (bureau, reviewers, auditors)
see every award round, nomination, objection, master studio, competition and promotion
proposal (a region-limited account: those of people or hosts in its region; rows with no
region, as rounds and competitions, show it nothing: the scope fails closed); changes need
``manage_talent``. Institutions, employers, evaluators and workers see none of it here: a
worker reads their own awards, medals and studio in the lifelong record, and anyone reads
the public notice and the winners through ``queries.public_notice`` and
``queries.public_winners``, masked. Out of scope answers NotFound, exactly like missing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Model, QuerySet
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.accounts.roles import Capability, has_capability
from jineng.core import scope
from jineng.core.scope import VIEW
from jineng.talent.models import (
    AwardRound,
    Competition,
    MasterStudio,
    Nomination,
    Objection,
    PromotionProposal,
    StudioApprenticeship,
)


def may_view(user: Viewer) -> bool:
    """Tell whether the user sees the talent pool and the talent pages (view_talent)."""
    return has_capability(user, Capability.VIEW_TALENT)


def may_manage(user: Viewer) -> bool:
    """Tell whether the user runs competitions, rounds, studios and goals (manage_talent)."""
    return has_capability(user, Capability.MANAGE_TALENT)


def sees_full_names(user: Viewer) -> bool:
    """Tell whether lists show people's full names (view_full_pii), or masked as 张*明."""
    return has_capability(user, Capability.VIEW_FULL_PII)


def _talent_rule(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    """The talent rule of the data scope: view_talent to view, manage_talent to change."""
    needed = Capability.VIEW_TALENT if action == VIEW else Capability.MANAGE_TALENT
    if not scope.is_active(user) or not user.can(needed):
        return queryset.none()
    return scope.in_region(queryset, scope.entry_for(queryset.model), user)


def _get(
    model: type[Model], related: tuple[str, ...], user: Viewer, pk: int, action: str, missing: str
) -> Any:
    rows = model._default_manager.select_related(*related)
    return scope.get_for_user(rows, user, pk, action=action, missing=missing)


def get_round_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> AwardRound:
    """Return an award round the user may act on, or NotFound for missing and out-of-scope."""
    found: AwardRound = _get(AwardRound, ("title",), user, pk, action, _("No such award round."))
    return found


def get_nomination_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> Nomination:
    """Return a nomination the user may act on, or NotFound for missing and out-of-scope."""
    found: Nomination = _get(
        Nomination,
        ("award_round__title", "person", "occupation", "employer"),
        user,
        pk,
        action,
        _("No such nomination."),
    )
    return found


def get_objection_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> Objection:
    """Return an objection the user may act on, or NotFound for missing and out-of-scope."""
    found: Objection = _get(
        Objection,
        ("nomination__award_round", "nomination__person"),
        user,
        pk,
        action,
        _("No such objection."),
    )
    return found


def get_studio_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> MasterStudio:
    """Return a master studio the user may act on, or NotFound for missing and out-of-scope."""
    found: MasterStudio = _get(
        MasterStudio,
        ("host", "master", "occupation"),
        user,
        pk,
        action,
        _("No such master studio."),
    )
    return found


def get_competition_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> Competition:
    """Return a competition the user may act on, or NotFound for missing and out-of-scope."""
    found: Competition = _get(Competition, (), user, pk, action, _("No such competition."))
    return found


def get_proposal_for_user(user: Viewer, pk: int, *, action: str = VIEW) -> PromotionProposal:
    """Return a promotion proposal the user may act on, or NotFound for missing and out-of-scope."""
    found: PromotionProposal = _get(
        PromotionProposal,
        (
            "entry__competition",
            "entry__person",
            "entry__occupation",
            "rule",
            "current_level",
            "proposed_level",
        ),
        user,
        pk,
        action,
        _("No such promotion proposal."),
    )
    return found


# Data scope (jineng/core/scope.py, ADR 0005): the talent rule above, with each model's
# region path for region-limited accounts and the URL parameters that carry its key.
_NOTE = "view_talent to view, manage_talent to change; nobody else, whatever the organisation"
scope.register(AwardRound, rule=_talent_rule, url_params=("round_id",), notes=_NOTE)
scope.register(
    Nomination,
    rule=_talent_rule,
    region="person__region",
    url_params=("nomination_id",),
    notes=_NOTE,
)
scope.register(
    Objection,
    rule=_talent_rule,
    region="nomination__person__region",
    # Named by URL: subsidies' objections use the bare objection_id (jineng/subsidies/access.py).
    url_params=("talent:objection_resolve/objection_id",),
    notes=_NOTE,
)
scope.register(
    MasterStudio, rule=_talent_rule, region="host__region", url_params=("studio_id",), notes=_NOTE
)
scope.register(
    StudioApprenticeship,
    rule=_talent_rule,
    region="studio__host__region",
    url_params=("apprenticeship_id",),
    notes=_NOTE,
)
scope.register(Competition, rule=_talent_rule, url_params=("competition_id",), notes=_NOTE)
scope.register(
    PromotionProposal,
    rule=_talent_rule,
    region="entry__person__region",
    url_params=("proposal_id",),
    notes=_NOTE,
)
