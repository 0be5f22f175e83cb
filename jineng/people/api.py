"""REST endpoints for people (劳动者): register, find, look up, reveal, target groups."""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.decorators import decorate_view

from jineng.accounts.roles import Capability
from jineng.api.auth import actor
from jineng.api.errors import PersonExistsOut, responses
from jineng.api.idempotency import IdempotencyKeyHeader, Outcome, idempotent
from jineng.api.schemas import ObjectId, Page, PageParams, RegionOut, dump, paginate
from jineng.core.errors import PermissionDenied, ValidationFailed
from jineng.core.http import no_store
from jineng.people import identity, services
from jineng.people.access import get_person_for_user
from jineng.people.choices import Education, EmploymentStatus, HukouType, MembershipSource
from jineng.people.errors import PersonExists
from jineng.people.filters import refuse_numbers
from jineng.people.models import Person, PersonQuerySet, TargetGroup
from jineng.people.queries import search_people, with_list_details

router = Router(tags=["people"])


class PersonIn(Schema):
    """What a caller sends to register a person; birth date and sex come from the ID."""

    id_number: str = Field(max_length=32, description="18-character citizen ID (GB 11643).")
    name: str = Field(max_length=100)
    phone: str = Field("", max_length=32, description="Mainland mobile number; optional.")
    region_code: str = Field(max_length=12, description="Code of the township or village.")
    hukou_type: HukouType = HukouType.UNKNOWN
    education: Education = Education.UNKNOWN
    employment_status: EmploymentStatus = EmploymentStatus.UNKNOWN


class PersonOut(Schema):
    """A person as the API shows them: ID and phone always masked."""

    id: int
    url: str
    name: str
    id_number: str = Field(description="Masked: region code and last two characters.")
    phone: str = Field(description="Masked, or empty when none is recorded.")
    birth_date: datetime.date | None = Field(
        None,
        description="Withheld (null): with the masked ID it would reveal the full number; "
        "use the reveal endpoint.",
    )
    age_band: str = Field(
        description="Age today as a five-year band, e.g. `30–34`; the exact age and the birth "
        "date come only with the reveal endpoint."
    )
    sex: str
    region: RegionOut
    town: RegionOut | None
    hukou_type: str
    education: str
    employment_status: str
    target_groups: list[str] = Field(description="Codes of the target groups valid today.")
    created_at: datetime.datetime

    @staticmethod
    def resolve_url(obj: Person) -> str:
        return reverse("api:person_detail", kwargs={"person_id": obj.pk})

    @staticmethod
    def resolve_id_number(obj: Person) -> str:
        return obj.id_number_masked

    @staticmethod
    def resolve_birth_date(obj: Person) -> None:
        return None

    @staticmethod
    def resolve_phone(obj: Person) -> str:
        return obj.phone_masked

    @staticmethod
    def resolve_target_groups(obj: Person) -> list[str]:
        current = getattr(obj, "current_memberships", None)
        if current is None:
            # Loaded without the viewer's rule (queries.with_list_details): show only what
            # anyone who may see the person may see.
            current = obj.memberships.current().filter(group__is_sensitive=False)
        return sorted({m.group.code for m in current})


class PersonFilters(Schema):
    """Ways to narrow the people list (people.filters); all given filters apply together.

    To find someone by a full citizen ID or phone number, use `POST /people/lookup`: numbers
    never travel in a query string.
    """

    name: str | None = Field(None, max_length=50, description="Part of the name.")
    region_code: str | None = Field(None, max_length=12, description="Region and everything in it.")
    target_group: str | None = Field(None, max_length=40, description="Target-group code.")


class LookupIn(Schema):
    """A full citizen ID or mobile number to look up, and why (kept in the audit trail)."""

    id_number: str = Field("", max_length=32, description="Full 18-character citizen ID.")
    phone: str = Field("", max_length=32, description="Full mainland mobile number.")
    purpose: str = Field(max_length=200, description="Why (required), e.g. `front-desk enrolment`.")


class RevealIn(Schema):
    """Why the caller needs the full identity; stored in the audit trail."""

    purpose: str = Field(
        min_length=1,
        max_length=200,
        description="Why the full numbers are needed (required, e.g. `claim review`).",
    )


class RevealOut(Schema):
    """The full, unmasked ID and phone of one person."""

    id: int
    id_number: str
    phone: str


class MembershipIn(Schema):
    """A target-group membership with its evidence and validity."""

    group: str = Field(max_length=40, description="Target-group code, e.g. `migrant_worker`.")
    source: MembershipSource
    valid_from: datetime.date
    valid_until: datetime.date | None = None
    evidence: str = Field("", max_length=300)


class TargetGroupOut(Schema):
    code: str
    name: str


class MembershipOut(Schema):
    """A recorded target-group membership."""

    id: int
    person_id: int
    group: TargetGroupOut
    source: str
    evidence: str
    valid_from: datetime.date
    valid_until: datetime.date | None


def people_for(user: Any) -> PersonQuerySet:
    """People in the user's scope with what PersonOut needs, in a fixed number of queries."""
    return with_list_details(Person.objects.visible_to(user), user)


def _conflict_outcome(user: Any, exc: PersonExists) -> Outcome:
    # Point at the existing record only when the caller could open it anyway.
    existing_id = exc.extra.get("existing_id")
    if existing_id and Person.objects.visible_to(user).filter(pk=existing_id).exists():
        url = reverse("api:person_detail", kwargs={"person_id": existing_id})
        body = {**exc.as_dict(), "existing_id": existing_id, "existing_url": url}
        return Outcome(status=409, body=body, headers={"Location": url})
    body = {
        "code": exc.code,
        "detail": _("A person with this citizen ID is already registered."),
        "field": "id_number",
    }
    return Outcome(status=409, body=body)


def _tie_registered(data: services.PersonInput, user: Any) -> Person | None:
    """An organisation's staff registering someone already registered: check the ID card."""
    if not user.organization_id or not user.can(Capability.CREATE_PEOPLE):
        return None
    person = identity.identify_person(data.id_number, data.name, actor=user, where="registration")
    return services.tie_registered_person(person, actor=user) if person else None


@router.post(
    "/people",
    response={
        200: PersonOut,
        201: PersonOut,
        409: PersonExistsOut,
        **responses(400, 401, 403, 422),
    },
    summary="Register a person",
    url_name="person_create",
)
def create_person(
    request: HttpRequest, payload: PersonIn, idempotency_key: IdempotencyKeyHeader = None
) -> HttpResponse:
    """Register a worker once per citizen ID. Birth date and sex are derived from the ID.

    A citizen ID that is already registered answers 200 with that person when the name
    matches too (organisation staff: the person is then tied to the organisation, as when
    they show their ID card), and otherwise 409 `person_exists`; `existing_id` and
    `existing_url` point at the record only when the caller may see it.
    """
    user = actor(request)

    def create() -> Outcome:
        data = services.PersonInput(**payload.dict())
        try:
            person = services.register_person(data, actor=user)
        except PersonExists as exc:
            tied = _tie_registered(data, user)
            if tied is None:
                return _conflict_outcome(user, exc)
            body = dump(PersonOut, people_for(user).get(pk=tied.pk))
            return Outcome(status=200, body=body, headers={"Location": body["url"]})
        body = dump(PersonOut, people_for(user).get(pk=person.pk))
        return Outcome(status=201, body=body, headers={"Location": body["url"]})

    return idempotent(request, user, idempotency_key, create)


@router.get(
    "/people",
    response={200: Page[PersonOut], **responses(400, 401)},
    summary="Find people",
    url_name="person_list",
)
def list_people(
    request: HttpRequest, filters: Query[PersonFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """List the people in the caller's scope, newest first, filtered and paginated.

    A full ID or phone number in the query string is refused (400): look people up by
    number with `POST /people/lookup`, which keeps numbers out of URLs and logs.
    """
    refuse_numbers(request.GET)
    return paginate(search_people(actor(request), filters.dict()), page)


@router.post(
    "/people/lookup",
    response={200: Page[PersonOut], **responses(400, 401, 403, 429)},
    summary="Look a person up by full ID or phone",
    url_name="person_lookup",
)
def look_up_person(request: HttpRequest, payload: LookupIn) -> dict[str, Any]:
    """Find the people in the caller's scope who hold a full citizen ID or mobile number.

    A lookup confirms a number, so it is audited with its `purpose` and limited per account
    (429 `rate_limited` past the limit). Someone outside the caller's scope is not found,
    exactly as if nobody held the number. The numbers in the answer stay masked.
    """
    user = actor(request)
    found = identity.look_up_people(
        identity.Lookup(id_number=payload.id_number, phone=payload.phone),
        actor=user,
        purpose=payload.purpose,
    )
    people = with_list_details(Person.objects.filter(pk__in=[p.pk for p in found]), user)
    return paginate(people.order_by("pk"), PageParams())


@router.get(
    "/people/{person_id}",
    response={200: PersonOut, **responses(400, 401, 404)},
    summary="Get a person",
    url_name="person_detail",
)
def get_person(request: HttpRequest, person_id: ObjectId) -> Person:
    """Return one person in the caller's scope (404 outside it)."""
    user = actor(request)
    person = get_person_for_user(user, person_id)
    return people_for(user).get(pk=person.pk)


@router.post(
    "/people/{person_id}/reveal",
    response={200: RevealOut, **responses(400, 401, 403, 404)},
    summary="Reveal full ID and phone",
    url_name="person_reveal",
)
@decorate_view(no_store)
def reveal_person(request: HttpRequest, person_id: ObjectId, payload: RevealIn) -> dict[str, Any]:
    """Return the full citizen ID and phone to a role allowed to see them; audited.

    Answers 404 outside the caller's scope and 403 for roles that may see the person but not
    their full identity.
    """
    user = actor(request)
    person = get_person_for_user(user, person_id)
    revealed = identity.reveal_personal_data(person, actor=user, purpose=payload.purpose)
    return {"id": person.pk, **revealed}


@router.post(
    "/people/{person_id}/memberships",
    response={201: MembershipOut, **responses(400, 401, 403, 404, 409, 422)},
    summary="Add a target-group membership",
    url_name="person_membership_create",
)
def create_membership(
    request: HttpRequest,
    person_id: ObjectId,
    payload: MembershipIn,
    idempotency_key: IdempotencyKeyHeader = None,
) -> HttpResponse:
    """Record that a person belongs to a target group, with evidence and validity."""
    user = actor(request)
    person = get_person_for_user(user, person_id)
    if not user.can(Capability.RECORD_MEMBERSHIPS):
        raise PermissionDenied(_("Your role may not record target-group memberships."))

    def create() -> Outcome:
        group = TargetGroup.objects.filter(code=payload.group).first()
        if group is None:
            raise ValidationFailed(
                _("Target group {code} is not known.").format(code=payload.group), field="group"
            )
        membership = services.add_membership(
            person,
            group,
            source=payload.source,
            valid_from=payload.valid_from,
            valid_until=payload.valid_until,
            evidence=payload.evidence,
            actor=user,
        )
        return Outcome(status=201, body=dump(MembershipOut, membership))

    return idempotent(request, user, idempotency_key, create)
