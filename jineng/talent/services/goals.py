"""The bureau's goal for the size of the talent pool (高技能人才目标)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core import audit
from jineng.core.errors import ValidationFailed
from jineng.talent.models import TalentGoal
from jineng.talent.services.common import require_manager, text


@transaction.atomic(durable=True)
def set_goal(year: int, *, target: int, note: str = "", actor: Actor) -> TalentGoal:
    """Set, or change, the target number of high-skill workers for a year (设定目标), audited."""
    require_manager(actor)
    if not 2000 <= year <= 2100:
        raise ValidationFailed(_("Give a year between 2000 and 2100."), field="year")
    if target < 1:
        raise ValidationFailed(_("The target is 1 or more."), field="target")
    before = TalentGoal.objects.filter(year=year).values_list("target", flat=True).first()
    goal, _created = TalentGoal.objects.update_or_create(
        year=year, defaults={"target": target, "note": text(note, field="note"), "set_by": actor}
    )
    audit.record(
        actor,
        "talent.talentgoal.set",
        goal,
        data={"year": year, "target": target, "previous_target": before},
    )
    return goal
