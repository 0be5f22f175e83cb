"""REST endpoints of talent (read): the talent pool, competitions and award rounds.

Every list starts from the viewer's scope (``view_talent``; others get 403); names are
masked unless the caller may see them in full (view_full_pii). Writes stay on the pages.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema

from jineng.api.auth import actor
from jineng.api.errors import responses
from jineng.api.schemas import ObjectId, Page, PageParams, paginate
from jineng.core.errors import PermissionDenied
from jineng.talent import access, queries
from jineng.talent.choices import CompetitionLevel, Decision, Prize, RoundStatus
from jineng.talent.models import AwardRound, Competition

router = Router(tags=["talent"])


def _viewer(request: HttpRequest) -> Any:
    user = actor(request)
    if not access.may_view(user):
        raise PermissionDenied(_("Your role may not see the talent pool."))
    return user


class TalentPersonOut(Schema):
    """One person of the talent pool; the name masked unless the caller sees full names."""

    id: int
    name: str
    top_level: str | None
    town: str | None
    employer: str | None
    awards: int
    medals: int
    in_pool_since: datetime.date | None


class PoolFilters(Schema):
    """Search the pool: occupation code, level code, township code, employer id."""

    occupation: str = Field("", max_length=20, description="e.g. `6-31-01-03`")
    level: str = Field("", max_length=20, description="Holds a valid certificate at, e.g. `level3`")
    town: str = Field("", max_length=12, description="The person's township code")
    employer: int | None = Field(None, ge=1, description="A current employer's id")


@router.get(
    "/talent/pool",
    response={200: Page[TalentPersonOut], **responses(400, 401, 403)},
    summary="Search the high-skill talent pool",
    url_name="talent_pool",
)
def list_pool(
    request: HttpRequest, filters: Query[PoolFilters], page: Query[PageParams]
) -> dict[str, Any]:
    """List the pool (高技能人才信息库) in scope, best level first: derived, never typed."""
    user = _viewer(request)
    people = queries.pool(user, queries.PoolFilters(**filters.model_dump()))
    found = paginate(people, page)
    found["items"] = [
        TalentPersonOut(
            id=p.pk,
            name=queries.shown_name(user, p.name),
            top_level=p.top_level_name,
            town=p.town.name if p.town else None,
            employer=p.employer_name,
            awards=p.awards,
            medals=p.medals,
            in_pool_since=p.entered_on,
        )
        for p in found["items"]
    ]
    return found


class CompetitionEntryOut(Schema):
    """One entrant's result."""

    name: str
    occupation: str
    rank: int | None
    prize: Prize


class CompetitionOut(Schema):
    """A skills competition, with its occupations and results."""

    id: int
    name: str
    level: CompetitionLevel
    occupations: list[str]
    starts_on: datetime.date
    ends_on: datetime.date
    organizer: str
    entries: list[CompetitionEntryOut] = []


def _competition(user: Any, c: Competition, *, entries: bool) -> CompetitionOut:
    rows = c.entries.select_related("person", "occupation") if entries else []
    return CompetitionOut(
        id=c.pk,
        name=c.name,
        level=CompetitionLevel(c.level),
        occupations=[o.code for o in c.occupations.all()],
        starts_on=c.starts_on,
        ends_on=c.ends_on,
        organizer=c.organizer,
        entries=[
            CompetitionEntryOut(
                name=queries.shown_name(user, e.person.name),
                occupation=e.occupation.code,
                rank=e.rank,
                prize=Prize(e.prize),
            )
            for e in rows
        ],
    )


@router.get(
    "/talent/competitions",
    response={200: Page[CompetitionOut], **responses(400, 401, 403)},
    summary="List skills competitions",
    url_name="talent_competition_list",
)
def list_competitions(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """List competitions in scope, newest first (results on each competition's own path)."""
    user = _viewer(request)
    competitions = Competition.objects.visible_to(user).prefetch_related("occupations")
    found = paginate(competitions, page)
    found["items"] = [_competition(user, c, entries=False) for c in found["items"]]
    return found


@router.get(
    "/talent/competitions/{competition_id}",
    response={200: CompetitionOut, **responses(400, 401, 403, 404)},
    summary="Get a competition with its results",
    url_name="talent_competition",
)
def get_competition(request: HttpRequest, competition_id: ObjectId) -> CompetitionOut:
    """Return one competition in scope with its results (404 outside it)."""
    user = _viewer(request)
    return _competition(user, access.get_competition_for_user(user, competition_id), entries=True)


class NominationOut(Schema):
    """A nomination in a round, with its decision."""

    name: str
    employer: str | None
    occupation: str | None
    decision: Decision
    awarded_on: datetime.date | None


class AwardRoundOut(Schema):
    """An award round: its award, period, dates and status."""

    id: int
    award: str
    year: int
    period: str
    status: RoundStatus
    nominations_open_on: datetime.date
    nominations_close_on: datetime.date
    notice_days: int
    notice_starts_on: datetime.date | None
    notice_ends_on: datetime.date | None
    published_on: datetime.date | None
    nominations: list[NominationOut] = []


def _round(user: Any, r: AwardRound, *, nominations: bool) -> AwardRoundOut:
    rows = r.nominations.select_related("person", "employer", "occupation") if nominations else []
    return AwardRoundOut(
        id=r.pk,
        award=r.title.name,
        year=r.year,
        period=r.period,
        status=RoundStatus(r.status),
        nominations_open_on=r.nominations_open_on,
        nominations_close_on=r.nominations_close_on,
        notice_days=r.notice_days,
        notice_starts_on=r.notice_starts_on,
        notice_ends_on=r.notice_ends_on,
        published_on=r.published_on,
        nominations=[
            NominationOut(
                name=queries.shown_name(user, n.person.name),
                employer=n.employer.name if n.employer else None,
                occupation=n.occupation.code if n.occupation else None,
                decision=Decision(n.decision),
                awarded_on=n.published_on,
            )
            for n in rows
        ],
    )


@router.get(
    "/talent/award-rounds",
    response={200: Page[AwardRoundOut], **responses(400, 401, 403)},
    summary="List award rounds",
    url_name="talent_round_list",
)
def list_rounds(request: HttpRequest, page: Query[PageParams]) -> dict[str, Any]:
    """List award rounds in scope, newest first."""
    user = _viewer(request)
    rounds = AwardRound.objects.visible_to(user).select_related("title")
    found = paginate(rounds, page)
    found["items"] = [_round(user, r, nominations=False) for r in found["items"]]
    return found


@router.get(
    "/talent/award-rounds/{round_id}",
    response={200: AwardRoundOut, **responses(400, 401, 403, 404)},
    summary="Get an award round with its nominations",
    url_name="talent_round",
)
def get_round(request: HttpRequest, round_id: ObjectId) -> AwardRoundOut:
    """Return one award round in scope with its nominations (404 outside it)."""
    user = _viewer(request)
    return _round(user, access.get_round_for_user(user, round_id), nominations=True)
