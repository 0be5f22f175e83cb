"""`jineng demo`: build a plausible demo city on the loaded regions; idempotent and seeded.

It drives each app's demo in the order of the layers (docs/adr/0012-app-layers.md), handing
the training demo the attendance step it needs before a class closes.

Creates synthetic training institutions, evaluators and employers (valid-checksum credit
codes, names marked 演示), a few thousand synthetic workers with target groups and
affiliations, and one account per role, all with the demo password printed at the end.
"""

from __future__ import annotations

import random
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from stdnum.cn import uscc

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accreditations.demo import build_demo as build_accreditations_demo
from jineng.assessment.demo import build_demo as build_assessment_demo
from jineng.attendance.demo import attend, build_finished_classes, flag_a_check_in
from jineng.catalogs.demo import build_demo as build_catalogs_demo
from jineng.certificates.demo import build_demo as build_certificates_demo
from jineng.core import audit
from jineng.core.errors import DomainError
from jineng.experts.demo import build_demo as build_experts_demo
from jineng.fraud.demo import build_demo as build_fraud_demo
from jineng.organizations.models import Organization, OrganizationKind
from jineng.organizations.services import OrganizationInput, build_organization
from jineng.people.loaders import load_target_groups
from jineng.people.models import Person, TargetGroup
from jineng.people.synth import (
    DEFAULT_SEED,
    city_regions,
    generate_people,
    synthetic_organisations,
    word_lists,
    write_synthetic_people,
)
from jineng.regions.models import Region, RegionLevel
from jineng.subsidies.demo import build_demo as build_subsidies_demo
from jineng.talent.demo import build_demo as build_talent_demo
from jineng.training.demo import build_demo as build_training_demo

DEMO_PASSWORD = "jineng-demo-2025"
K = OrganizationKind
# (registration authority + type digits of the credit code, kind, name pattern)
INSTITUTIONS = [
    ("12", K.TECHNICAL_SCHOOL, "{city}高级技工学校"),
    ("12", K.VOCATIONAL_SCHOOL, "{city}职业教育中心"),
    ("12", K.PUBLIC_TRAINING_BASE, "{city}公共实训基地"),
    ("52", K.PRIVATE_TRAINING, "{city}{word}职业技能培训学校"),
    ("52", K.PRIVATE_TRAINING, "{city}{word}职业培训学校"),
    ("52", K.PRIVATE_TRAINING, "{city}{word}家政服务培训中心"),
    ("12", K.EVALUATION_BODY, "{city}职业技能鉴定中心"),
    ("91", K.SOCIAL_EVALUATION_ORG, "{city}{word}职业技能评价有限公司"),
]
EMPLOYER_COUNT = 12
# Username, role, and which organisation (by kind) the account belongs to.
ACCOUNTS = [
    ("admin", Role.BUREAU_ADMIN, None),
    # A second administrator, so four-eyes publication can be tried in the browser.
    ("admin2", Role.BUREAU_ADMIN, None),
    ("reviewer", Role.REVIEWER, None),
    # A second reviewer: a subsidy claim's two reviews are taken by different people.
    ("reviewer2", Role.REVIEWER, None),
    ("auditor", Role.AUDITOR, None),
    ("finance1", Role.FINANCE, None),
    ("school1", Role.INSTITUTION_STAFF, K.TECHNICAL_SCHOOL),
    ("evaluator1", Role.EVALUATOR, K.EVALUATION_BODY),
    ("employer1", Role.EMPLOYER, K.ENTERPRISE),
    ("worker1", Role.WORKER, None),
]
ORGANISATION_CODE_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)


def organisation_code(rng: random.Random) -> str:
    """A 9-character organisation code (GB 11714) with its own check character."""
    body = "".join(rng.choice("0123456789") for _ in range(8))
    total = sum(int(c) * w for c, w in zip(body, ORGANISATION_CODE_WEIGHTS, strict=True))
    check = 11 - total % 11
    return body + {10: "X", 11: "0"}.get(check, str(check))


def credit_code(rng: random.Random, prefix: str, region_code: str) -> str:
    """A unified social credit code (GB 32100) with a valid check character."""
    body = prefix + region_code + organisation_code(rng)
    return body + uscc.calc_check_digit(body)


def demo_organisations(seed: int, city: Region, towns: list[Region]) -> list[OrganizationInput]:
    """The synthetic institutions, evaluators and employers of the demo city."""
    rng = random.Random(seed)
    words = list(word_lists()["company_words"])
    rng.shuffle(words)
    trades = word_lists()["company_trades"]
    specs = [(prefix, kind, pattern) for prefix, kind, pattern in INSTITUTIONS]
    for index in range(EMPLOYER_COUNT):
        trade = trades[index % len(trades)][0]
        specs.append(("91", K.ENTERPRISE, "{city}{word}" + trade))
    inputs = []
    for index, (prefix, kind, pattern) in enumerate(specs):
        name = pattern.format(city=city.name, word=words[index % len(words)]) + "（演示）"
        inputs.append(
            OrganizationInput(
                credit_code=credit_code(rng, prefix, city.code),
                name=name,
                kind=kind,
                region_code=rng.choice(towns).code,
            )
        )
    return inputs


class Command(BaseCommand):
    help = "Build the demo city: institutions, employers, synthetic workers, one account per role."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--people", type=int, default=5000, help="Synthetic workers.")
        parser.add_argument("--seed", type=int, default=DEFAULT_SEED, help="Random seed.")
        parser.add_argument(
            "--force",
            action="store_true",
            help="Run even with JINENG_DEBUG off (the demo password is public).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG and not options["force"]:
            raise CommandError(
                "Refusing to create demo accounts with a published password while "
                "JINENG_DEBUG is off; pass --force on a non-production instance."
            )
        try:
            regions = city_regions()
        except DomainError as exc:
            raise CommandError(str(exc.detail)) from None
        if not TargetGroup.objects.exists():
            load_target_groups()
        city = Region.objects.get(code=settings.JINENG_CITY_REGION_CODE)
        towns = [r for r in regions if r.level == RegionLevel.TOWN] or regions
        organisations = self._organisations(options["seed"], city, towns)
        totals = write_synthetic_people(
            options["people"], seed=options["seed"], organisations=synthetic_organisations()
        )
        accounts = self._accounts(options["seed"])
        self.stdout.write(
            f"Demo city {city.name}: {organisations} organisations and "
            f"{totals['created']} people created ({totals['skipped']} already there), "
            f"{accounts} accounts created."
        )
        self.stdout.write(
            "Accounts: " + ", ".join(f"{name} ({role.label})" for name, role, _ in ACCOUNTS)
        )
        self.stdout.write(f"Demo password for every account: {DEMO_PASSWORD}")
        build_accreditations_demo(stdout=self.stdout)
        build_catalogs_demo(stdout=self.stdout)
        build_training_demo(stdout=self.stdout, attend=attend)
        flag_a_check_in(stdout=self.stdout)
        build_finished_classes(stdout=self.stdout)
        build_experts_demo(stdout=self.stdout, password=DEMO_PASSWORD)
        build_certificates_demo(stdout=self.stdout)
        build_assessment_demo(stdout=self.stdout)
        build_talent_demo(stdout=self.stdout)
        build_subsidies_demo(stdout=self.stdout)
        build_fraud_demo(stdout=self.stdout)

    @transaction.atomic(durable=True)
    def _organisations(self, seed: int, city: Region, towns: list[Region]) -> int:
        created = []
        for data in demo_organisations(seed, city, towns):
            if Organization.objects.filter(credit_code=data.credit_code).exists():
                continue
            organization = build_organization(data)
            organization.is_synthetic = True
            organization.save(force_insert=True)
            created.append(organization.credit_code)
        if created:
            audit.record(
                None,
                "organizations.organization.generated",
                object_type="organizations.organization",
                object_id="demo",
                data={"created": len(created), "credit_codes": created},
            )
        return len(created)

    @transaction.atomic(durable=True)
    def _accounts(self, seed: int) -> int:
        first = next(generate_people(1, seed=seed, organisations=synthetic_organisations()))
        person = Person.objects.with_id_number(first.data.id_number).first()
        created = []
        for username, role, kind in ACCOUNTS:
            if User.objects.filter(username=username).exists():
                continue
            extra: dict[str, Any] = {}
            if kind is not None:
                extra["organization"] = (
                    Organization.objects.filter(is_synthetic=True, kind=kind)
                    .order_by("credit_code")
                    .first()
                )
                # Each organisation's demo account administers its staff accounts (ADR 0017).
                extra["is_organization_admin"] = True
            if role == Role.WORKER:
                if person is None or User.objects.filter(person=person).exists():
                    continue
                extra["person"] = person
            if role == Role.BUREAU_ADMIN:
                extra.update(is_staff=True, is_superuser=True)
            User.objects.create_user(username, password=DEMO_PASSWORD, role=role, **extra)
            created.append(username)
        if created:
            audit.record(
                None,
                "accounts.user.generated",
                object_type="accounts.user",
                object_id="demo",
                data={"created": created, "roles": [str(r) for _, r, _k in ACCOUNTS]},
            )
        return len(created)
