"""REST endpoints of the judge pool (评委库): experts and the draws of examiners."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from jineng.api.auth import actor
from jineng.api.errors import responses
from jineng.api.idempotency import IdempotencyKeyHeader, Outcome, idempotent
from jineng.api.schemas import ObjectId, Page, PageParams, dump, paginate
from jineng.core.errors import PermissionDenied, ValidationFailed
from jineng.experts import access, queries, services
from jineng.experts.choices import QualificationKind
from jineng.experts.models import Draw, Expert, ExpertQuerySet
from jineng.organizations.access import organizations_for
from jineng.people import access as people_access

router = Router(tags=["experts"])


class ExpertCodeNameOut(Schema):
    """An occupation or skill level by code and name."""

    code: str
    name: str


class ExpertOccupationOut(Schema):
    """An occupation the expert examines, up to a level."""

    occupation: ExpertCodeNameOut
    max_level: ExpertCodeNameOut
    started_on: datetime.date
    ended_on: datetime.date | None


class ExpertQualificationOut(Schema):
    """A qualification card and its validity."""

    kind: QualificationKind
    number: str
    issued_by: str
    valid_from: datetime.date
    valid_until: datetime.date


class ExpertOut(Schema):
    """An expert of the judge pool."""

    id: int
    person_id: int
    name: str
    organization_id: int | None
    organization_name: str
    title: str
    active: bool
    occupations: list[ExpertOccupationOut]
    qualifications: list[ExpertQualificationOut]
    url: str

    @staticmethod
    def resolve_name(obj: Expert) -> str:
        return obj.person.name

    @staticmethod
    def resolve_organization_name(obj: Expert) -> str:
        return obj.organization.name if obj.organization else ""

    @staticmethod
    def resolve_occupations(obj: Expert) -> list[Any]:
        return list(obj.occupations.all())

    @staticmethod
    def resolve_qualifications(obj: Expert) -> list[Any]:
        return list(obj.qualifications.all())

    @staticmethod
    def resolve_url(obj: Expert) -> str:
        return reverse("experts:detail", kwargs={"pk": obj.pk})


class ExpertIn(Schema):
    """A registered person to put in the pool, named by citizen ID and name."""

    id_number: str = Field(min_length=15, max_length=18, description="Citizen ID number.")
    name: str = Field(min_length=1, max_length=50, description="Name as on the ID card.")
    organization_credit_code: str = Field(
        default="",
        max_length=18,
        description="The unified social credit code of the organisation they work for.",
    )
    title: str = Field(default="", max_length=100, description="Professional title.")
    note: str = Field(default="", max_length=2000)


class ExpertFilters(Schema):
    """Filters of the experts list."""

    include_inactive: bool = Field(default=False, description="Also those out of the pool.")


class PoolEntryOut(Schema):
    """One expert in a draw's pool: workload, whether they could be drawn, and why not."""

    expert_id: int
    name: str
    workload: int
    eligible: bool
    reason: str
    picked_order: int | None


class DrawOut(Schema):
    """A draw of examiners with its seed, pool snapshot and picks, in order."""

    id: int
    purpose: str
    occupation: ExpertCodeNameOut
    level: ExpertCodeNameOut | None
    on_date: datetime.date
    count: int
    seed: str
    algorithm: str
    picks: list[int]
    pool: list[PoolEntryOut]
    reproduces: bool
    created_at: datetime.datetime
    cancelled_at: datetime.datetime | None
    cancel_reason: str


def _experts(user: Any) -> ExpertQuerySet:
    return access.experts_for(user).prefetch_related(
        "occupations__occupation", "occupations__max_level", "qualifications"
    )


@router.get(
    "/experts",
    response={200: Page[ExpertOut], **responses(400, 401)},
    summary="List the judge pool",
    url_name="expert_list",
)
def list_experts(
    request: HttpRequest, filters: Query[ExpertFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """List the experts in scope by name: the whole pool for the bureau, reviewers and
    auditors; an expert's own entry for an expert."""
    experts = _experts(actor(request))
    if not filters.include_inactive:
        experts = experts.active()
    return paginate(experts.order_by("person__name", "pk"), page)


@router.post(
    "/experts",
    response={201: ExpertOut, **responses(400, 401, 403, 404, 409, 422)},
    summary="Put a person in the judge pool",
    url_name="expert_create",
)
def create_expert(
    request: HttpRequest, payload: ExpertIn, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """Put a registered person, named by citizen ID and name, in the pool (bureau)."""
    user = actor(request)

    def create() -> Outcome:
        if not access.manages_experts(user):
            raise PermissionDenied(_("Your role may not keep the judge pool."))
        person = people_access.find_person_by_identity(payload.id_number, payload.name)
        if person is None or not people_access.is_visible_to(user, person):
            raise ValidationFailed(
                _("No registered person has this citizen ID number and name."), field="id_number"
            )
        organization = None
        if payload.organization_credit_code:
            code = payload.organization_credit_code.strip().upper()
            organization = organizations_for(user).filter(credit_code=code).first()
            if organization is None:
                raise ValidationFailed(
                    _("No organisation has this unified social credit code."),
                    field="organization_credit_code",
                )
        expert = services.create_expert(
            person,
            services.ExpertInput(organization=organization, title=payload.title, note=payload.note),
            actor=user,
        )
        body = dump(ExpertOut, _experts(user).get(pk=expert.pk))
        return Outcome(status=201, body=body, headers={"Location": body["url"]})

    return idempotent(request, user, idempotency_key, create)


@router.get(
    "/experts/{expert_id}",
    response={200: ExpertOut, **responses(400, 401, 404)},
    summary="Get an expert",
    url_name="expert",
)
def get_expert(request: HttpRequest, expert_id: ObjectId) -> Expert:
    """Return one expert in scope (404 outside it)."""
    user = actor(request)
    expert = access.get_expert_for_user(user, expert_id)
    return _experts(user).get(pk=expert.pk)


@router.get(
    "/expert-draws/{draw_id}",
    response={200: DrawOut, **responses(400, 401, 404)},
    summary="Get a draw of examiners",
    url_name="expert_draw",
)
def get_draw(request: HttpRequest, draw_id: ObjectId) -> dict[str, Any]:
    """Return a draw with its seed and pool, so that anyone in scope can recompute it;
    names are masked unless the caller keeps the pool."""
    user = actor(request)
    made: Draw = access.get_draw_for_user(user, draw_id)
    rows = queries.pool_rows(made, user)
    return {
        "id": made.pk,
        "purpose": made.purpose,
        "occupation": made.occupation,
        "level": made.level,
        "on_date": made.on_date,
        "count": made.count,
        "seed": made.seed,
        "algorithm": made.algorithm,
        "picks": made.picked_ids(),
        "pool": [
            {
                "expert_id": r.expert_id,
                "name": r.name,
                "workload": r.workload,
                "eligible": r.eligible,
                "reason": r.reason,
                "picked_order": r.picked_order,
            }
            for r in rows
        ],
        "reproduces": queries.reproduces(made),
        "created_at": made.created_at,
        "cancelled_at": made.cancelled_at,
        "cancel_reason": made.cancel_reason,
    }
