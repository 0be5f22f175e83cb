"""Data scope of assessment: the only place that decides who sees which session.

- roles with ``view_assessments`` (the bureau, reviewers, auditors) see every session of
  evaluators in their region, and the bureau (``supervise_assessments``) acts on them;
- staff of an evaluator (``run_assessments``) see and act on their own organisation's sessions;
- an examiner sees the sessions they were drawn for, a quality supervisor those assigned to
  them (both view only; what they may write the services check);
- a worker sees their own candidacies and results;
- everyone else sees nothing. Out of scope answers NotFound, exactly like missing.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.accounts.roles import Capability, has_capability
from jineng.assessment.models import (
    AssessmentSession,
    Candidate,
    Result,
    Score,
    ScoreChange,
    SessionComponent,
    SessionExaminer,
    SupervisionFinding,
)
from jineng.core import scope
from jineng.core.scope import VIEW


def sees_all(user: Viewer) -> bool:
    """Tell whether the user sees every session in their region (bureau, reviewer, auditor)."""
    return has_capability(user, Capability.VIEW_ASSESSMENTS)


def supervises(user: Viewer) -> bool:
    """Tell whether the user acts for the bureau on sessions (file, draw, approve changes)."""
    return has_capability(user, Capability.SUPERVISE_ASSESSMENTS)


def runs_assessments(user: Viewer) -> bool:
    """Tell whether the user is staff of an evaluator that runs sessions."""
    return bool(
        has_capability(user, Capability.RUN_ASSESSMENTS) and getattr(user, "organization_id", None)
    )


def _session_filter(user: Any, action: str) -> Q | None:
    """The condition on sessions the user may act on, or None for every session (in region)."""
    if sees_all(user) and (action == VIEW or supervises(user)):
        return None
    condition = Q(pk__in=[])
    if runs_assessments(user):
        condition |= Q(evaluator_id=user.organization_id)
    if action == VIEW:
        condition |= Q(supervisor_id=user.pk)
        condition |= Q(
            Exists(SessionExaminer.objects.filter(session=OuterRef("pk"), expert__user_id=user.pk))
        )
    return condition


def _in_region(queryset: QuerySet[Any], user: Any, region_path: str) -> QuerySet[Any]:
    region = user.region if user.region_id else None
    if region is None:
        return queryset
    return queryset.filter(**{f"{region_path}__code__startswith": region.code})


def _session_rule(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
    if not scope.is_active(user):
        return queryset.none()
    condition = _session_filter(user, action)
    if condition is None:
        return _in_region(queryset, user, "evaluator__region")
    return queryset.filter(condition)


def _child_rule(path: str, person_path: str | None) -> Any:
    """The rule of a model that belongs to a session: its session's, plus a worker's own rows."""

    def rule(queryset: QuerySet[Any], user: Any, action: str) -> QuerySet[Any]:
        if not scope.is_active(user):
            return queryset.none()
        sessions = _session_rule(AssessmentSession.objects.all(), user, action)
        condition = Q(**{f"{path}__in": sessions.values("pk")})
        person_id = getattr(user, "person_id", None)
        if person_path and action == VIEW and person_id:
            condition |= Q(**{person_path: person_id})
        return queryset.filter(condition)

    return rule


def visible_sessions(user: Viewer | None, action: str = VIEW) -> QuerySet[AssessmentSession]:
    """Sessions the user may view (or act on), with what lists show."""
    rows = AssessmentSession.objects.select_related("evaluator", "occupation", "level")
    return scope.restrict(rows, user, action)


def get_session_for_user(user: Viewer | None, pk: int, *, action: str = VIEW) -> AssessmentSession:
    """Return a session the user may act on, or NotFound for missing and out-of-scope alike."""
    rows = AssessmentSession.objects.select_related(
        "evaluator", "occupation", "level", "supervisor", "draw"
    )
    return scope.get_for_user(
        rows, user, pk, action=action, missing=_("No such assessment session.")
    )


def get_candidate_for_user(
    user: Viewer | None, session_pk: int, pk: int, *, action: str = VIEW
) -> Candidate:
    """Return a candidate of a session in the user's scope, or NotFound."""
    session = get_session_for_user(user, session_pk, action=action)
    rows = Candidate.objects.select_related("person", "session").filter(session=session)
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such candidate."))


def get_score_change_for_user(user: Viewer | None, pk: int, *, action: str = VIEW) -> ScoreChange:
    """Return a score change in the user's scope, or NotFound."""
    rows = ScoreChange.objects.select_related(
        "score__candidate__person",
        "score__candidate__session",
        "score__component",
        "requested_by",
        "approved_by",
    )
    return scope.get_for_user(rows, user, pk, action=action, missing=_("No such score change."))


_NOTES = "Sessions: bureau in region, the evaluator's staff, drawn examiners and the supervisor."
scope.register(
    AssessmentSession,
    rule=_session_rule,
    organization="evaluator",
    region="evaluator__region",
    url_params=("session_id",),
    notes=_NOTES,
)
scope.register(
    SessionComponent,
    rule=_child_rule("session", None),
    organization="session__evaluator",
    region="session__evaluator__region",
)
scope.register(
    Candidate,
    rule=_child_rule("session", "person_id"),
    organization="session__evaluator",
    region="session__evaluator__region",
    person="person",
    url_params=("candidate_id",),
)
scope.register(
    SessionExaminer,
    rule=_child_rule("session", None),
    organization="session__evaluator",
    region="session__evaluator__region",
)
scope.register(
    Score,
    rule=_child_rule("candidate__session", "candidate__person_id"),
    organization="candidate__session__evaluator",
    region="candidate__session__evaluator__region",
    person="candidate__person",
)
scope.register(
    ScoreChange,
    rule=_child_rule("score__candidate__session", None),
    organization="score__candidate__session__evaluator",
    region="score__candidate__session__evaluator__region",
    # "change_id" alone names a catalog change (its appeals).
    url_params=("assessment:decide_change/change_id",),
)
scope.register(
    Result,
    rule=_child_rule("candidate__session", "candidate__person_id"),
    organization="candidate__session__evaluator",
    region="candidate__session__evaluator__region",
    person="candidate__person",
)
scope.register(
    SupervisionFinding,
    rule=_child_rule("session", None),
    organization="session__evaluator",
    region="session__evaluator__region",
)
