"""Give the demo city competitions, promotions, award rounds, a master studio and a goal.

Runs after the assessment demo, which issues certificates, so the pool already holds its
高级工. Everything goes through the services; people, organisations and occupations are the
ones the earlier demos made, picked in a fixed order (seeded), never invented. Dates are
relative to today. One published round needs a notice that is over: it is run through the
services today and its dates are then moved back a year, the one step done outside them.
Running it again skips what exists.
"""

from __future__ import annotations

import datetime
from typing import TYPE_CHECKING, Any

from django.db.models import Q
from django.utils import timezone

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.certificates.models import Certificate, CertificateKind
from jineng.core.errors import DomainError
from jineng.occupations.models import Occupation, SkillLevel
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import Person
from jineng.talent import rules, services
from jineng.talent.choices import CompetitionLevel, Prize, StudioKind
from jineng.talent.errors import NoPromotionRule
from jineng.talent.models import AwardRound, AwardTitle, Competition, MasterStudio, TalentGoal

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

TITLES = (
    ("mhk-skill-master", "梅河口技能名师", "在带徒传技、技艺传承中作出突出贡献的高技能人才"),
    (
        "mhk-technical-expert",
        "梅河口技术能手",
        "在生产一线技术创新、解决技术难题中成绩突出的技能人才",
    ),
)
COMPETITION = "梅河口市职业技能大赛（演示）"
STATEMENT = "长期扎根生产一线，技艺精湛，带徒传技成绩突出（演示）"
OBJECTION = "据了解，被推荐人所报业绩中的一项技术革新并非其本人完成，请核实（演示）"


def build_demo(*, stdout: SupportsWrite[str]) -> None:
    """Build the talent demo; print what was made and what was skipped, and why."""
    admin = User.objects.filter(role=Role.BUREAU_ADMIN, is_active=True).order_by("pk").first()
    if admin is None:
        stdout.write("talent: no bureau administrator; skipped.\n")
        return
    try:
        count = services.load_promotion_rules(rules.read_rules(), actor=admin)
    except NoPromotionRule as exc:
        stdout.write(f"talent: promotion rules not loaded ({exc.detail}); skipped.\n")
        return
    stdout.write(f"talent: {count} promotion rules loaded (unconfirmed).\n")
    people = list(Person.objects.order_by("pk")[:40])
    if len(people) < 12:
        stdout.write("talent: fewer than 12 people registered; skipped.\n")
        return
    _competition(admin, people, stdout)
    _rounds(admin, people, stdout)
    _studio(admin, people, stdout)
    _goal(admin, stdout)


def _holders() -> list[Certificate]:
    top = SkillLevel.objects.filter(code="level1").values_list("rank", flat=True).first() or 6
    return list(
        Certificate.objects.valid()
        .filter(kind=CertificateKind.SKILL_LEVEL, level__rank__lt=top, occupation__isnull=False)
        .select_related("holder", "occupation", "level")
        .order_by("-level__rank", "pk")[:40]
    )


def _competition(admin: Any, people: list[Person], stdout: SupportsWrite[str]) -> None:
    if Competition.objects.filter(name=COMPETITION).exists():
        stdout.write("talent: the demo competition exists; skipped.\n")
        return
    holders = _holders()
    occupation = (
        holders[0].occupation if holders else Occupation.objects.filter(name="电工").first()
    )
    if occupation is None:
        stdout.write("talent: no occupation to compete in; competition skipped.\n")
        return
    today = timezone.localdate()
    competition = services.create_competition(
        services.CompetitionInput(
            name=COMPETITION,
            level=CompetitionLevel.CITY,
            occupations=[occupation],
            starts_on=today - datetime.timedelta(days=40),
            ends_on=today - datetime.timedelta(days=38),
            organizer="梅河口市人力资源和社会保障局",
        ),
        actor=admin,
    )
    same = [c.holder for c in holders if c.occupation_id == occupation.pk]
    entrants = list(dict.fromkeys([*same, *people[:6]]))[:6]
    prizes = [Prize.FIRST, Prize.FIRST, Prize.SECOND, Prize.THIRD, Prize.EXCELLENCE, Prize.NONE]
    for place, (person, prize) in enumerate(zip(entrants, prizes, strict=False), start=1):
        services.record_entry(
            competition.pk, person, occupation=occupation, prize=prize, rank=place, actor=admin
        )
    outcome = services.propose_promotions(competition.pk, actor=admin)
    stdout.write(
        f"talent: competition with {len(entrants)} entries; {len(outcome.proposals)} "
        f"promotions proposed, {len(outcome.skipped)} winners not covered.\n"
    )
    if not outcome.proposals:
        return
    proposal = outcome.proposals[0]
    issuers = list(services.accredited_issuers(proposal)[:1])
    if not issuers:
        stdout.write(
            "talent: no evaluation body is accredited for the promoted level; the promotion "
            "stays proposed (approval skipped).\n"
        )
        return
    try:
        certificate = services.approve_proposal(
            proposal.pk, issuer=issuers[0], reason="市级一等奖，按规定晋升一级（演示）", actor=admin
        )
    except DomainError as error:
        stdout.write(f"talent: promotion not approved: {error.detail}\n")
        return
    stdout.write(f"talent: promotion approved, certificate {certificate.number} issued.\n")


def _titles(admin: Any) -> list[AwardTitle]:
    return [
        services.save_award_title(code=code, name=name, description=text, actor=admin)
        if not AwardTitle.objects.filter(code=code).exists()
        else AwardTitle.objects.get(code=code)
        for code, name, text in TITLES
    ]


def _employer(person: Person) -> Organization | None:
    return Organization.objects.filter(
        affiliations__person=person, kind=OrganizationKind.ENTERPRISE
    ).first()


def _run_round(
    admin: Any, title: AwardTitle, year: int, nominees: list[Person], *, reject_last: bool
) -> AwardRound:
    today = timezone.localdate()
    award_round = services.create_round(
        services.RoundInput(
            title=title,
            year=year,
            nominations_open_on=today - datetime.timedelta(days=1),
            nominations_close_on=today + datetime.timedelta(days=20),
            notice_days=7,
        ),
        actor=admin,
    )
    for person in nominees:
        services.nominate(
            award_round.pk,
            services.NominationInput(
                person=person, statement=STATEMENT, nominated_by_organization=_employer(person)
            ),
            actor=admin,
        )
    services.start_review(award_round.pk, actor=admin)
    nominations = list(award_round.nominations.order_by("pk"))
    for n, nomination in enumerate(nominations):
        refused = reject_last and n == len(nominations) - 1
        services.decide_nomination(
            nomination.pk,
            approve=not refused,
            reason="业绩材料不足，未达到评选条件（演示）" if refused else "",
            actor=admin,
        )
    return services.start_notice(award_round.pk, actor=admin)


def _rounds(admin: Any, people: list[Person], stdout: SupportsWrite[str]) -> None:
    if AwardRound.objects.exists():
        stdout.write("talent: award rounds exist; skipped.\n")
        return
    master, expert = _titles(admin)
    year = timezone.localdate().year
    past = _run_round(admin, master, year - 1, people[6:9], reject_last=False)
    # A round of last year: its notice ended long ago (the one step outside the services).
    ago = datetime.timedelta(days=365)
    assert past.notice_starts_on is not None
    assert past.notice_ends_on is not None
    AwardRound.objects.filter(pk=past.pk).update(
        notice_starts_on=past.notice_starts_on - ago,
        notice_ends_on=past.notice_ends_on - ago,
        nominations_open_on=past.nominations_open_on - ago,
        nominations_close_on=past.nominations_close_on - ago,
    )
    published = services.publish_round(past.pk, actor=admin)
    current = _run_round(admin, expert, year, people[9:12], reject_last=True)
    first = current.nominations.filter(decision="approved").order_by("pk").first()
    if first is not None:
        services.raise_objection(
            current.pk,
            first.pk,
            objector_name="王先生",
            contact="13900000000",
            objection=OBJECTION,
        )
    stdout.write(
        f"talent: round {past} published ({published.published} winners); round {current} "
        "on public notice with one objection.\n"
    )


def _studio(admin: Any, people: list[Person], stdout: SupportsWrite[str]) -> None:
    if MasterStudio.objects.exists():
        stdout.write("talent: a master studio exists; skipped.\n")
        return
    holders = _holders()
    master_cert = holders[0] if holders else None
    host = (
        Organization.objects.filter(
            Q(kind=OrganizationKind.ENTERPRISE) | Q(kind=OrganizationKind.TECHNICAL_SCHOOL)
        )
        .order_by("kind", "pk")
        .first()
    )
    if master_cert is None or host is None or master_cert.occupation is None:
        stdout.write("talent: no certified master or host organisation; studio skipped.\n")
        return
    master = master_cert.holder
    studio = services.create_studio(
        services.StudioInput(
            kind=StudioKind.MASTER,
            name=f"{master.name}技能大师工作室",
            host=host,
            master=master,
            occupation=master_cert.occupation,
            recognised_on=timezone.localdate() - datetime.timedelta(days=400),
        ),
        actor=admin,
    )
    apprentices = [p for p in people[12:] if p.pk != master.pk][:3]
    for n, person in enumerate(apprentices):
        services.add_apprentice(
            studio.pk,
            person,
            started_on=timezone.localdate() - datetime.timedelta(days=300 - 60 * n),
            actor=admin,
        )
    stdout.write(f"talent: studio {studio.name} with {len(apprentices)} apprentices.\n")


def _goal(admin: Any, stdout: SupportsWrite[str]) -> None:
    year = timezone.localdate().year
    if TalentGoal.objects.filter(year=year).exists():
        stdout.write("talent: this year's goal exists; skipped.\n")
        return
    services.set_goal(
        year, target=200, note="演示目标：全市高技能人才总量（未经确认）", actor=admin
    )
    stdout.write(f"talent: goal for {year} set (200, a demo figure).\n")
