"""Demo judge pool: about fifteen experts from the demo people, across the occupations the
demo's evaluation bodies are accredited for, with examiner cards, a few declared relations,
and three sign-in accounts (examiner1 … examiner3). Idempotent: a second run skips.
"""

from __future__ import annotations

import datetime
import random
from typing import Any, Protocol

from django.utils import timezone

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.accreditations.choices import AccreditationKind
from jineng.accreditations.models import Accreditation
from jineng.experts import services
from jineng.experts.choices import QualificationKind, RelationKind
from jineng.experts.models import Expert
from jineng.people.models import Person

EXPERTS = 15
ACCOUNTS = 3
SEED = 20260114


class SupportsWrite(Protocol):
    def write(self, text: str, /) -> Any: ...


def _bureau_admin() -> User:
    admin = (
        User.objects.filter(role=Role.BUREAU_ADMIN, is_active=True, username="admin").first()
        or User.objects.filter(role=Role.BUREAU_ADMIN, is_active=True).order_by("pk").first()
    )
    if admin is None:
        admin = User(username="demo_experts_bureau", role=Role.BUREAU_ADMIN)
        admin.set_unusable_password()
        admin.save()
    return admin


def build_demo(*, stdout: SupportsWrite, password: str = "") -> None:
    """Fill the judge pool from the demo people; ``password`` is the examiners' accounts'."""
    if Expert.objects.exists():
        stdout.write("experts: the judge pool already has experts, skipped\n")
        return
    licences = list(
        Accreditation.objects.filter(kind=AccreditationKind.EVALUATION)
        .select_related("occupation", "max_level", "organization")
        .order_by("pk")
    )
    people = list(Person.objects.filter(is_synthetic=True).order_by("pk")[: EXPERTS * 3])
    if not licences or len(people) < EXPERTS:
        stdout.write("experts: no evaluation licences or too few people, skipped\n")
        return
    rng = random.Random(SEED)
    admin = _bureau_admin()
    today = timezone.localdate()
    organizations = [licence.organization for licence in licences] + [None]
    experts = []
    for n, person in enumerate(people[:EXPERTS]):
        licence = licences[n % len(licences)]
        organization = organizations[(n * 7) % len(organizations)]
        expert = services.create_expert(
            person,
            services.ExpertInput(organization=organization, title=rng.choice(["高级技师", "技师"])),
            actor=admin,
        )
        services.add_occupation(expert.pk, licence.occupation, licence.max_level, actor=admin)
        # One card in six expires within the quarter, so the filter has something to show.
        until = today + datetime.timedelta(days=60 if n % 6 == 0 else 3 * 365)
        services.add_qualification(
            expert.pk,
            services.QualificationInput(
                kind=QualificationKind.EXAMINER,
                number=f"KP{today.year}{n + 1:04d}",
                valid_from=today - datetime.timedelta(days=365),
                valid_until=until,
                issued_by="吉林省职业技能鉴定中心",
            ),
            actor=admin,
        )
        experts.append(expert)
    for n, expert in enumerate(experts[:4]):
        services.declare_relation(
            expert.pk,
            people[EXPERTS + n],
            rng.choice(list(RelationKind.values)),
            actor=admin,
        )
    _accounts([e for e in experts if e.organization_id][:ACCOUNTS], admin, password)
    stdout.write(f"experts: {len(experts)} experts, {ACCOUNTS} examiner accounts\n")


def _accounts(experts: list[Expert], admin: User, password: str) -> None:
    for n, expert in enumerate(experts, start=1):
        username = f"examiner{n}"
        account = User.objects.filter(username=username).first()
        if account is None:
            # An examiner signs in as staff of their own organisation.
            account = User.objects.create_user(
                username=username,
                password=password or None,
                role=Role.EVALUATOR,
                organization=expert.organization,
                first_name=expert.person.name,
            )
        services.update_expert(
            expert.pk,
            services.ExpertInput(
                organization=expert.organization, title=expert.title, user=account
            ),
            actor=admin,
        )
