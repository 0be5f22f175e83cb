"""Builders for the judge pool's tests: people, experts with qualifications, draw specs."""

from __future__ import annotations

import datetime
from typing import Any

from django.utils import timezone

from jineng.accounts.models import User
from jineng.experts import services
from jineng.experts.choices import QualificationKind
from jineng.experts.models import Expert
from jineng.occupations.models import Occupation, SkillLevel
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.models import Person

# A day after every expert of the tests started examining (today, when they are added).
DAY = timezone.localdate() + datetime.timedelta(days=30)


def citizen_id(n: int) -> str:
    """A valid 梅河口市 citizen ID, distinct for each n below 365 000."""
    born = datetime.date(1970, 1, 1) + datetime.timedelta(days=n // 900)
    body = f"220581{born:%Y%m%d}{n % 900 + 100:03d}"
    weights = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
    check = "10X98765432"[sum(int(d) * w for d, w in zip(body, weights, strict=True)) % 11]
    return body + check


SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰涛明超秀霞平刚"


def _name(n: int) -> str:
    return SURNAMES[n % 20] + GIVEN[(n // 20) % 20] + GIVEN[(n // 400) % 20]


def make_person(n: int, actor: User, *, name: str = "") -> Person:
    from jineng.people.services import PersonInput, register_person

    return register_person(
        PersonInput(id_number=citizen_id(n), name=name or _name(n), region_code="220581001001"),
        actor=actor,
    )


def make_org(n: int, name: str = "") -> Organization:
    return Organization.objects.create(
        credit_code=f"91220581MA{n:08d}",
        name=name or f"梅河口市第{n}机械厂",
        kind=OrganizationKind.ENTERPRISE,
    )


def make_expert(
    n: int,
    actor: User,
    occupation: Occupation,
    max_level: SkillLevel,
    *,
    organization: Organization | None = None,
    valid_until: datetime.date = datetime.date(2030, 12, 31),
    qualification: str = QualificationKind.EXAMINER,
    **extra: Any,
) -> Expert:
    expert = services.create_expert(
        make_person(n, actor),
        services.ExpertInput(organization=organization, **extra),
        actor=actor,
    )
    services.add_occupation(expert.pk, occupation, max_level, actor=actor)
    services.add_qualification(
        expert.pk,
        services.QualificationInput(
            kind=qualification,
            number=f"KP{n:06d}",
            valid_from=datetime.date(2020, 1, 1),
            valid_until=valid_until,
        ),
        actor=actor,
    )
    return expert


def spec(occupation: Occupation, level: SkillLevel | None, **extra: Any) -> services.DrawSpec:
    values: dict[str, Any] = {
        "purpose": "session:1",
        "occupation": occupation,
        "level": level,
        "on_date": DAY,
        "count": 2,
    }
    values.update(extra)
    return services.DrawSpec(**values)
