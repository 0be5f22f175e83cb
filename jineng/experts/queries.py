"""Reads of the judge pool for pages, the API and the workspace."""

from __future__ import annotations

import datetime
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Prefetch
from django.utils import timezone

from jineng.core import pii
from jineng.experts import access, draw
from jineng.experts.choices import QualificationKind
from jineng.experts.errors import TooFewExperts
from jineng.experts.models import Draw, DrawQuerySet, ExpertOccupation, ExpertQuerySet

EXPIRING_DAYS = 90


def with_list_details(experts: ExpertQuerySet) -> ExpertQuerySet:
    """Load the current occupations and the qualifications a list shows."""
    current = ExpertOccupation.objects.filter(ended_on__isnull=True).select_related(
        "occupation", "max_level"
    )
    return experts.prefetch_related(
        Prefetch("occupations", queryset=current, to_attr="current_occupations"),
        "qualifications",
    )


def search_experts(user: Any, filters: Mapping[str, Any]) -> ExpertQuerySet:
    """Return the experts in the user's scope that match every filter, by name."""
    experts = access.experts_for(user)
    if not filters.get("inactive"):
        experts = experts.active()
    if filters.get("q"):
        experts = experts.filter(person__name__contains=filters["q"])
    occupation, level = filters.get("occupation"), filters.get("level")
    if occupation is not None or level:
        held = ExpertOccupation.objects.filter(expert=OuterRef("pk"), ended_on__isnull=True)
        if occupation is not None:
            held = held.filter(occupation=occupation)
        if level:
            held = held.filter(max_level__rank__gte=_rank(level))
        experts = experts.filter(Exists(held))
    if filters.get("organization") is not None:
        experts = experts.filter(organization=filters["organization"])
    if filters.get("expiring"):
        experts = experts.filter(Exists(_expiring_cards()))
    return with_list_details(experts).order_by("person__name", "pk")


def _rank(level_code: str) -> int:
    from jineng.occupations.models import SkillLevel

    found = SkillLevel.objects.filter(code=level_code).values_list("rank", flat=True).first()
    return found or 0


def _expiring_cards() -> Any:
    from jineng.experts.models import ExpertQualification

    today = timezone.localdate()
    return ExpertQualification.objects.filter(
        expert=OuterRef("pk"),
        kind=QualificationKind.EXAMINER,
        valid_until__gte=today,
        valid_until__lte=today + datetime.timedelta(days=EXPIRING_DAYS),
    )


def experts_with_expiring_cards(user: Any) -> ExpertQuerySet:
    """Active experts in scope whose examiner card ends within 90 days (workspace section)."""
    return access.experts_for(user).active().filter(Exists(_expiring_cards()))


def recent_draws(user: Any) -> DrawQuerySet:
    """Draws in the user's scope, newest first (workspace section and the draws list)."""
    return Draw.objects.visible_to(user).select_related("occupation", "level", "created_by")


@dataclass(frozen=True)
class PoolRow:
    """One line of a draw's pool as its page shows it."""

    expert_id: int
    name: str
    organization: str
    workload: int
    eligible: bool
    reason: str
    picked_order: int | None


def pool_rows(made: Draw, viewer: Any) -> list[PoolRow]:
    """Return a draw's pool with names (masked unless the viewer keeps the pool)."""
    from jineng.experts.models import Expert

    entries = draw.from_snapshot(made.pool)
    experts = Expert.objects.select_related("person", "organization").in_bulk(
        [e.expert_id for e in entries]
    )
    order = {pick.expert_id: pick.order for pick in made.picks.all()}
    full = access.manages_experts(viewer)
    rows = []
    for entry in entries:
        expert = experts.get(entry.expert_id)
        name = expert.person.name if expert else ""
        rows.append(
            PoolRow(
                expert_id=entry.expert_id,
                name=name if full else pii.mask_name(name),
                organization=expert.organization.name if expert and expert.organization else "",
                workload=entry.workload,
                eligible=entry.eligible,
                reason=entry.reason,
                picked_order=order.get(entry.expert_id),
            )
        )
    return sorted(rows, key=lambda r: (r.picked_order is None, r.picked_order or 0, r.expert_id))


def reproduces(made: Draw) -> bool:
    """Tell whether recomputing the draw from its seed and pool gives its stored picks."""
    try:
        return draw.reproduce(made) == made.picked_ids()
    except (TooFewExperts, KeyError, TypeError, ValueError):
        # A damaged snapshot does not reproduce: say so rather than fail the page.
        return False
