"""Reads of talent for pages, the API, the lifelong record and the workspace.

The talent pool (高技能人才信息库) is derived here and never stored: everyone in the viewer's
people scope who holds a valid skill-level or qualification certificate at 三级/高级工 or
above, or won a published award, or took a medal or one of the first three prizes at a
competition. Counts over time take the day each person first qualified.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import (
    Count,
    DateField,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, ExtractQuarter, ExtractYear, Least
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.certificates.models import Certificate, CertificateKind
from jineng.core import pii
from jineng.core.scope import CHANGE
from jineng.occupations.models import SkillLevel
from jineng.people.choices import AffiliationKind
from jineng.people.models import Affiliation, Person, PersonQuerySet
from jineng.people.queries import RecordEntry, RecordScope
from jineng.talent import access
from jineng.talent.choices import (
    MEDAL_PRIZES,
    Decision,
    ObjectionStatus,
    Prize,
    ProposalStatus,
    RoundStatus,
)
from jineng.talent.models import (
    AwardRound,
    CompetitionEntry,
    MasterStudio,
    Nomination,
    Objection,
    PromotionProposal,
    StudioApprenticeship,
    TalentGoal,
)

# The lowest level of a high-skill worker (高技能人才): 三级/高级工, by its code in the ladder
# (jineng/occupations/data/skill_levels.csv); its rank is read from the data, not assumed.
HIGH_SKILL_LEVEL_CODE = "level3"
LEVEL_KINDS = (CertificateKind.SKILL_LEVEL, CertificateKind.QUALIFICATION)
_NEVER = datetime.date(9999, 12, 31)


def shown_name(user: Viewer, name: str) -> str:
    """The name as the viewer may see it: in full with view_full_pii, masked otherwise."""
    return name if access.sees_full_names(user) else pii.mask_name(name)


def high_skill_rank() -> int:
    """Return the rank of 三级/高级工 in the level ladder (the pool's threshold)."""
    rank = SkillLevel.objects.filter(code=HIGH_SKILL_LEVEL_CODE).values_list("rank", flat=True)
    found = rank.first()
    # Without the ladder loaded nobody qualifies by certificate.
    return found if found is not None else 10**6


def _qualifying_certificates() -> QuerySet[Certificate]:
    return Certificate.objects.valid().filter(
        kind__in=LEVEL_KINDS, level__rank__gte=high_skill_rank()
    )


def _winners() -> QuerySet[Nomination]:
    return Nomination.objects.filter(
        published_on__isnull=False,
        decision=Decision.APPROVED,
        award_round__status=RoundStatus.PUBLISHED,
    )


def _medals() -> QuerySet[CompetitionEntry]:
    return CompetitionEntry.objects.filter(prize__in=MEDAL_PRIZES)


@dataclass(frozen=True)
class PoolFilters:
    """What the pool is searched by: occupation code, level code, town code, employer id."""

    occupation: str = ""
    level: str = ""
    town: str = ""
    employer: int | None = None

    @classmethod
    def from_params(cls, params: Any) -> PoolFilters:
        """Read the filters from request parameters (unknown values simply match nobody)."""
        employer = str(params.get("employer") or "").strip()
        return cls(
            occupation=str(params.get("occupation") or "").strip(),
            level=str(params.get("level") or "").strip(),
            town=str(params.get("town") or "").strip(),
            employer=int(employer) if employer.isdigit() else None,
        )


def _first(queryset: QuerySet[Any], person_path: str, day: str) -> Subquery:
    rows = queryset.filter(**{person_path: OuterRef("pk")}).order_by(day).values(day)[:1]
    return Subquery(rows, output_field=DateField())


def pool(user: Viewer, filters: PoolFilters | None = None) -> PersonQuerySet:
    """Return the talent pool in the viewer's people scope, filtered, best level first.

    Each person carries ``top_level_rank``, ``top_level_name``, ``employer_name``,
    ``awards``, ``medals`` and ``entered_on`` (the day they first qualified).
    """
    if not access.may_view(user):
        return Person.objects.none()
    filters = filters or PoolFilters()
    certificates = _qualifying_certificates()
    winners, medals = _winners(), _medals()
    people = Person.objects.visible_to(user).filter(
        Q(pk__in=certificates.values("holder_id"))
        | Q(pk__in=winners.values("person_id"))
        | Q(pk__in=medals.values("person_id"))
    )
    people = _filtered(people, filters, certificates, winners, medals)
    annotated: PersonQuerySet = _annotated(people, certificates, winners, medals)
    return annotated.order_by("-top_level_rank", "name", "pk")  # type: ignore[misc]


def _filtered(
    people: PersonQuerySet,
    filters: PoolFilters,
    certificates: QuerySet[Certificate],
    winners: QuerySet[Nomination],
    medals: QuerySet[CompetitionEntry],
) -> PersonQuerySet:
    if filters.occupation:
        code = filters.occupation
        people = people.filter(
            Q(pk__in=certificates.filter(occupation__code=code).values("holder_id"))
            | Q(pk__in=winners.filter(occupation__code=code).values("person_id"))
            | Q(pk__in=medals.filter(occupation__code=code).values("person_id"))
        )
    if filters.level:
        held = Certificate.objects.valid().filter(kind__in=LEVEL_KINDS, level__code=filters.level)
        people = people.filter(pk__in=held.values("holder_id"))
    if filters.town:
        people = people.filter(town__code=filters.town)
    if filters.employer is not None:
        employed = Affiliation.objects.current().filter(
            kind=AffiliationKind.EMPLOYEE, organization_id=filters.employer
        )
        people = people.filter(pk__in=employed.values("person_id"))
    return people


def _counted(rows: QuerySet[Any]) -> Subquery:
    """How many of the rows are about the outer person."""
    per_person = rows.filter(person=OuterRef("pk")).order_by().values("person")
    return Subquery(per_person.annotate(n=Count("pk")).values("n"), output_field=IntegerField())


def _annotated(
    people: PersonQuerySet,
    certificates: QuerySet[Certificate],
    winners: QuerySet[Nomination],
    medals: QuerySet[CompetitionEntry],
) -> PersonQuerySet:
    best = (
        Certificate.objects.valid()
        .filter(holder=OuterRef("pk"), kind__in=LEVEL_KINDS, level__isnull=False)
        .order_by("-level__rank")
    )
    employer = (
        Affiliation.objects.current()
        .filter(person=OuterRef("pk"), kind=AffiliationKind.EMPLOYEE)
        .order_by("-started_on")
    )
    return people.select_related("town", "region").annotate(
        top_level_rank=Subquery(best.values("level__rank")[:1], output_field=IntegerField()),
        top_level_name=Subquery(best.values("level__name")[:1]),
        employer_name=Subquery(employer.values("organization__name")[:1]),
        awards=Coalesce(_counted(winners), Value(0)),
        medals=Coalesce(_counted(medals), Value(0)),
        entered_on=_entered_on(certificates, winners, medals),
    )


def _entered_on(
    certificates: QuerySet[Certificate],
    winners: QuerySet[Nomination],
    medals: QuerySet[CompetitionEntry],
) -> Any:
    never = Value(_NEVER, output_field=DateField())
    return Least(
        Coalesce(_first(certificates, "holder", "issued_on"), never),
        Coalesce(_first(winners, "person", "published_on"), never),
        Coalesce(_first(medals, "person", "competition__ends_on"), never),
        output_field=DateField(),
    )


@dataclass(frozen=True)
class PeriodCount:
    """The pool's size at the end of one period, against the goal of its year."""

    label: str
    ends_on: datetime.date
    count: int
    goal: int | None


@dataclass(frozen=True)
class PoolProgress:
    """The pool's size per quarter and per year against the bureau's goals."""

    quarters: list[PeriodCount] = field(default_factory=list)
    years: list[PeriodCount] = field(default_factory=list)
    total: int = 0

    def chart_data(self) -> dict[str, Any]:
        """The figures the page's chart draws, for json_script."""
        return {
            "categories": [q.label for q in self.quarters],
            "counts": [q.count for q in self.quarters],
            "goals": [q.goal for q in self.quarters],
            "labels": {"count": _("In the pool"), "goal": _("Goal for the year")},
        }


def _quarter_end(year: int, quarter: int) -> datetime.date:
    month = quarter * 3
    first_of_next = datetime.date(year + month // 12, month % 12 + 1, 1)
    return first_of_next - datetime.timedelta(days=1)


def progress(user: Viewer, *, years: int = 3) -> PoolProgress:
    """Count the pool at each quarter's and year's end over recent years, against the goals.

    One grouped query counts the people by the quarter they first qualified; the running
    totals are summed over those few buckets.
    """
    today = timezone.localdate()
    first_year = today.year - years + 1
    rows = (
        pool(user)
        .order_by()
        .annotate(y=ExtractYear("entered_on"), q=ExtractQuarter("entered_on"))
        .values("y", "q")
        .annotate(n=Count("pk", distinct=True))
    )
    buckets = {(r["y"], r["q"]): r["n"] for r in rows}
    goals = dict(TalentGoal.objects.values_list("year", "target"))
    running = sum(n for (y, _q), n in buckets.items() if y < first_year)
    quarters, year_counts = [], []
    for year in range(first_year, today.year + 1):
        for quarter in range(1, 5):
            ends_on = _quarter_end(year, quarter)
            if ends_on - datetime.timedelta(days=92) > today:
                break
            running += buckets.get((year, quarter), 0)
            quarters.append(
                PeriodCount(f"{year} Q{quarter}", min(ends_on, today), running, goals.get(year))
            )
        year_counts.append(
            PeriodCount(
                str(year), min(datetime.date(year, 12, 31), today), running, goals.get(year)
            )
        )
    total = sum(buckets.values())
    return PoolProgress(quarters=quarters, years=year_counts, total=total)


@dataclass(frozen=True)
class PublicNominee:
    """One nominee or winner as the public reads them: masked name, employer, occupation."""

    nomination_id: int
    name: str
    employer: str
    occupation: str


def public_rounds() -> QuerySet[AwardRound]:
    """Rounds the public may read: on notice, or published."""
    return AwardRound.objects.filter(
        status__in=(RoundStatus.NOTICE, RoundStatus.PUBLISHED)
    ).select_related("title")


def _public(rows: QuerySet[Nomination]) -> list[PublicNominee]:
    return [
        PublicNominee(
            nomination_id=n.pk,
            name=pii.mask_name(n.person.name),
            employer=n.employer.name if n.employer else "",
            occupation=n.occupation.name if n.occupation else "",
        )
        for n in rows.select_related("person", "employer", "occupation").order_by("pk")
    ]


def public_notice(round_id: int) -> tuple[AwardRound, list[PublicNominee]] | None:
    """Return a round on public notice and its nominees, masked; None for any other round."""
    award_round = public_rounds().filter(pk=round_id, status=RoundStatus.NOTICE).first()
    if award_round is None:
        return None
    nominees = award_round.nominations.filter(decision=Decision.APPROVED)
    return award_round, _public(nominees)


def public_winners(round_id: int) -> tuple[AwardRound, list[PublicNominee]] | None:
    """Return a published round and its published winners, masked; None for any other round."""
    award_round = public_rounds().filter(pk=round_id, status=RoundStatus.PUBLISHED).first()
    if award_round is None:
        return None
    return award_round, _public(award_round.nominations.filter(published_on__isnull=False))


def record_entries(person: Person, scope: RecordScope) -> list[RecordEntry]:
    """Return the person's awards, competition results and studio ties for the record.

    An organisation's scope keeps the awards it nominated or employs the winner for and the
    studios it hosts; competition results belong to no organisation and are left out there.
    """
    entries: list[RecordEntry] = []
    entries += _award_entries(person, scope)
    if scope.organization_ids is None:
        entries += _competition_entries(person)
    entries += _studio_entries(person, scope)
    return entries


def _award_entries(person: Person, scope: RecordScope) -> list[RecordEntry]:
    awards = _winners().filter(person=person).select_related("award_round__title", "occupation")
    if scope.organization_ids is not None:
        awards = awards.filter(
            Q(employer_id__in=scope.organization_ids)
            | Q(nominated_by_organization_id__in=scope.organization_ids)
        )
    return [
        RecordEntry(
            day=n.published_on,
            kind="talent.award",
            title=_("Awarded {title} ({round})").format(
                title=n.award_round.title.name, round=n.award_round
            ),
            details={
                "award": n.award_round.title.code,
                "year": n.award_round.year,
                "occupation": n.occupation.code if n.occupation else None,
            },
        )
        for n in awards
        if n.published_on
    ]


def _competition_entries(person: Person) -> list[RecordEntry]:
    rows = CompetitionEntry.objects.filter(person=person).select_related(
        "competition", "occupation"
    )
    found = []
    for e in rows:
        c = e.competition
        title = (
            _("Took part in {competition} ({occupation})")
            if e.prize == Prize.NONE
            else _("{prize} at {competition} ({occupation})")
        ).format(prize=e.get_prize_display(), competition=c.name, occupation=e.occupation.name)
        found.append(
            RecordEntry(
                day=c.ends_on,
                kind="talent.competition",
                title=title,
                details={
                    "competition": c.name,
                    "level": c.level,
                    "occupation": e.occupation.code,
                    "prize": e.prize,
                    "rank": e.rank,
                },
            )
        )
    return found


def _studio_entries(person: Person, scope: RecordScope) -> list[RecordEntry]:
    studios: QuerySet[MasterStudio] = scope.by_organization(
        MasterStudio.objects.filter(master=person).select_related("host", "occupation"),
        "host_id",
    )
    taught: QuerySet[StudioApprenticeship] = scope.by_organization(
        StudioApprenticeship.objects.filter(studio__master=person).select_related(
            "studio", "apprentice"
        ),
        "studio__host_id",
    )
    learnt: QuerySet[StudioApprenticeship] = scope.by_organization(
        StudioApprenticeship.objects.filter(apprentice=person).select_related(
            "studio__host", "studio__master"
        ),
        "studio__host_id",
    )
    found = [
        RecordEntry(
            day=s.recognised_on,
            kind="talent.studio.master",
            title=_("Master of {studio} at {host}").format(studio=s.name, host=s.host.name),
            details={"studio": s.name, "kind": s.kind, "occupation": s.occupation.code},
        )
        for s in studios
    ]
    found += [
        RecordEntry(
            day=a.started_on,
            kind="talent.studio.taught",
            title=_("Took {apprentice} as an apprentice in {studio}").format(
                apprentice=pii.mask_name(a.apprentice.name), studio=a.studio.name
            ),
            details={"studio": a.studio.name, "ended_on": _iso(a.ended_on)},
        )
        for a in taught
    ]
    found += [
        RecordEntry(
            day=a.started_on,
            kind="talent.studio.apprentice",
            title=_("Apprentice of {master} in {studio}").format(
                master=a.studio.master.name, studio=a.studio.name
            ),
            details={
                "studio": a.studio.name,
                "host": a.studio.host.name,
                "ended_on": _iso(a.ended_on),
            },
        )
        for a in learnt
    ]
    return found


def _iso(day: datetime.date | None) -> str | None:
    return day.isoformat() if day else None


# The workspace's sections (jineng/workspace): what waits for the bureau's decision.
def proposals_to_decide(user: Viewer) -> QuerySet[PromotionProposal]:
    """Promotion proposals the user may approve or reject, oldest first."""
    if not access.may_manage(user):
        return PromotionProposal.objects.none()
    return (
        PromotionProposal.objects.visible_to(user, CHANGE)
        .filter(status=ProposalStatus.PROPOSED)
        .select_related("entry__competition", "entry__person", "proposed_level")
        .order_by("pk")
    )


def objections_to_resolve(user: Viewer) -> QuerySet[Objection]:
    """Open objections the user may resolve, oldest first."""
    if not access.may_manage(user):
        return Objection.objects.none()
    return (
        Objection.objects.visible_to(user, CHANGE)
        .filter(status=ObjectionStatus.OPEN)
        .select_related("nomination__award_round__title")
        .order_by("pk")
    )


def nominations_to_review(user: Viewer) -> QuerySet[Nomination]:
    """Nominations awaiting the user's decision in rounds under review, oldest first."""
    if not access.may_manage(user):
        return Nomination.objects.none()
    return (
        Nomination.objects.visible_to(user, CHANGE)
        .filter(decision=Decision.PENDING, award_round__status=RoundStatus.REVIEWING)
        .select_related("award_round__title", "person")
        .order_by("pk")
    )


def rounds_to_publish(user: Viewer) -> QuerySet[AwardRound]:
    """Rounds whose public notice is over and that the user may publish."""
    if not access.may_manage(user):
        return AwardRound.objects.none()
    return (
        AwardRound.objects.visible_to(user, CHANGE)
        .filter(status=RoundStatus.NOTICE, notice_ends_on__lte=timezone.localdate())
        .select_related("title")
    )
