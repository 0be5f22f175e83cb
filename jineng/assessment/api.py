"""REST endpoints of assessment: sessions, candidates, scores (examiners), close and issue.

Everything is read through ``access`` (404 outside the caller's scope) and written through
``services``, as the pages do.
"""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from ninja import Field, Query, Router, Schema, Status

from jineng.accreditations.choices import EvaluationKind
from jineng.api.auth import actor
from jineng.api.errors import responses
from jineng.api.schemas import ObjectId, Page, PageParams, paginate
from jineng.assessment import access, services
from jineng.assessment.choices import ComponentKey, SessionStatus
from jineng.assessment.models import AssessmentSession, Candidate, Result
from jineng.core.errors import ValidationFailed
from jineng.core.scope import CHANGE
from jineng.occupations.models import Occupation, SkillLevel

router = Router(tags=["assessment"])


class AssessmentCodeNameOut(Schema):
    code: str
    name: str


class AssessmentComponentOut(Schema):
    key: str
    name: str
    max_score: Decimal
    pass_score: Decimal


class AssessmentSessionOut(Schema):
    """A session and where it stands."""

    id: int
    url: str
    title: str
    evaluator: str
    route: EvaluationKind
    occupation: AssessmentCodeNameOut
    level: AssessmentCodeNameOut | None
    venue: str
    starts_on: datetime.date
    ends_on: datetime.date
    capacity: int
    status: SessionStatus
    filed_at: datetime.datetime | None
    closed_at: datetime.datetime | None
    draw_id: int | None
    components: list[AssessmentComponentOut]

    @staticmethod
    def resolve_url(obj: AssessmentSession) -> str:
        return reverse("api:assessment_session", kwargs={"session_id": obj.pk})

    @staticmethod
    def resolve_evaluator(obj: AssessmentSession) -> str:
        return obj.evaluator.name

    @staticmethod
    def resolve_components(obj: AssessmentSession) -> list[Any]:
        return list(obj.components.all())


class AssessmentSessionIn(Schema):
    route: EvaluationKind
    occupation_code: str = Field(max_length=20)
    level_code: str | None = Field(None, max_length=20, description="None for 专项职业能力.")
    title: str = Field(max_length=200)
    starts_on: datetime.date
    ends_on: datetime.date
    venue: str = Field("", max_length=200)
    capacity: int = Field(60, ge=1, le=10000)


class AssessmentCandidateOut(Schema):
    id: int
    name: str
    source: str
    eligibility_reason: str
    passed: bool | None

    @staticmethod
    def resolve_name(obj: Candidate) -> str:
        return obj.person.name

    @staticmethod
    def resolve_passed(obj: Candidate) -> bool | None:
        result = Result.objects.filter(candidate=obj).first()
        return result.passed if result else None


class AssessmentApplicantIn(Schema):
    """A direct application, or a finished class's code (then the other fields are ignored)."""

    class_code: str | None = Field(None, max_length=40)
    id_number: str = Field("", max_length=18)
    name: str = Field("", max_length=50)
    years_in_occupation: int | None = Field(None, ge=0, le=70)
    education: str = Field("", max_length=30)


class AssessmentScoresIn(Schema):
    """One component's scores: candidate id → score (0 to the component's full marks)."""

    component: ComponentKey
    scores: dict[int, Decimal]


class AssessmentScoreOut(Schema):
    candidate_id: int
    component: str
    value: Decimal

    @staticmethod
    def resolve_component(obj: Any) -> str:
        return str(obj.component.key)


class AssessmentCertificateOut(Schema):
    number: str
    holder_id: int
    basis: str


class AssessmentSessionFilters(Schema):
    status: SessionStatus | None = None


def _sessions(user: Any) -> Any:
    return access.visible_sessions(user).prefetch_related("components")


@router.get(
    "/assessment-sessions",
    response={200: Page[AssessmentSessionOut], **responses(400, 401)},
    summary="List assessment sessions",
    url_name="assessment_session_list",
)
def list_sessions(
    request: HttpRequest, filters: Query[AssessmentSessionFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """Sessions in scope: the evaluator's own, all for the bureau, drawn ones for examiners."""
    sessions = _sessions(actor(request))
    if filters.status:
        sessions = sessions.filter(status=filters.status)
    return paginate(sessions, page)


@router.post(
    "/assessment-sessions",
    response={201: AssessmentSessionOut, **responses(400, 401, 403, 422)},
    summary="Plan an assessment session",
    url_name="assessment_session_create",
)
def create_session(request: HttpRequest, payload: AssessmentSessionIn) -> Status[Any]:
    """Plan a session for the caller's own evaluation body (accredited on every day)."""
    user = actor(request)
    occupation = Occupation.objects.filter(code=payload.occupation_code).first()
    if occupation is None:
        raise ValidationFailed("Unknown occupation code.", field="occupation_code")
    level = None
    if payload.level_code:
        level = SkillLevel.objects.filter(code=payload.level_code).first()
        if level is None:
            raise ValidationFailed("Unknown skill level.", field="level_code")
    session = services.create_session(
        user,
        services.SessionInput(
            route=payload.route,
            occupation=occupation,
            level=level,
            title=payload.title,
            starts_on=payload.starts_on,
            ends_on=payload.ends_on,
            venue=payload.venue,
            capacity=payload.capacity,
        ),
    )
    return Status(201, _sessions(user).get(pk=session.pk))


@router.get(
    "/assessment-sessions/{session_id}",
    response={200: AssessmentSessionOut, **responses(400, 401, 404)},
    summary="Get an assessment session",
    url_name="assessment_session",
)
def get_session(request: HttpRequest, session_id: ObjectId) -> Any:
    user = actor(request)
    session = access.get_session_for_user(user, session_id)
    return _sessions(user).get(pk=session.pk)


@router.get(
    "/assessment-sessions/{session_id}/candidates",
    response={200: list[AssessmentCandidateOut], **responses(400, 401, 404)},
    summary="List a session's candidates",
    url_name="assessment_candidate_list",
)
def list_candidates(request: HttpRequest, session_id: ObjectId) -> list[Candidate]:
    session = access.get_session_for_user(actor(request), session_id)
    return list(session.candidates.select_related("person").order_by("pk"))


@router.post(
    "/assessment-sessions/{session_id}/candidates",
    response={201: list[AssessmentCandidateOut], **responses(400, 401, 403, 404, 409)},
    summary="Add candidates: a direct applicant, or a finished class's trainees",
    url_name="assessment_candidate_create",
)
def add_candidates(
    request: HttpRequest, session_id: ObjectId, payload: AssessmentApplicantIn
) -> Status[list[Candidate]]:
    user = actor(request)
    access.get_session_for_user(user, session_id, action=CHANGE)
    if payload.class_code:
        added = services.add_candidates_from_class(user, session_id, payload.class_code).added
    else:
        added = [
            services.add_applicant(
                user,
                session_id,
                services.ApplicantInput(
                    id_number=payload.id_number,
                    name=payload.name,
                    years_in_occupation=payload.years_in_occupation,
                    education=payload.education,
                ),
            )
        ]
    return Status(201, added)


@router.post(
    "/assessment-sessions/{session_id}/scores",
    response={200: list[AssessmentScoreOut], **responses(400, 401, 403, 404, 409)},
    summary="Enter one component's scores (drawn examiners)",
    url_name="assessment_scores",
)
def enter_scores(request: HttpRequest, session_id: ObjectId, payload: AssessmentScoresIn) -> Any:
    """All or nothing: a score out of range refuses the whole set, naming the candidate."""
    user = actor(request)
    access.get_session_for_user(user, session_id)
    saved = services.enter_scores(user, session_id, payload.component, payload.scores)
    return [s for s in saved]


@router.post(
    "/assessment-sessions/{session_id}/close",
    response={200: AssessmentSessionOut, **responses(400, 401, 403, 404, 409)},
    summary="Close a session: lock its scores and decide the results",
    url_name="assessment_close",
)
def close_session(request: HttpRequest, session_id: ObjectId) -> Any:
    user = actor(request)
    access.get_session_for_user(user, session_id, action=CHANGE)
    services.close_session(user, session_id)
    return _sessions(user).get(pk=session_id)


@router.post(
    "/assessment-sessions/{session_id}/certificates",
    response={201: list[AssessmentCertificateOut], **responses(400, 401, 403, 404, 409)},
    summary="Issue the certificates of a closed session's passed candidates",
    url_name="assessment_issue",
)
def issue_certificates(request: HttpRequest, session_id: ObjectId) -> Status[list[Any]]:
    user = actor(request)
    access.get_session_for_user(user, session_id, action=CHANGE)
    return Status(201, services.issue_session_certificates(user, session_id))
