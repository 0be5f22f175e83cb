"""Attendance fragments other apps' pages include: the bureau's manual-share panel."""

from __future__ import annotations

from typing import Any

from django import template

from jineng.attendance import access, policy, queries
from jineng.training.models import TrainingClass

register = template.Library()


@register.inclusion_tag("attendance/_manual_share.html", takes_context=True)
def manual_share_panel(context: dict[str, Any], training_class: TrainingClass) -> dict[str, Any]:
    """Show the bureau a class's manual check-in share with the city median beside it.

    Renders nothing for anyone else: the median compares institutions across the city.
    """
    user = context.get("user")
    if not access.may_see_city_figures(user):
        return {"shown": False}
    share = queries.manual_share(training_class)
    median = queries.city_manual_median()
    return {
        "shown": True,
        "training_class": training_class,
        "share": share,
        "median": median,
        "is_outlier": policy.is_manual_share_high(share.percent, median),
        "limit": policy.manual_share_limit_percent(),
    }
