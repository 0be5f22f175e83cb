"""Generate plausible synthetic workers (合成数据) for demos, tests and benchmarks.

Everything is drawn from one seeded random generator, so the same seed, count and regions
give the same people (with the same citizen IDs) every time: rerunning adds nothing because
the shared bulk path skips citizen IDs already registered. Every row written is marked
``is_synthetic``. IDs carry valid check characters and, mostly, the city's address code;
names come from the word lists in data/synthetic.json.
"""

from __future__ import annotations

import csv
import datetime
import json
import random
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum.cn import ric

from jineng.accounts.actors import Actor
from jineng.core import audit
from jineng.core.errors import Conflict, ValidationFailed
from jineng.organizations.models import Organization, OrganizationKind
from jineng.people.choices import (
    AffiliationKind,
    Education,
    EmploymentStatus,
    HukouType,
    MembershipSource,
)
from jineng.people.importers.bulk import PreparedPerson, db_timestamp, person_values, write_people
from jineng.people.importers.columns import COLUMNS, choice_label
from jineng.people.models import Person, TargetGroup
from jineng.people.services import PersonInput, clean_person, person_fields
from jineng.regions.models import Region, RegionLevel

DATA_FILE = Path(__file__).parent / "data" / "synthetic.json"
DEFAULT_SEED = 20240501
# People are generated and written this many at a time.
CHUNK = 5000

E, H, S = Education, HukouType, EmploymentStatus
EDUCATION_BY_AGE: dict[str, tuple[tuple[str, ...], tuple[int, ...]]] = {
    "young": (
        (E.JUNIOR_SECONDARY, E.SENIOR_SECONDARY, E.SECONDARY_VOCATIONAL, E.JUNIOR_COLLEGE)
        + (E.BACHELOR, E.POSTGRADUATE, E.UNKNOWN),
        (20, 15, 20, 23, 17, 3, 2),
    ),
    "middle": (
        (E.PRIMARY, E.JUNIOR_SECONDARY, E.SENIOR_SECONDARY, E.SECONDARY_VOCATIONAL)
        + (E.JUNIOR_COLLEGE, E.BACHELOR, E.POSTGRADUATE, E.UNKNOWN),
        (5, 35, 20, 14, 14, 9, 1, 2),
    ),
    "older": (
        (E.NONE, E.PRIMARY, E.JUNIOR_SECONDARY, E.SENIOR_SECONDARY)
        + (E.SECONDARY_VOCATIONAL, E.JUNIOR_COLLEGE, E.BACHELOR, E.UNKNOWN),
        (3, 20, 44, 19, 7, 4, 1, 2),
    ),
}
EMPLOYMENT_RURAL = (
    (S.FARMING, S.EMPLOYED, S.FLEXIBLE, S.SELF_EMPLOYED, S.UNEMPLOYED, S.UNKNOWN),
    (30, 35, 15, 7, 6, 7),
)
EMPLOYMENT_URBAN = (
    (S.EMPLOYED, S.FLEXIBLE, S.SELF_EMPLOYED, S.UNEMPLOYED, S.UNKNOWN),
    (62, 13, 9, 9, 7),
)
COLLEGE = {E.JUNIOR_COLLEGE, E.BACHELOR, E.POSTGRADUATE}
# Weights of ages 18..59 on 1 January (so 18..60 all year): most of the workforce is 25–50.
AGE_WEIGHTS = [(age, 3 if 25 <= age <= 50 else 2 if age < 25 else 1) for age in range(18, 60)]

Membership = tuple[str, str, str, datetime.date, datetime.date | None]


@lru_cache(maxsize=1)
def word_lists() -> dict[str, Any]:
    """The name and organisation word lists (data/synthetic.json)."""
    return json.loads(DATA_FILE.read_text(encoding="utf-8"))


@dataclass(frozen=True)
class SyntheticPerson:
    """A generated person: the registration input plus memberships and affiliations."""

    data: PersonInput
    age: int
    memberships: tuple[Membership, ...] = ()
    affiliations: tuple[tuple[int, str, datetime.date], ...] = ()


@dataclass(frozen=True)
class Organisations:
    """Primary keys of organisations generated people may be tied to."""

    employers: Sequence[int] = ()
    institutions: Sequence[int] = ()
    evaluators: Sequence[int] = ()


def city_regions(city_code: str | None = None) -> list[Region]:
    """Return the towns and villages of the city, or explain that they must be loaded first."""
    code = city_code or settings.JINENG_CITY_REGION_CODE
    regions = list(
        Region.objects.filter(
            code__startswith=code, level__in=[RegionLevel.TOWN, RegionLevel.VILLAGE]
        )
        .select_related("parent")
        .order_by("code")
    )
    if not regions:
        raise ValidationFailed(
            _("No townships or villages of {code} are loaded: run `jineng load-reference`.").format(
                code=code
            ),
            field="region",
        )
    return regions


class Generator:
    """Draw synthetic people from one seeded random stream."""

    def __init__(self, regions: Sequence[Region], *, seed: int, city_code: str) -> None:
        words = word_lists()
        self.rng = random.Random(seed)
        self.surnames = [s for s, _ in words["surnames"]]
        self.surname_weights = [w for _, w in words["surnames"]]
        self.given = {"M": words["male_given"], "F": words["female_given"]}
        self.prefixes = words["mobile_prefixes"]
        self.city_code = city_code
        self.neighbours = words["neighbouring_address_codes"]
        self.villages = [r for r in regions if r.level == RegionLevel.VILLAGE] or list(regions)
        self.towns = [r for r in regions if r.level == RegionLevel.TOWN] or list(regions)
        self.year = timezone.localdate().year
        # Dates are anchored on 1 January so that a rerun later in the year gives the same data.
        self.anchor = datetime.date(self.year, 1, 1)
        self.seen: set[str] = set()
        self.serial = 0

    def citizen_id(self, age: int, male: bool) -> str:
        """A fresh valid ID for someone who is ``age`` all through this year."""
        rng = self.rng
        while True:
            born = datetime.date(self.year - age - 1, 1, 1) + datetime.timedelta(
                days=rng.randrange(365)
            )
            order = rng.randrange(500) * 2 + (1 if male else 0)
            # Most people carry the city's own address code; some were registered nearby.
            code = self.city_code if rng.random() < 0.95 else rng.choice(self.neighbours)
            body = "{}{}{:03d}".format(code, born.strftime("%Y%m%d"), order)
            number = body + ric.calc_check_digit(body + "0")
            if number.endswith("000"):
                # An import refuses an ID ending in 000 (core.validators.imported_id_damage);
                # the next order of the same sex, with no further draw, keeps the rest of the
                # seeded data as it was.
                body = body[:-3] + f"{(order + 2) % 1000:03d}"
                number = body + ric.calc_check_digit(body + "0")
            if number not in self.seen:
                self.seen.add(number)
                return number

    def name(self, sex: str) -> str:
        rng = self.rng
        given = self.given[sex]
        length = 1 if rng.random() < 0.3 else 2
        surname = rng.choices(self.surnames, self.surname_weights)[0]
        return surname + "".join(rng.choice(given) for _ in range(length))

    def phone(self) -> str:
        return self.rng.choice(self.prefixes) + f"{self.rng.randrange(10**8):08d}"

    def days_ago(self, most: int) -> datetime.date:
        return self.anchor - datetime.timedelta(days=self.rng.randrange(1, most))

    def next(self, organisations: Organisations) -> SyntheticPerson:
        """Draw the next person."""
        rng = self.rng
        age = rng.choices(*zip(*AGE_WEIGHTS, strict=True))[0]
        male = rng.random() < 0.52
        region = rng.choice(self.villages) if rng.random() < 0.95 else rng.choice(self.towns)
        rural = region.code[6:9] >= "100"
        hukou = (
            rng.choices((H.AGRICULTURAL, H.RESIDENT, H.UNKNOWN), (70, 25, 5))[0]
            if rural
            else rng.choices((H.NON_AGRICULTURAL, H.RESIDENT, H.AGRICULTURAL), (45, 45, 10))[0]
        )
        band = "young" if age < 30 else "middle" if age <= 45 else "older"
        education = rng.choices(*EDUCATION_BY_AGE[band])[0]
        if age < 23 and education in COLLEGE | {E.SENIOR_SECONDARY} and rng.random() < 0.4:
            employment = S.STUDENT
        elif not rural and age >= 55 and rng.random() < 0.3:
            employment = S.RETIRED
        else:
            employment = rng.choices(*(EMPLOYMENT_RURAL if rural else EMPLOYMENT_URBAN))[0]
        sex = "M" if male else "F"
        data = PersonInput(
            id_number=self.citizen_id(age, male),
            name=self.name(sex),
            region_code=region.code,
            phone=self.phone() if rng.random() < 0.92 else "",
            # Plain strings: database drivers may write an enum member by its name.
            hukou_type=str(hukou),
            education=str(education),
            employment_status=str(employment),
        )
        self.serial += 1
        memberships = self.memberships(age, male, rural, education, employment)
        return SyntheticPerson(data, age, memberships, self.affiliations(employment, organisations))

    def memberships(
        self, age: int, male: bool, rural: bool, education: str, employment: str
    ) -> tuple[Membership, ...]:
        """Target groups with plausible evidence, source and validity (重点群体身份)."""
        rng, n = self.rng, self.serial
        found: list[Membership] = []

        def add(code: str, source: str, evidence: str, start: datetime.date, years: int) -> None:
            end = _years_after(start, years) if years else None
            found.append((code, source, evidence, start, end))

        working = employment in (S.EMPLOYED, S.FLEXIBLE)
        if rural and working and rng.random() < 0.55:
            add(
                "migrant_worker",
                MembershipSource.BUREAU,
                f"农村劳动力转移就业登记 第{n}号",
                self.days_ago(1800),
                0,
            )
        if employment == S.UNEMPLOYED:
            add(
                "unemployed",
                MembershipSource.BUREAU,
                f"就业创业证（失业登记）吉{n:08d}",
                self.days_ago(330),
                1,
            )
        if age <= 26 and education in COLLEGE and rng.random() < 0.7:
            start = datetime.date(self.year - rng.randrange(1, 3), 7, 1)
            add("graduate", MembershipSource.EDUCATION, f"毕业证书编号 1{n:011d}", start, 2)
        if male and 22 <= age <= 50 and rng.random() < 0.04:
            add(
                "veteran",
                MembershipSource.VETERANS,
                f"退役军人优待证 {n:09d}",
                self.days_ago(3000),
                0,
            )
        if rng.random() < 0.015:
            grade = rng.choice("一二三四")
            add(
                "disabled",
                MembershipSource.DISABLED_FEDERATION,
                f"第二代残疾人证（{grade}级）",
                self.days_ago(3000),
                0,
            )
        if rural and rng.random() < 0.05:
            add(
                "poverty_alleviated",
                MembershipSource.RURAL_REVITALIZATION,
                "防止返贫监测信息系统登记",
                datetime.date(2021, 1, 1),
                0,
            )
        if not rural and employment == S.EMPLOYED and rng.random() < 0.3:
            add(
                "enterprise_employee",
                MembershipSource.EMPLOYER,
                f"劳动合同备案 第{n}号",
                self.days_ago(2500),
                0,
            )
        if employment == S.FARMING and rng.random() < 0.12:
            add(
                "new_farmer",
                MembershipSource.BUREAU,
                f"新型职业农民认定证书 吉农{n}",
                self.days_ago(1000),
                3,
            )
        if (
            age <= 20
            and employment != S.STUDENT
            and education
            in (
                E.JUNIOR_SECONDARY,
                E.SENIOR_SECONDARY,
            )
        ):
            add(
                "two_after_students",
                MembershipSource.EDUCATION,
                "初高中毕业未升学登记",
                self.days_ago(700),
                2,
            )
        if employment == S.EMPLOYED and 35 <= age <= 55 and rng.random() < 0.02:
            add(
                "job_transfer",
                MembershipSource.EMPLOYER,
                f"转岗职工名册 第{n}号",
                self.days_ago(700),
                1,
            )
        if rng.random() < 0.001:
            add(
                "community_correction",
                MembershipSource.BUREAU,
                "社区矫正对象登记",
                self.days_ago(300),
                1,
            )
        if male and age <= 24 and rng.random() < 0.002:
            add(
                "serving_soldier",
                MembershipSource.VETERANS,
                f"入伍通知书 第{n}号",
                self.days_ago(600),
                2,
            )
        return tuple(found)

    def affiliations(
        self, employment: str, organisations: Organisations
    ) -> tuple[tuple[int, str, datetime.date], ...]:
        """Ties to employers (employee), institutions (trainee) and evaluators (candidate)."""
        rng = self.rng
        ties: list[tuple[int, str, datetime.date]] = []
        if organisations.employers and employment == S.EMPLOYED and rng.random() < 0.35:
            ties.append(
                (rng.choice(organisations.employers), AffiliationKind.EMPLOYEE, self.days_ago(2000))
            )
        if organisations.institutions and rng.random() < 0.12:
            ties.append(
                (
                    rng.choice(organisations.institutions),
                    AffiliationKind.TRAINEE,
                    self.days_ago(900),
                )
            )
        if organisations.evaluators and rng.random() < 0.03:
            ties.append(
                (
                    rng.choice(organisations.evaluators),
                    AffiliationKind.CANDIDATE,
                    self.days_ago(400),
                )
            )
        return tuple(ties)


def generate_people(
    count: int,
    *,
    seed: int = DEFAULT_SEED,
    regions: Sequence[Region] | None = None,
    organisations: Organisations | None = None,
) -> Iterator[SyntheticPerson]:
    """Yield ``count`` synthetic people; the same arguments always yield the same people."""
    regions = regions if regions is not None else city_regions()
    organisations = organisations or Organisations()
    generator = Generator(regions, seed=seed, city_code=settings.JINENG_CITY_REGION_CODE)
    for _index in range(count):
        yield generator.next(organisations)


def _years_after(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        # 29 February plus whole years: the validity ends on 28 February.
        return day.replace(year=day.year + years, day=28)


def prepare(
    people: Sequence[SyntheticPerson],
    *,
    regions: dict[str, Region],
    groups: dict[str, int],
    stamp: Any,
    first_row: int = 1,
) -> list[PreparedPerson]:
    """Validate and encrypt generated people exactly as the importer does its rows."""
    prepared = []
    for offset, person in enumerate(people):
        fields = person_fields(clean_person(person.data, regions))
        prepared.append(
            PreparedPerson(
                row=first_row + offset,
                id_number_hash=fields["id_number_hash"],
                values=person_values(fields, stamp, is_synthetic=True),
                memberships=tuple(
                    (groups[code], str(source), evidence, start, end)
                    for code, source, evidence, start, end in person.memberships
                    if code in groups
                ),
                affiliations=tuple((org, kind, day) for org, kind, day in person.affiliations),
            )
        )
    return prepared


def ensure_no_real_people(*, allow_real_people: bool = False) -> None:
    """Refuse to add synthetic people beside real ones (真实人员).

    Synthetic citizen IDs are valid numbers from the city's own ID space: beside real people
    they could belong to someone real, and a real person whose ID was taken could no longer
    be registered. Only development (JINENG_DEBUG on) may override this, explicitly.
    """
    real = Person.objects.filter(is_synthetic=False).count()
    if not real or (allow_real_people and settings.DEBUG):
        return
    raise Conflict(
        _(
            "This database holds {count} real people (not marked synthetic). Synthetic "
            "people get valid citizen IDs of this city, which could be real people's, so "
            "they are only added to an empty or demo database."
        ).format(count=real)
        + (
            ""
            if settings.DEBUG
            else " " + _("This server runs in production mode (JINENG_DEBUG is off): no override.")
        )
    )


@transaction.atomic(durable=True)
def write_synthetic_people(
    count: int,
    *,
    seed: int = DEFAULT_SEED,
    organisations: Organisations | None = None,
    actor: Actor | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    allow_real_people: bool = False,
) -> dict[str, int]:
    """Generate and write ``count`` synthetic people (合成劳动者) through the bulk path.

    Refused when the database holds real people (ensure_no_real_people); every row written
    is marked ``is_synthetic``.
    """
    ensure_no_real_people(allow_real_people=allow_real_people)
    regions = city_regions()
    by_code = {r.code: r for r in Region.objects.select_related("parent")}
    groups = dict(TargetGroup.objects.values_list("code", "pk"))
    stamp = db_timestamp()
    totals = {"generated": 0, "created": 0, "skipped": 0, "memberships": 0, "affiliations": 0}
    stream = generate_people(count, seed=seed, regions=regions, organisations=organisations)
    while totals["generated"] < count:
        chunk = [p for _, p in zip(range(CHUNK), stream, strict=False)]
        prepared = prepare(
            chunk, regions=by_code, groups=groups, stamp=stamp, first_row=totals["generated"] + 1
        )
        outcome = write_people(prepared, stamp=stamp)
        totals["generated"] += len(chunk)
        totals["created"] += outcome.created
        totals["skipped"] += len(outcome.skipped_rows)
        totals["memberships"] += outcome.memberships
        totals["affiliations"] += outcome.affiliations
        if on_progress is not None:
            on_progress(totals["generated"], count)
    if totals["created"]:
        audit.record(
            actor,
            "people.synthetic.generated",
            object_type="people.person",
            object_id="synthetic",
            data={"seed": seed, **totals},
        )
    return totals


def write_people_csv(path: Path, count: int, *, seed: int = DEFAULT_SEED) -> int:
    """Write ``count`` synthetic people as an importable csv (the importer's Chinese headers)."""
    groups = dict(TargetGroup.objects.values_list("code", "name"))
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([column.header for column in COLUMNS])
        for person in generate_people(count, seed=seed):
            data = person.data
            writer.writerow(
                [
                    data.id_number,
                    data.name,
                    data.phone,
                    data.region_code,
                    choice_label("hukou_type", data.hukou_type),
                    choice_label("education", data.education),
                    choice_label("employment_status", data.employment_status),
                    ";".join(groups[m[0]] for m in person.memberships if m[0] in groups),
                ]
            )
    return count


K = OrganizationKind
INSTITUTION_KINDS: tuple[OrganizationKind, ...] = (
    K.TECHNICAL_SCHOOL,
    K.VOCATIONAL_SCHOOL,
    K.PRIVATE_TRAINING,
)
INSTITUTION_KINDS += (K.PUBLIC_TRAINING_BASE,)
EVALUATOR_KINDS = (K.EVALUATION_BODY, K.SOCIAL_EVALUATION_ORG)


def synthetic_organisations() -> Organisations:
    """The synthetic organisations in the database, grouped for generated affiliations."""
    rows = Organization.objects.filter(is_synthetic=True).order_by("credit_code")
    by_kind = list(rows.values_list("pk", "kind"))
    return Organisations(
        employers=[pk for pk, kind in by_kind if kind == K.ENTERPRISE],
        institutions=[pk for pk, kind in by_kind if kind in INSTITUTION_KINDS],
        evaluators=[pk for pk, kind in by_kind if kind in EVALUATOR_KINDS],
    )
