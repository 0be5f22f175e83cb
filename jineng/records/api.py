"""REST endpoint for the lifelong training record (培训电子档案)."""

from __future__ import annotations

import datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema

from jineng.api.auth import actor
from jineng.api.errors import responses
from jineng.api.schemas import ObjectId
from jineng.people.access import get_person_for_user
from jineng.records.queries import record_for

router = Router(tags=["records"])


class RecordRegionOut(Schema):
    code: str
    name: str


class RecordPersonOut(Schema):
    """The person the record belongs to; ID and phone masked."""

    id: int
    name: str
    id_number: str
    phone: str
    birth_date: datetime.date | None = Field(
        description="Only with the full identity: with a masked ID it would reveal the rest."
    )
    age: int | None = Field(description="Only with the full identity, like the birth date.")
    age_band: str = Field(description="Age today as a five-year band, e.g. `30–34`.")
    sex: str
    region: RecordRegionOut
    town: str | None
    hukou_type: str
    education: str
    employment_status: str
    target_groups: list[str]


class RecordEntryOut(Schema):
    """One dated fact of the record."""

    date: datetime.date
    kind: str = Field(description="What happened, e.g. `identity.registered`.")
    title: str
    details: dict[str, object]


class RecordOut(Schema):
    """The lifelong record as a document (schema `jineng.training-record/1`), newest first."""

    schema_: str = Field(alias="schema")
    generated_at: datetime.datetime
    person: RecordPersonOut
    entries: list[RecordEntryOut]


@router.get(
    "/people/{person_id}/record",
    response={200: RecordOut, **responses(400, 401, 404)},
    by_alias=True,
    summary="Get a person's lifelong record",
    url_name="person_record",
)
def get_person_record(request: HttpRequest, person_id: ObjectId) -> dict[str, object]:
    """Return the lifelong training record of a person in the caller's scope (404 outside).

    An organisation's staff get only their own organisation's facts about the person and
    today's non-sensitive target groups, without evidence (see records.policy).
    """
    user = actor(request)
    person = get_person_for_user(user, person_id)
    return record_for(person, user).as_document()
