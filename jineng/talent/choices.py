"""Choices of talent (高技能人才): award rounds, competitions, prizes, proposals, studios."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from jineng.core.errors import InvalidTransition


class RoundStatus(models.TextChoices):
    """Where an award round (评选批次) stands."""

    NOMINATING = "nominating", _("Taking nominations")
    REVIEWING = "reviewing", _("Under review")
    NOTICE = "notice", _("Public notice (公示)")
    PUBLISHED = "published", _("Published")
    CLOSED = "closed", _("Closed without publication")


# The award round's state machine: forward one step at a time, or closed from any open state.
ROUND_TRANSITIONS: dict[str, frozenset[str]] = {
    RoundStatus.NOMINATING: frozenset({RoundStatus.REVIEWING, RoundStatus.CLOSED}),
    RoundStatus.REVIEWING: frozenset({RoundStatus.NOTICE, RoundStatus.CLOSED}),
    RoundStatus.NOTICE: frozenset({RoundStatus.PUBLISHED, RoundStatus.CLOSED}),
    RoundStatus.PUBLISHED: frozenset(),
    RoundStatus.CLOSED: frozenset(),
}


class Decision(models.TextChoices):
    """The bureau's review decision on a nomination or a promotion proposal."""

    PENDING = "pending", _("Awaiting decision")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


class ObjectionStatus(models.TextChoices):
    """Where an objection raised during the public notice stands."""

    OPEN = "open", _("Open")
    UPHELD = "upheld", _("Upheld: the nominee is withdrawn")
    DISMISSED = "dismissed", _("Dismissed")


class StudioKind(models.TextChoices):
    """The kinds of master studio."""

    MASTER = "master", _("Skill master studio (技能大师工作室)")
    CHIEF = "chief", _("Chief technician studio (首席技师工作室)")


class CompetitionLevel(models.TextChoices):
    """The level of a skills competition (竞赛级别)."""

    ENTERPRISE = "enterprise", _("Enterprise (企业)")
    INDUSTRY = "industry", _("Industry (行业)")
    CITY = "city", _("City (市级)")
    PROVINCE = "province", _("Province (省级)")
    NATIONAL = "national", _("National (国家级)")


class Prize(models.TextChoices):
    """What an entrant won."""

    GOLD = "gold", _("Gold medal")
    SILVER = "silver", _("Silver medal")
    BRONZE = "bronze", _("Bronze medal")
    FIRST = "first", _("First prize")
    SECOND = "second", _("Second prize")
    THIRD = "third", _("Third prize")
    EXCELLENCE = "excellence", _("Award of excellence")
    NONE = "none", _("No prize")


# Medallists of the talent pool: the medals and the first three prizes, not excellence.
MEDAL_PRIZES: frozenset[str] = frozenset(
    {Prize.GOLD, Prize.SILVER, Prize.BRONZE, Prize.FIRST, Prize.SECOND, Prize.THIRD}
)


class ProposalStatus(models.TextChoices):
    """Where a promotion proposal (破格晋升建议) stands."""

    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")


def check_round_transition(award_round: Any, to: str) -> None:
    """Raise InvalidTransition unless the round may move to the given status."""
    current = award_round.status
    if to not in ROUND_TRANSITIONS.get(current, frozenset()):
        raise InvalidTransition(
            gettext("Award round {name} is {current} and cannot become {to}.").format(
                name=str(award_round),
                current=RoundStatus(current).label,
                to=RoundStatus(to).label,
            ),
            field="status",
        )
