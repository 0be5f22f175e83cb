"""Reads of assessment for pages, the workspace and the lifelong record."""

from __future__ import annotations

from typing import Any

from django.db.models import Exists, OuterRef, QuerySet
from django.utils.timezone import localdate
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.assessment import access
from jineng.assessment.choices import SCORING_STATUSES, ScoreChangeStatus, SessionStatus
from jineng.assessment.models import AssessmentSession, Result, ScoreChange, SessionExaminer
from jineng.people.models import Person
from jineng.people.queries import RecordEntry, RecordScope


def record_entries(person: Person, scope: RecordScope) -> list[RecordEntry]:
    """The person's assessment results for the lifelong record (培训电子档案).

    An organisation's scope keeps only the results of its own sessions.
    """
    results = scope.by_organization(
        Result.objects.filter(candidate__person=person), "candidate__session__evaluator_id"
    ).select_related(
        "candidate__session__evaluator",
        "candidate__session__occupation",
        "candidate__session__level",
    )
    entries = []
    for result in results:
        session = result.candidate.session
        level = session.level.name if session.level else ""
        template = (
            _("Passed {title} ({occupation} {level}) at {org}")
            if result.passed
            else _("Did not pass {title} ({occupation} {level}) at {org}")
        )
        entries.append(
            RecordEntry(
                day=localdate(result.decided_at),
                kind="assessment.passed" if result.passed else "assessment.failed",
                title=template.format(
                    title=session.title,
                    occupation=session.occupation.name,
                    level=level,
                    org=session.evaluator.name,
                ).replace("  ", " "),
                details={
                    "session": session.pk,
                    "route": session.route,
                    "occupation": session.occupation.code,
                    "level": session.level.code if session.level else None,
                    "passed": result.passed,
                    "starts_on": session.starts_on.isoformat(),
                    "ends_on": session.ends_on.isoformat(),
                },
            )
        )
    return entries


def sessions_awaiting_filing(user: Viewer) -> QuerySet[AssessmentSession]:
    """An evaluator's own draft sessions, plan not yet filed (计划待备案), soonest first."""
    if not access.runs_assessments(user):
        return AssessmentSession.objects.none()
    return (
        access.visible_sessions(user, "change")
        .filter(status=SessionStatus.DRAFT)
        .order_by("starts_on", "pk")
    )


def plans_to_receive(user: Viewer) -> QuerySet[AssessmentSession]:
    """Filed plans waiting for the bureau's examiner draw (待抽取考评员), soonest first."""
    if not access.supervises(user):
        return AssessmentSession.objects.none()
    return access.visible_sessions(user).filter(status=SessionStatus.FILED).order_by("starts_on")


def scores_to_enter(user: Viewer) -> QuerySet[AssessmentSession]:
    """Sessions the signed-in examiner was drawn for and that take scores now (待评分)."""
    if not getattr(user, "is_authenticated", False) or user.pk is None:
        return AssessmentSession.objects.none()
    drawn = SessionExaminer.objects.filter(session=OuterRef("pk"), expert__user_id=user.pk)
    return (
        access.visible_sessions(user)
        .filter(Exists(drawn), status__in=SCORING_STATUSES, starts_on__lte=localdate())
        .order_by("starts_on", "pk")
    )


def score_changes_to_approve(user: Viewer) -> QuerySet[ScoreChange]:
    """Score changes asked by another bureau user, waiting for this one's decision (待审批)."""
    if not access.supervises(user):
        return ScoreChange.objects.none()
    return (
        ScoreChange.objects.visible_to(user, "change")
        .filter(status=ScoreChangeStatus.REQUESTED)
        .exclude(requested_by_id=user.pk)
        .select_related("score__candidate__person", "score__candidate__session", "score__component")
        .order_by("requested_at", "pk")
    )


def sessions_to_supervise(user: Viewer) -> QuerySet[AssessmentSession]:
    """Open sessions the user supervises (质量督导), soonest first."""
    if not getattr(user, "is_authenticated", False):
        return AssessmentSession.objects.none()
    return (
        access.visible_sessions(user)
        .filter(supervisor_id=user.pk)
        .exclude(status__in=[SessionStatus.CLOSED, SessionStatus.CERTIFIED])
        .order_by("starts_on", "pk")
    )


def results_to_certify(user: Viewer) -> QuerySet[AssessmentSession]:
    """An evaluator's closed sessions whose certificates are not yet issued (待发证)."""
    if not access.runs_assessments(user):
        return AssessmentSession.objects.none()
    return access.visible_sessions(user, "change").filter(status=SessionStatus.CLOSED)


def session_draws(session: AssessmentSession) -> list[Any]:
    """Every draw the session made, the cancelled ones too, oldest first (for its page)."""
    from jineng.assessment.services import session_draw_purpose
    from jineng.experts.models import Draw

    return list(
        Draw.objects.filter(purpose=session_draw_purpose(session.pk))
        .select_related("created_by", "cancelled_by")
        .order_by("created_at", "pk")
    )


def examiner_relation_conflicts(session: AssessmentSession) -> list[tuple[str, str]]:
    """(examiner, candidate) names where a drawn examiner declared a relation to a candidate.

    For the bureau: that examiner may not score that candidate, and the bureau may draw
    again. The kind of relation is not shown.
    """
    from jineng.experts.models import ExpertRelation

    examiners = SessionExaminer.objects.filter(session=session)
    rows = (
        ExpertRelation.objects.filter(
            expert_id__in=examiners.values("expert_id"),
            person_id__in=session.candidates.values("person_id"),
        )
        .select_related("expert__person", "person")
        .order_by("expert_id", "person_id")
    )
    return [(r.expert.person.name, r.person.name) for r in rows]
