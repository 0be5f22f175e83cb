"""Data scope of the judge pool: the only place that decides who sees which expert and draw.

Registered at the end of this module and applied by ``jineng.core.scope`` (ADR 0005), with
one rule of its own for every model of the app: accounts that keep the pool
(``manage_experts``, the bureau) see and change it city-wide (a town-level account: the
experts who live in its town); accounts that read assessments (``view_assessments``: the
bureau, reviewers, auditors) read it; an expert's own account reads their own entry,
occupations, qualifications, relations and picks; everyone else sees nothing. Objects
outside the caller's scope answer NotFound, exactly like missing ones.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.accounts.roles import Capability, has_capability
from jineng.core import scope
from jineng.core.scope import VIEW
from jineng.experts.models import (
    Draw,
    DrawPick,
    Expert,
    ExpertOccupation,
    ExpertQualification,
    ExpertQuerySet,
    ExpertRelation,
)

QS = TypeVar("QS", bound="models.QuerySet[models.Model]")


def manages_experts(user: object) -> bool:
    """Tell whether the user keeps the judge pool and sees experts' names in full."""
    return has_capability(user, Capability.MANAGE_EXPERTS)


def reads_experts(user: object) -> bool:
    """Tell whether the user reads the whole judge pool (keepers, reviewers, auditors)."""
    return manages_experts(user) or has_capability(user, Capability.VIEW_ASSESSMENTS)


def _rule(own: str | None) -> Callable[[QS, Viewer | None, str], QS]:
    """Build the app's scope rule for a model whose own expert's account is at ``own``."""

    def restrict(queryset: QS, user: Viewer | None, action: str) -> QS:
        if not scope.is_active(user):
            return queryset.none()
        entry = scope.entry_for(queryset.model)
        if manages_experts(user) or (action == VIEW and reads_experts(user)):
            return scope.in_region(queryset, entry, user)
        if action == VIEW and own is not None and user.pk is not None:
            return queryset.filter(Q(**{own: user.pk}))
        return queryset.none()

    return restrict


def experts_for(user: Viewer | None) -> ExpertQuerySet:
    """Return the experts the user may see, with person and organisation loaded."""
    return Expert.objects.visible_to(user).select_related("person", "organization", "user")


def get_expert_for_user(user: Viewer | None, pk: int, *, action: str = VIEW) -> Expert:
    """Return an expert the user may act on, or NotFound for missing and out-of-scope alike."""
    rows = Expert.objects.select_related("person", "organization", "user")
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such expert."))


def get_draw_for_user(user: Viewer | None, pk: int, *, action: str = VIEW) -> Draw:
    """Return a draw the user may act on, or NotFound for missing and out-of-scope alike."""
    rows = Draw.objects.select_related("occupation", "level", "created_by", "cancelled_by")
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such draw."))


def expert_for_user(user: Viewer | None) -> Expert | None:
    """Return the expert whose account is the signed-in user, or None (also when inactive)."""
    if not scope.is_active(user) or user.pk is None:
        return None
    return Expert.objects.select_related("person", "organization").filter(user_id=user.pk).first()


scope.register(
    Expert,
    rule=_rule("user"),
    region="person__region",
    url_params=(
        "expert_id",
        *(
            f"experts:{name}/pk"
            for name in (
                "detail",
                "edit",
                "occupation_add",
                "occupation_end",
                "qualification_add",
                "relation_add",
                "deactivate",
                "reactivate",
            )
        ),
    ),
    notes="Keepers of the pool city-wide; reviewers and auditors read; an expert their own.",
)
scope.register(
    ExpertOccupation,
    rule=_rule("expert__user"),
    region="expert__person__region",
    url_params=("experts:occupation_end/entry_id",),
)
scope.register(
    ExpertQualification,
    rule=_rule("expert__user"),
    region="expert__person__region",
)
scope.register(
    ExpertRelation,
    rule=_rule("expert__user"),
    region="expert__person__region",
)
# A draw spans experts from anywhere: a town-level account sees none (the scope fails closed).
scope.register(
    Draw, rule=_rule(None), url_params=("draw_id", "experts:draw/pk", "experts:draw_cancel/pk")
)
scope.register(DrawPick, rule=_rule("expert__user"))
