"""Row locks of assessment: the only place select_for_update() appears in this app.

Every lock waits at most ``JINENG_LOCK_TIMEOUT_MS`` (core.db turns a timeout into Busy).
Order (ADR 0006): session, then score change, then the person, then the audit stream.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from jineng.assessment.models import AssessmentSession, ScoreChange
from jineng.core.errors import NotFound


def session_for_update(pk: int) -> AssessmentSession:
    """Lock a session so that candidates, scores, closing and issuing run one at a time."""
    session = (
        AssessmentSession.objects.select_for_update(of=("self",))
        .select_related("evaluator", "occupation", "level")
        .filter(pk=pk)
        .first()
    )
    if session is None:
        raise NotFound(_("No such assessment session."))
    return session


def score_change_for_update(pk: int) -> ScoreChange:
    """Lock a score change so that it is decided once."""
    change = (
        ScoreChange.objects.select_for_update(of=("self",))
        .select_related("score__candidate__session", "score__component")
        .filter(pk=pk)
        .first()
    )
    if change is None:
        raise NotFound(_("No such score change."))
    return change
