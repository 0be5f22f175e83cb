"""The small city the authorization matrix runs in: every role and objects in and out of scope.

Built once per test module through the services (the same path as production data), inside
one transaction that the module rolls back; each test then runs in a savepoint of it. Every
scoped model has at least one object of institution A in town 1 and one of institution B in
town 2, so that each role has objects in and out of its scope; which is which is the
registry's answer (``jineng.core.scope``), never this module's.
"""

from __future__ import annotations

import dataclasses
import datetime
import io
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone

# Two towns of one county: the reviewer's account is limited to TOWN_1.
COUNTY, TOWN_1, TOWN_2 = "220581", "220581001", "220581100"
VILLAGE_1, VILLAGE_2 = "220581001001", "220581100201"
# The roles of the matrix, in the order its test ids show them.
ROLES = (
    "bureau",
    "reviewer_town",
    "auditor",
    "finance",
    "staff_a",
    "staff_b",
    "evaluator",
    "employer",
    "worker",
    "anonymous",
)
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
MISSING_ID = 999_999_999


def citizen_id(body17: str) -> str:
    """Complete a 17-digit citizen ID body with its GB 11643 check character."""
    weights = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2]
    total = sum(int(d) * w for d, w in zip(body17, weights, strict=True))
    return body17 + "10X98765432"[total % 11]


@dataclass
class World:
    """The accounts (by role), their API tokens and the objects (by model label)."""

    users: dict[str, Any] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)
    objects: dict[str, list[Any]] = field(default_factory=dict)
    # Values of parameters that name no scoped object (share token, session code …).
    values: dict[str, str] = field(default_factory=dict)

    def user(self, role: str) -> Any:
        """The account of a role (an anonymous visitor for ``anonymous``)."""
        return self.users.get(role) or AnonymousUser()

    def add(self, *objects: Any) -> None:
        """File objects under their model's label."""
        for obj in objects:
            self.objects.setdefault(obj._meta.label_lower, []).append(obj)


def _regions() -> None:
    from jineng.regions.models import Region, RegionLevel

    province = Region.objects.create(code="22", name="吉林省", level=RegionLevel.PROVINCE)
    prefecture = Region.objects.create(
        code="2205", name="通化市", level=RegionLevel.CITY, parent=province
    )
    county = Region.objects.create(
        code=COUNTY, name="梅河口市", level=RegionLevel.COUNTY, parent=prefecture
    )
    for town, village, names in [
        (TOWN_1, VILLAGE_1, ("新华街道", "新华社区")),
        (TOWN_2, VILLAGE_2, ("山城镇", "山城村")),
    ]:
        parent = Region.objects.create(
            code=town, name=names[0], level=RegionLevel.TOWN, parent=county
        )
        Region.objects.create(code=village, name=names[1], level=RegionLevel.VILLAGE, parent=parent)


def _occupations() -> None:
    from jineng.occupations.loaders import load_skill_levels
    from jineng.occupations.models import Occupation, OccupationLevel

    load_skill_levels()
    parent = None
    for code, level in [
        ("6-00-00-00", OccupationLevel.MAJOR),
        ("6-31-00-00", OccupationLevel.MIDDLE),
        ("6-31-01-00", OccupationLevel.SMALL),
    ]:
        parent = Occupation.objects.create(code=code, name=code, level=level, parent=parent)
    for code in ("6-31-01-03", "6-31-01-10"):
        Occupation.objects.create(
            code=code, name=code, level=OccupationLevel.OCCUPATION, parent=parent
        )


def _user(username: str, role: str, **extra: Any) -> Any:
    from jineng.accounts.models import User

    # No password: sessions come from force_login and tokens from the CLI (no slow hashing).
    return User.objects.create_user(username=username, password=None, role=role, **extra)


def _token(user: Any) -> str:
    out = io.StringIO()
    call_command("token", "create", user.username, stdout=out, stderr=io.StringIO())
    return out.getvalue().strip()


def build_world() -> World:
    """Create the city, its accounts and their objects; return them."""
    from jineng.accounts.roles import Role
    from jineng.organizations.models import Organization, OrganizationKind
    from jineng.people.loaders import load_target_groups
    from jineng.people.services import PersonInput, add_affiliation, register_person
    from jineng.regions.models import Region

    world = World()
    _regions()
    _occupations()
    load_target_groups()
    town_1, town_2 = Region.objects.get(code=TOWN_1), Region.objects.get(code=TOWN_2)

    def org(code: str, name: str, kind: str, region: Any) -> Any:
        return Organization.objects.create(credit_code=code, name=name, kind=kind, region=region)

    kind = OrganizationKind
    school_a = org("52220581MJ00000015", "甲职业培训学校", kind.PRIVATE_TRAINING, town_1)
    school_b = org("52220581MJ00000028", "乙职业培训学校", kind.PRIVATE_TRAINING, town_2)
    evaluator_org = org("52220581MJ00000036", "丙评价机构", kind.EVALUATION_BODY, town_1)
    employer_org = org("91220581MA00000012", "丁企业", kind.ENTERPRISE, town_2)
    world.add(school_a, school_b, evaluator_org, employer_org)

    users = world.users
    users["bureau"] = _user("authz_bureau", Role.BUREAU_ADMIN)
    users["reviewer_town"] = _user("authz_reviewer", Role.REVIEWER, region=town_1)
    users["auditor"] = _user("authz_auditor", Role.AUDITOR)
    users["finance"] = _user("authz_finance", Role.FINANCE)
    users["staff_a"] = _user("authz_staff_a", Role.INSTITUTION_STAFF, organization=school_a)
    users["staff_b"] = _user("authz_staff_b", Role.INSTITUTION_STAFF, organization=school_b)
    users["evaluator"] = _user("authz_evaluator", Role.EVALUATOR, organization=evaluator_org)
    users["employer"] = _user("authz_employer", Role.EMPLOYER, organization=employer_org)

    def person(body: str, name: str, village: str, actor: Any) -> Any:
        data = PersonInput(id_number=citizen_id(body), name=name, region_code=village)
        return register_person(data, actor=actor)

    # P1 trains at A (and is the worker), P2 at B, P3 works for the employer.
    p1 = person("22058119900101123", "张三", VILLAGE_1, users["staff_a"])
    p2 = person("22058119850615002", "李四", VILLAGE_2, users["staff_b"])
    p3 = person("22058119920303004", "王五", VILLAGE_1, users["employer"])
    add_affiliation(
        p2,
        evaluator_org,
        kind="candidate",
        started_on=timezone.localdate(),
        actor=users["bureau"],
    )
    world.add(p1, p2, p3)
    users["worker"] = _user("authz_worker", Role.WORKER, person=p1)

    # Licences first: a class goes public only inside its institution's accredited scope.
    _accreditations(world)
    _training(world, p1, p2)
    _catalogs(world)
    _owned_by_accounts(world, p1)
    _certificates(world, p1, p2)
    _experts(world, p2, p3)
    _talent(world, p2)
    _assessment(world)
    _subsidies(world, p1, p2)
    for role, user in users.items():
        world.tokens[role] = _token(user)
    return world


def _assessment(world: World) -> None:
    """The evaluator's licence for 6-31-01-10 and a draft assessment session it plans."""
    from jineng.accreditations import services as accreditation
    from jineng.assessment import services
    from jineng.occupations.models import Occupation, SkillLevel

    evaluator = world.users["evaluator"]
    today = timezone.localdate()
    application = accreditation.apply_for_accreditation(
        accreditation.ApplicationInput(
            kind="evaluation",
            occupation_code="6-31-01-10",
            max_level_code="level4",
            evaluation_kind="skill_level",
        ),
        actor=evaluator,
    )
    licence = accreditation.approve_application(
        application.pk,
        accreditation.ApprovalInput(
            licence_number="AUTHZ-evaluator",
            valid_from=today,
            valid_until=today + datetime.timedelta(days=730),
        ),
        actor=world.users["bureau"],
    )
    session = services.create_session(
        evaluator,
        services.SessionInput(
            route="skill_level",
            occupation=Occupation.objects.get(code="6-31-01-10"),
            level=SkillLevel.objects.get(code="level5"),
            title="授权矩阵考核批次",
            starts_on=today + datetime.timedelta(days=7),
            ends_on=today + datetime.timedelta(days=7),
        ),
    )
    # A second plan, filed: its candidates and components do not matter to who may see it.
    filed = services.create_session(
        evaluator,
        services.SessionInput(
            route="skill_level",
            occupation=Occupation.objects.get(code="6-31-01-10"),
            level=SkillLevel.objects.get(code="level5"),
            title="授权矩阵已备案批次",
            starts_on=today + datetime.timedelta(days=14),
            ends_on=today + datetime.timedelta(days=14),
        ),
    )
    type(filed).objects.filter(pk=filed.pk).update(status="filed", filed_at=timezone.now())
    world.add(application, licence, session, filed, *_score_change(world, filed))


def _score_change(world: World, session: Any) -> list[Any]:
    """A locked score of the filed plan's one candidate, and another administrator's change.

    Rows as closing and asking would leave them: the matrix asks who may see the change, not
    how the session came to be closed.
    """
    from decimal import Decimal

    from jineng.accounts.roles import Role
    from jineng.assessment.models import Candidate, Score, ScoreChange, SessionComponent
    from jineng.experts.models import Expert

    other_admin = _user("authz_bureau2", Role.BUREAU_ADMIN)
    candidate = Candidate.objects.create(
        session=session,
        person=world.objects["people.person"][2],
        source="application",
        eligibility_reason="授权矩阵",
        added_by=world.users["evaluator"],
    )
    component = SessionComponent.objects.create(
        session=session, key="theory", name="理论知识考试", max_score=100, pass_score=60
    )
    score = Score.objects.create(
        candidate=candidate,
        component=component,
        value=Decimal("58"),
        entered_by=Expert.objects.order_by("pk").first(),
        entered_at=timezone.now(),
    )
    change = ScoreChange.objects.create(
        score=score,
        old_value=Decimal("58"),
        new_value=Decimal("61"),
        reason="授权矩阵：复核发现漏计一题",
        requested_by=other_admin,
    )
    return [candidate, change]


def _talent(world: World, p2: Any) -> None:
    """A city competition, an award round and a master studio: city-wide, read with view_talent."""
    from jineng.occupations.models import Occupation
    from jineng.talent import services

    bureau = world.users["bureau"]
    occupation = Occupation.objects.get(code="6-31-01-10")
    today = timezone.localdate()
    competition = services.create_competition(
        services.CompetitionInput(
            name="授权矩阵技能大赛",
            level="city",
            occupations=[occupation],
            starts_on=today,
            ends_on=today,
            organizer="梅河口市人社局",
        ),
        actor=bureau,
    )
    title = services.save_award_title(code="authz", name="授权矩阵能手", actor=bureau)
    award_round = services.create_round(
        services.RoundInput(
            title=title,
            year=today.year,
            nominations_open_on=today,
            nominations_close_on=today + datetime.timedelta(days=30),
        ),
        actor=bureau,
    )
    studio = services.create_studio(
        services.StudioInput(
            kind="master",
            name="授权矩阵技能大师工作室",
            host=world.users["employer"].organization,
            master=p2,
            occupation=occupation,
            recognised_on=today,
        ),
        actor=bureau,
    )
    # P2's certificate's occupation wins a first prize: the platform proposes a promotion.
    from jineng.talent import rules

    services.load_promotion_rules(rules.read_rules(), actor=bureau)
    held = p2.certificates.select_related("occupation").first()
    winner = services.create_competition(
        services.CompetitionInput(
            name="授权矩阵晋升大赛",
            level="city",
            occupations=[held.occupation],
            starts_on=today - datetime.timedelta(days=10),
            ends_on=today - datetime.timedelta(days=9),
            organizer="梅河口市人社局",
        ),
        actor=bureau,
    )
    services.record_entry(
        winner.pk, p2, occupation=held.occupation, prize="first", rank=1, actor=bureau
    )
    outcome = services.propose_promotions(winner.pk, actor=bureau)
    world.add(competition, winner, award_round, studio, *outcome.proposals)


def _experts(world: World, p2: Any, p3: Any) -> None:
    """Two experts (P3 of town 1 at the employer, P2 of town 2) and the bureau's draw."""
    from jineng.experts import services
    from jineng.occupations.models import Occupation, SkillLevel

    bureau = world.users["bureau"]
    occupation = Occupation.objects.get(code="6-31-01-10")
    level = SkillLevel.objects.get(code="level5")
    today = timezone.localdate()
    for n, (person, organization) in enumerate(
        ((p3, world.users["employer"].organization), (p2, None))
    ):
        expert = services.create_expert(
            person, services.ExpertInput(organization=organization), actor=bureau
        )
        entry = services.add_occupation(expert.pk, occupation, level, actor=bureau)
        card = services.add_qualification(
            expert.pk,
            services.QualificationInput(
                kind="examiner",
                number=f"AUTHZ-{n}",
                valid_from=today,
                valid_until=today + datetime.timedelta(days=365),
            ),
            actor=bureau,
        )
        world.add(expert, entry, card)
    made = services.draw_examiners(
        bureau,
        services.DrawSpec(
            purpose="authz",
            occupation=occupation,
            level=level,
            on_date=today + datetime.timedelta(days=10),
            count=1,
        ),
    )
    world.add(made, *made.picks.all())


def _training(world: World, p1: Any, p2: Any) -> None:
    import time_machine

    from jineng.training import services as training
    from jineng.training.choices import ClassStatus

    # The open class's session began an hour ago (the matrix records check-ins in it); the
    # class was scheduled and approved the day before, as classes are, before they are held.
    start = timezone.now().replace(second=0, microsecond=0) - datetime.timedelta(hours=1)
    today = timezone.localdate(start)
    the_day_before = start - datetime.timedelta(days=1)
    for n, (role, town, trainee) in enumerate(
        [("staff_a", TOWN_1, p1), ("staff_b", TOWN_2, p2)], start=1
    ):
        actor = world.users[role]
        programme = training.create_programme(
            training.ProgrammeInput(
                name=f"电工培训 {n}",
                occupation_code="6-31-01-10",
                skill_level_code="level5",
                training_type="employment",
                theory_hours=10,
                practice_hours=10,
            ),
            actor=actor,
        )
        venue = training.create_venue(f"教室 {n}", "幸福路 1 号", 30, actor=actor, region_code=town)
        teacher = training.create_teacher(f"教师 {n}", actor=actor)

        def session(hours: int, venue: Any = venue, teacher: Any = teacher) -> Any:
            at = start + datetime.timedelta(hours=hours)
            return training.SessionInput(
                starts_at=at,
                ends_at=at + datetime.timedelta(hours=2),
                venue_id=venue.pk,
                teacher_id=teacher.pk,
            )

        with time_machine.travel(the_day_before):
            running = training.create_class(
                programme.pk,
                training.ClassInput(
                    code=f"AUTHZ-{n}-OPEN",
                    capacity=5,
                    starts_on=today,
                    ends_on=timezone.localdate(start + datetime.timedelta(hours=2)),
                    region_code=town,
                    sessions=[session(0)],
                ),
                actor=actor,
            )
            training.transition(running.pk, ClassStatus.APPROVED, actor=actor)
        running.refresh_from_db()
        # A draft: seen only by its institution and the bureau, not by the public.
        draft = training.create_class(
            programme.pk,
            training.ClassInput(
                code=f"AUTHZ-{n}-DRAFT",
                capacity=5,
                starts_on=today + datetime.timedelta(days=30),
                ends_on=today + datetime.timedelta(days=30),
                region_code=town,
                sessions=[session(24 * 30)],
            ),
            actor=actor,
        )
        enrolment = training.enrol(running.pk, trainee.pk, actor=actor)
        world.add(programme, venue, teacher, running, draft, enrolment)
        world.add(*running.sessions.all(), *draft.sessions.all())


def _accreditations(world: World) -> None:
    from jineng.accreditations import services as accreditation

    # From yesterday: the training world's class began an hour ago, which between midnight
    # and one o'clock is yesterday.
    first_day = timezone.localdate() - datetime.timedelta(days=1)
    for role in ("staff_a", "staff_b"):
        actor = world.users[role]

        def apply(code: str, actor: Any = actor) -> Any:
            data = accreditation.ApplicationInput(
                kind="training", occupation_code=code, max_level_code="level4"
            )
            return accreditation.apply_for_accreditation(data, actor=actor)

        application = apply("6-31-01-03")
        document = accreditation.add_document(
            application.pk,
            SimpleUploadedFile("licence.pdf", PDF),
            name="licence.pdf",
            size=len(PDF),
            title="办学许可证",
            actor=actor,
        )
        granted = accreditation.approve_application(
            apply("6-31-01-10").pk,
            accreditation.ApprovalInput(
                licence_number=f"AUTHZ-{role}",
                valid_from=first_day,
                valid_until=first_day + datetime.timedelta(days=730),
            ),
            actor=world.users["bureau"],
        )
        world.add(application, document, granted)


def _catalogs(world: World) -> None:
    """Published versions 1 and 2 of the institutions catalog, appeals, and a draft 3.

    Version 2 removes one entry of A and one of B (each school has appealed its removal)
    and suspends another of each (not yet appealed, so each may still file an appeal).
    """
    from jineng.accounts.roles import Role
    from jineng.catalogs import services as catalogs
    from jineng.catalogs.choices import CatalogKind, ChangeReason, EntryStatus, GroundsKind
    from jineng.catalogs.models import CatalogChange, CatalogEntry, CatalogVersion
    from jineng.catalogs.tests.helpers import institution, publish

    kind = CatalogKind.TRAINING_INSTITUTIONS
    editor = world.users["bureau"]
    publisher = _user("authz_publisher", Role.BUREAU_ADMIN)
    today = timezone.localdate()
    schools = [world.users[r].organization.credit_code for r in ("staff_a", "staff_b")]
    entries = {
        (code, occupation): institution(code, occupation)
        for code in schools
        for occupation in ("6-31-01-03", "6-31-01-10")
    }
    publish(editor, publisher, list(entries.values()), kind=kind, effective_from=today)

    version = catalogs.create_draft(kind, title="AUTHZ adjustment", actor=editor)
    changed = []
    for code in schools:
        removed, suspended = f"{code}/6-31-01-03", f"{code}/6-31-01-10"
        catalogs.remove_entry(version.entries.get(key=removed).pk, actor=editor)
        catalogs.update_entry(
            version.entries.get(key=suspended).pk,
            dataclasses.replace(entries[(code, "6-31-01-10")], status=EntryStatus.SUSPENDED),
            actor=editor,
        )
        changed += [(removed, ChangeReason.REMOVED), (suspended, ChangeReason.SUSPENDED)]
    for key, reason in changed:
        change = catalogs.ChangeInput(reason, GroundsKind.INSPECTION, "AUTHZ inspection")
        catalogs.record_changes(version.pk, [key], change, actor=editor)
    catalogs.submit_version(version.pk, actor=editor)
    catalogs.publish_version(
        version.pk, effective_from=today + datetime.timedelta(days=1), actor=publisher
    )
    for role, code in zip(("staff_a", "staff_b"), schools, strict=True):
        removal = CatalogChange.objects.get(version=version.pk, key=f"{code}/6-31-01-03")
        world.add(catalogs.file_appeal(removal.pk, grounds="AUTHZ appeal", actor=world.users[role]))
    # A draft with one entry and one recorded change: only catalog editors see it.
    draft = catalogs.create_draft(kind, title="AUTHZ draft", actor=editor, copy_current=True)
    key = f"{schools[0]}/6-31-01-10"
    catalogs.remove_entry(draft.entries.get(key=key).pk, actor=editor)
    catalogs.record_changes(
        draft.pk,
        [key],
        catalogs.ChangeInput(ChangeReason.REMOVED, GroundsKind.INSPECTION, "AUTHZ draft"),
        actor=editor,
    )
    world.add(*CatalogVersion.objects.order_by("pk"))
    world.add(*CatalogEntry.objects.order_by("pk"))
    world.add(*CatalogChange.objects.order_by("pk"))


def _owned_by_accounts(world: World, p1: Any) -> None:
    """Import and export jobs of each school's staff, the worker's share link, a platform."""
    from jineng.core.jobs import start_job
    from jineng.core.models import Job
    from jineng.learning.models import LearningPlatform
    from jineng.people.exporters.jobs import queue_export
    from jineng.records.services import share_record

    for role in ("staff_a", "staff_b"):
        owner = world.users[role]
        for job in (
            start_job("people.import", owner=owner, status=Job.Status.SUCCEEDED),
            queue_export(owner, {}, fmt="csv"),
        ):
            # Filed by kind too: each job page shows jobs of one kind only.
            world.add(job)
            world.objects.setdefault(f"core.job:{job.kind}", []).append(job)
    link, token = share_record(p1, actor=world.users["worker"])
    world.add(link)
    world.values["token"] = token
    world.add(LearningPlatform.objects.create(name="AUTHZ 学习平台"))
    _notifications(world)


def _certificates(world: World, p1: Any, p2: Any) -> None:
    """The worker's certificate by the evaluator (town 1), P2's by school B (town 2)."""
    from jineng.certificates.tests.pages_fixtures import certificate
    from jineng.occupations.models import Occupation, SkillLevel

    evaluator_org = world.users["evaluator"].organization
    school_b = world.users["staff_b"].organization
    world.add(
        certificate("S22058100126030099001", p1, evaluator_org),
        certificate(
            "S22058100226030099001",
            p2,
            school_b,
            occupation=Occupation.objects.get(code="6-31-01-10"),
            level=SkillLevel.objects.get(code="level4"),
        ),
    )


def _notifications(world: World) -> None:
    """A notification for each of some accounts, after those the world's events sent."""
    from jineng.notifications.choices import NotificationKind
    from jineng.notifications.models import Notification
    from jineng.notifications.services import notify

    for role in ("staff_a", "staff_b", "worker", "bureau"):
        notify([world.users[role]], NotificationKind.CLASS_APPROVED, params={"code": "AUTHZ"})
    world.add(*Notification.objects.order_by("pk"))


def _subsidies(world: World, p1: Any, p2: Any) -> None:
    """Rule sets, A's and B's claims on their open classes, lines, objections, holds, alerts,
    the fund's ledger and a payment batch.

    Claims, lines, objections and holds are rows as submitting, confirming and objecting
    would leave them (the world's classes have not ended, so none may be claimed for yet):
    the matrix asks who may see and act on them. The ledger and the batch go through funds'
    services. Every amount is an example of the tests.
    """
    from jineng.fraud.models import Alert
    from jineng.fraud.services import seed_rules
    from jineng.funds import services as funds
    from jineng.funds.models import FundSource
    from jineng.funds.payments import PaymentLine
    from jineng.funds.sources import load_sources
    from jineng.subsidies.models import Claim, ClaimHold, ClaimLine, Objection, RuleSet

    bureau, finance = world.users["bureau"], world.users["finance"]
    now = timezone.now()
    today = timezone.localdate()
    in_force = RuleSet.objects.create(
        number=1,
        title="授权矩阵示例补贴政策",
        is_example=True,
        status="in_force",
        effective_from=datetime.date(2020, 1, 1),
        notice_days=7,
    )
    draft = RuleSet.objects.create(
        number=2,
        title="授权矩阵补贴政策草案",
        is_example=True,
        status="draft",
        effective_from=today + datetime.timedelta(days=365),
    )
    world.add(in_force, draft)
    amount = 150_000  # 1,500.00 yuan: an example amount of the tests
    classes = world.objects["training.trainingclass"]
    enrolments = world.objects["training.enrolment"]
    claims, lines = [], []
    for n, (role, person) in enumerate((("staff_a", p1), ("staff_b", p2))):
        staff = world.users[role]
        claim = Claim.objects.create(
            number=f"AUTHZ-{today.year}-{n + 1:04d}",
            kind="training",
            status="in_notice",
            organization=staff.organization,
            training_class=classes[2 * n],
            rule_set=in_force,
            year=today.year,
            total_fen=amount,
            submitted_by=staff,
            submitted_at=now,
            notice_starts_on=today,
            notice_ends_on=today + datetime.timedelta(days=7),
        )
        line = ClaimLine.objects.create(
            claim=claim,
            kind="training",
            person=person,
            enrolment=enrolments[n],
            amount_fen=amount,
            computation=[{"text": "授权矩阵示例标准", "amount_fen": amount}],
        )
        claims.append(claim)
        lines.append(line)
    world.add(*claims, *lines)
    # The worker disputes their line (A's claim); someone objects to B's claim in public.
    world.add(
        Objection.objects.create(
            claim=claims[0],
            line=lines[0],
            kind="worker",
            text="授权矩阵：我没有参加这个班",
            raised_by=world.users["worker"],
            raised_at=now,
        ),
        Objection.objects.create(
            claim=claims[1], kind="public", text="授权矩阵：公示异议", raised_at=now
        ),
    )
    seed_rules(actor=bureau, codes=["R02"])
    from jineng.fraud.models import FraudRule

    rule = FraudRule.objects.get(code="R02")
    alerts = [
        Alert.objects.create(
            rule=rule,
            rule_code="R02",
            subject="class",
            subject_id=claim.training_class_id,
            key=f"authz:{claim.training_class_id}",
            summary="授权矩阵示例预警",
            class_ids=[claim.training_class_id],
            organization_ids=[claim.organization_id],
        )
        for claim in claims
    ]
    world.add(*alerts)
    world.add(
        *(
            ClaimHold.objects.create(
                claim=claim, source=f"fraud.alert:{alert.pk}", reason="授权矩阵", placed_at=now
            )
            for claim, alert in zip(claims, alerts, strict=True)
        )
    )
    # The ledger: a budget, both claims' commitments, B's paid in a batch and ordered back.
    load_sources(FundSource)
    budget = funds.set_budget(
        source="employment_fund",
        year=today.year,
        amount_fen=10 * amount,
        actor=finance,
        is_example=True,
    )
    for claim in claims:
        funds.commit(
            source="employment_fund",
            year=today.year,
            amount_fen=amount,
            reference=claim.reference,
            memo="授权矩阵",
            actor=bureau,
        )
    batch = funds.record_payment_batch(
        lines=[
            PaymentLine(
                reference=claims[1].reference,
                payee_name="乙职业培训学校",
                payee_account="6222020200001234567",
                bank="工商银行",
                amount_fen=amount,
            )
        ],
        batch_reference="AUTHZ-BATCH-1",
        actor=finance,
    )
    order = funds.order_recovery(
        reference=claims[1].reference, amount_fen=amount, memo="授权矩阵", actor=finance
    )
    from jineng.funds.models import LedgerTransaction

    world.add(budget, batch, *batch.payments.all(), order)
    # A finished fraud scan of the bureau's (filed by kind only: its page shows scans).
    from jineng.core.jobs import start_job
    from jineng.core.models import Job

    scan = start_job("fraud.scan", owner=bureau, status=Job.Status.SUCCEEDED)
    world.objects.setdefault("core.job:fraud.scan", []).append(scan)
    # Background exports of the auditor's and the bureau's (the auditor's page's job pages).
    from jineng.workspace.export_jobs import queue_export as queue_list_export

    for role in ("auditor", "bureau"):
        exported = queue_list_export(world.users[role], "alerts", {})
        world.add(exported)
        world.objects.setdefault("core.job:workspace.export", []).append(exported)
    world.add(*LedgerTransaction.objects.order_by("pk"))
