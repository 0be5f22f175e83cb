"""REST endpoints for organisations (机构)."""

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
from jineng.api.schemas import ObjectId, Page, PageParams, RegionOut, dump, paginate
from jineng.core.errors import NotFound
from jineng.organizations import services
from jineng.organizations.errors import OrganizationExists
from jineng.organizations.models import Organization, OrganizationKind, OrganizationQuerySet

router = Router(tags=["organizations"])


class OrganizationIn(Schema):
    """What a caller sends to register an organisation."""

    credit_code: str = Field(max_length=32, description="统一社会信用代码 (GB 32100).")
    name: str = Field(max_length=200)
    kind: OrganizationKind
    region_code: str = Field("", max_length=12)
    address: str = Field("", max_length=300)
    contact_phone: str = Field("", max_length=30)


class OrganizationOut(Schema):
    """An organisation."""

    id: int
    url: str
    credit_code: str
    name: str
    kind: str
    region: RegionOut | None
    address: str
    contact_phone: str
    created_at: datetime.datetime

    @staticmethod
    def resolve_url(obj: Organization) -> str:
        return reverse("api:organization_detail", kwargs={"organization_id": obj.pk})


class OrganizationFilters(Schema):
    """Ways to find organisations."""

    name: str | None = Field(None, max_length=200, description="Part of the name.")
    kind: OrganizationKind | None = None
    credit_code: str | None = Field(None, max_length=32, description="Exact credit code.")


def organizations_for(user: Any) -> OrganizationQuerySet:
    """Organisations in the user's scope with their region."""
    return Organization.objects.visible_to(user).select_related("region").order_by("name", "id")


@router.post(
    "/organizations",
    response={201: OrganizationOut, **responses(400, 401, 403, 409, 422)},
    summary="Register an organisation",
    url_name="organization_create",
)
def create_organization(
    request: HttpRequest, payload: OrganizationIn, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """Register an organisation once per credit code (bureau administrators only)."""
    user = actor(request)

    def create() -> Outcome:
        try:
            organization = services.register_organization(
                services.OrganizationInput(**payload.model_dump()), actor=user
            )
        except OrganizationExists as exc:
            existing_id = exc.extra.get("existing_id")
            if existing_id and organizations_for(user).filter(pk=existing_id).exists():
                url = reverse("api:organization_detail", kwargs={"organization_id": existing_id})
                return Outcome(status=409, body={**exc.as_dict(), "existing_url": url})
            body: dict[str, Any] = {"code": exc.code, "detail": exc.detail, "field": exc.field}
            return Outcome(status=409, body=body)
        body = dump(OrganizationOut, organization)
        return Outcome(status=201, body=body, headers={"Location": body["url"]})

    return idempotent(request, user, idempotency_key, create)


@router.get(
    "/organizations",
    response={200: Page[OrganizationOut], **responses(400, 401)},
    summary="List organisations",
    url_name="organization_list",
)
def list_organizations(
    request: HttpRequest, filters: Query[OrganizationFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """List the organisations in the caller's scope, by name."""
    organizations = organizations_for(actor(request))
    if filters.name:
        organizations = organizations.filter(name__icontains=filters.name.strip())
    if filters.kind:
        organizations = organizations.filter(kind=filters.kind)
    if filters.credit_code:
        organizations = organizations.filter(credit_code=filters.credit_code.strip().upper())
    return paginate(organizations, page)


@router.get(
    "/organizations/{organization_id}",
    response={200: OrganizationOut, **responses(400, 401, 404)},
    summary="Get an organisation",
    url_name="organization_detail",
)
def get_organization(request: HttpRequest, organization_id: ObjectId) -> Organization:
    """Return one organisation in the caller's scope (404 outside it)."""
    organization = organizations_for(actor(request)).filter(pk=organization_id).first()
    if organization is None:
        raise NotFound(_("No such organisation."))
    return organization
