"""Row locks of the judge pool: the only place select_for_update() appears in this app.

Every wait is bounded by the connection's lock timeout (core.db, ADR 0006).
"""

from __future__ import annotations

from collections.abc import Iterable

from django.utils.translation import gettext as _

from jineng.core.errors import NotFound
from jineng.experts.models import Draw, Expert


def expert_for_update(pk: int) -> Expert:
    """Lock an expert so that changes to them and to their pool entries run one at a time."""
    expert = (
        Expert.objects.select_for_update(of=("self",))
        .select_related("person", "organization", "user")
        .filter(pk=pk)
        .first()
    )
    if expert is None:
        raise NotFound(_("No such expert."))
    return expert


def pool_for_update(expert_ids: Iterable[int]) -> list[int]:
    """Lock the experts of a draw's pool, by id, so parallel draws read each other's picks.

    Two draws that share experts queue here; the second then counts the first one's picks in
    its workloads, and balancing holds under parallel draws. Locking in id order keeps two
    overlapping pools from deadlocking.
    """
    return list(
        Expert.objects.select_for_update()
        .filter(pk__in=list(expert_ids))
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def draw_for_update(pk: int) -> Draw:
    """Lock a draw so that it is cancelled once."""
    draw = Draw.objects.select_for_update(of=("self",)).filter(pk=pk).first()
    if draw is None:
        raise NotFound(_("No such draw."))
    return draw
