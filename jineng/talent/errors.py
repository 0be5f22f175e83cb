"""Domain errors of talent: award rounds, studios, competitions and promotions, stable codes."""

from __future__ import annotations

from jineng.core.errors import Conflict, InvalidTransition, ValidationFailed


class AlreadyNominated(Conflict):
    """The person is already nominated in this round."""

    code = "already_nominated"


class NominationsClosed(InvalidTransition):
    """The round takes no nominations today."""

    code = "nominations_closed"


class NoticeNotOver(InvalidTransition):
    """The public notice has not run its days yet; the round cannot be published."""

    code = "notice_not_over"


class NoticeClosed(InvalidTransition):
    """The round is not on public notice today; no objection is taken."""

    code = "notice_closed"


class AlreadyEntered(Conflict):
    """The person is already entered in this competition for this occupation."""

    code = "already_entered"


class AlreadyApprentice(Conflict):
    """The person is already a current apprentice of this studio."""

    code = "already_apprentice"


class AlreadyDecided(InvalidTransition):
    """The proposal, nomination or objection has already been decided."""

    code = "already_decided"


class BeyondRule(ValidationFailed):
    """The level asked for is above what the promotion rule allows."""

    code = "beyond_promotion_rule"


class NoPromotionRule(ValidationFailed):
    """No active promotion rule covers this competition level and prize."""

    code = "no_promotion_rule"
