"""Builders for the assessment tests, through the services as a real workflow would run."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

from conftest import make_user
from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accreditations import services as accreditation_services
from jineng.assessment import services
from jineng.assessment.models import AssessmentSession, Candidate
from jineng.occupations.models import Occupation, SkillLevel
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import Person

TODAY = datetime.date.today()


def citizen_id(n: int) -> str:
    """A valid 梅河口市 citizen ID, distinct for each n."""
    born = datetime.date(1975, 1, 1) + datetime.timedelta(days=n // 900)
    body = f"220581{born:%Y%m%d}{n % 900 + 100:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


SURNAMES = "王李张刘陈杨赵黄周吴"
GIVEN = "伟娜敏强静磊军洋杰涛"


def person_name(n: int) -> str:
    return SURNAMES[n % 10] + GIVEN[(n // 10) % 10] + GIVEN[(n // 100) % 10]


def make_person(n: int, actor: User, *, name: str = "") -> Person:
    from jineng.people.services import PersonInput, register_person

    return register_person(
        PersonInput(
            id_number=citizen_id(n), name=name or person_name(n), region_code="220581001001"
        ),
        actor=actor,
    )


def accredit(
    staff: User,
    admin: User,
    occupation: Occupation,
    level: SkillLevel,
    valid_from: datetime.date,
    *,
    route: str = "skill_level",
    valid_until: datetime.date | None = None,
) -> Any:
    application = accreditation_services.apply_for_accreditation(
        accreditation_services.ApplicationInput(
            kind="evaluation",
            occupation_code=occupation.code,
            max_level_code=level.code,
            evaluation_kind=route,
        ),
        actor=staff,
    )
    return accreditation_services.approve_application(
        application.pk,
        accreditation_services.ApprovalInput(
            licence_number=f"JN-E-{application.pk:05d}",
            valid_from=valid_from,
            valid_until=valid_until or TODAY + datetime.timedelta(days=365),
        ),
        actor=admin,
    )


def make_expert(
    n: int, admin: User, occupation: Occupation, level: SkillLevel, org: Organization | None
) -> Any:
    from jineng.experts import services as experts_services

    person = make_person(n, admin)
    account = make_user(f"expert{n}", Role.WORKER, person=person)
    expert = experts_services.create_expert(
        person, experts_services.ExpertInput(organization=org, user=account), actor=admin
    )
    experts_services.add_occupation(expert.pk, occupation, level, actor=admin)
    experts_services.add_qualification(
        expert.pk,
        experts_services.QualificationInput(
            kind="examiner",
            number=f"KP{n:06d}",
            valid_from=datetime.date(2020, 1, 1),
            valid_until=datetime.date(2035, 12, 31),
        ),
        actor=admin,
    )
    return expert


@dataclass
class World:
    session: AssessmentSession
    candidates: list[Candidate]
    experts: list[Any]
    evaluator: User
    admin: User


def session_input(
    occupation: Occupation, level: SkillLevel | None, **extra: Any
) -> services.SessionInput:
    values: dict[str, Any] = {
        "route": "skill_level",
        "occupation": occupation,
        "level": level,
        "title": "电工四级认定",
        "starts_on": TODAY,
        "ends_on": TODAY + datetime.timedelta(days=1),
        "venue": "鉴定中心考场一",
        "capacity": 10,
    }
    values.update(extra)
    return services.SessionInput(**values)


def applicant(n: int, admin: User, years: int = 7) -> services.ApplicantInput:
    person = Person.objects.filter(name=person_name(n)).first() or make_person(n, admin)
    return services.ApplicantInput(
        id_number=citizen_id(n), name=person.name, years_in_occupation=years
    )


def build_world(
    evaluator: User, admin: User, occupation: Occupation, levels: dict[str, SkillLevel]
) -> World:
    session = services.create_session(evaluator, session_input(occupation, levels["level4"]))
    candidates = [
        services.add_applicant(evaluator, session.pk, applicant(n, admin)) for n in (1, 2, 3)
    ]
    pool_org = Organization.objects.create(
        credit_code="91220581MA00000099",
        name="梅河口市某机械厂",
        kind=OrganizationKind.ENTERPRISE,
    )
    experts = [
        make_expert(100 + n, admin, occupation, levels["level3"], pool_org) for n in range(4)
    ]
    return World(session, candidates, experts, evaluator, admin)


def filed_and_drawn(world: World, *, count: int = 2) -> AssessmentSession:
    services.file_plan(world.evaluator, world.session.pk)
    return services.draw_session_examiners(world.admin, world.session.pk, count=count)


def drawn_users(session: AssessmentSession) -> list[User]:
    return [e.expert.user for e in session.examiners.select_related("expert__user")]
