"""Learning fragments other apps' pages include: a class's online learning that does not count."""

from __future__ import annotations

from typing import Any

from django import template

from jineng.learning import queries
from jineng.training.models import TrainingClass

register = template.Library()


@register.inclusion_tag("learning/_uncounted.html")
def uncounted_learning(training_class: TrainingClass) -> dict[str, Any]:
    """Show the online learning reported for a class by platforms not registered for it.

    The including page has already checked that the viewer may see the class.
    """
    return {"training_class": training_class, "rows": queries.uncounted_in_class(training_class)}
