"""Demo data of subsidies, through the services: example rules, budgets and claims in flight.

After the training and assessment demos: the example rule set (its values marked as examples)
put in force, this year's budgets of two sources set by the finance officer (marked as
examples), and every claim the demo's finished work allows: the institution's class claim for
each closed class with eligible completers, and each demo worker's skill upgrade claim for a
certificate in their name. A claim the rules held on submission waits in the reviewers' queue
with its alerts. The others are reviewed by two reviewers; a class claim (of a class held
weeks ago) then goes through a public notice (公示) that ended yesterday, each trainee's
confirmation on their phone, the bureau's approval and the finance officer's payment, so the
ledger has real entries; a worker's claim stays in its notice for them to confirm. Idempotent:
nothing is added once a claim exists.
"""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from django.db import transaction
from django.utils import timezone

from jineng.accounts.models import User
from jineng.accounts.roles import Role
from jineng.certificates.models import Certificate
from jineng.core import audit
from jineng.core.errors import DomainError
from jineng.funds import services as funds
from jineng.funds.models import FundSource
from jineng.funds.sources import load_sources
from jineng.subsidies import rules, services
from jineng.subsidies.choices import ClaimStatus, SubsidyKind
from jineng.subsidies.errors import RuleFileInvalid
from jineng.subsidies.models import Claim
from jineng.training.choices import ClassStatus
from jineng.training.models import TrainingClass

if TYPE_CHECKING:
    from _typeshed import SupportsWrite

    from jineng.subsidies.models import Claim as ClaimModel

# This year's budgets of the demo city, in fen: example values, not any city's real budget.
EXAMPLE_BUDGETS = {"employment_fund": 50_000_000, "unemployment_insurance": 20_000_000}
# Where the paid class claim's money went: an example account, not any institution's.
EXAMPLE_PAYEE = services.Payee(
    name="演示培训机构（示例账户）", account="6200000000000000001", bank="示例银行"
)


def _user(username: str, role: Role) -> User | None:
    return User.objects.filter(username=username, role=role, is_active=True).first()


def _claims(stdout: SupportsWrite[str]) -> list[ClaimModel]:
    """Submit every claim the demo's finished classes and certificates allow."""
    claims: list[ClaimModel] = []
    staff = _user("school1", Role.INSTITUTION_STAFF)
    if staff is not None and staff.organization_id is not None:
        closed = TrainingClass.objects.filter(
            programme__organization_id=staff.organization_id, status=ClassStatus.CLOSED
        ).order_by("-ends_on")
        for training_class in closed:
            try:
                claims.append(services.submit_class_claim(training_class.pk, actor=staff))
            except DomainError as refused:
                stdout.write(f"subsidies: no claim for class {training_class.code}: {refused}\n")
    workers = User.objects.filter(role=Role.WORKER, is_active=True, person__isnull=False)
    holders = Certificate.objects.filter(holder__in=workers.values("person")).order_by("pk")
    for certificate in holders:
        worker = workers.get(person_id=certificate.holder_id)
        try:
            claims.append(services.submit_skill_upgrade_claim(certificate.pk, actor=worker))
        except DomainError as refused:
            stdout.write(f"subsidies: no claim for certificate {certificate.number}: {refused}\n")
    return claims


def build_demo(*, stdout: SupportsWrite[str]) -> None:
    """Put the example rules in force, set example budgets, and start the claims."""
    if Claim.objects.exists():
        stdout.write("subsidies demo: already present\n")
        return
    try:
        rule_set = rules.ensure_example_rules()
    except RuleFileInvalid as invalid:
        # The example names skill levels and target groups: without the reference data loaded
        # (`jineng load-reference`) there is nothing to claim against.
        stdout.write(f"subsidies demo: skipped (example rules do not load here: {invalid})\n")
        return
    if rule_set is not None:
        stdout.write(f"subsidies: example rule set v{rule_set.number} in force.\n")
    finance = _user("finance1", Role.FINANCE)
    first, second = (_user(name, Role.REVIEWER) for name in ("reviewer", "reviewer2"))
    if finance is None or first is None or second is None:
        stdout.write("subsidies demo: skipped (no finance1, reviewer or reviewer2 account)\n")
        return
    year = timezone.localdate().year
    # The sources come with funds' migration; a database emptied since (a test's flush) has none.
    load_sources(FundSource)
    for source, amount_fen in EXAMPLE_BUDGETS.items():
        funds.set_budget(
            source=source, year=year, amount_fen=amount_fen, actor=finance, is_example=True
        )
    claims = _claims(stdout)
    admin = _user("admin", Role.BUREAU_ADMIN)
    held, paid, noticed = [], [], []
    for claim in claims:
        if services.blocking_reasons(claim):
            # Held by a rule on submission: it waits in the reviewers' queue with its alert.
            held.append(claim)
            continue
        services.first_review(claim.pk, note="材料齐全，考勤与结业记录一致", actor=first)
        services.second_review(claim.pk, note="复核无误", actor=second)
        if claim.kind == SubsidyKind.TRAINING and admin is not None:
            paid.append(_paid(claim, admin=admin, finance=finance, actor=second))
        else:
            services.start_notice(claim.pk, actor=second)
            noticed.append(claim)
    stdout.write(
        f"subsidies: {len(claims)} claims submitted: {len(paid)} paid, {len(noticed)} in public"
        f" notice, {len(held)} held for review.\n"
    )


@transaction.atomic(durable=True)
def _noticed_before(claim: ClaimModel, *, actor: User) -> None:
    """Publish a reviewed claim's notice as the demo's history: it ended yesterday.

    The demo's only write past the services (as the training demo's classes held weeks ago):
    the service starts a notice today, and approval waits for its days to pass.
    """
    days = claim.rule_set.notice_days
    starts_on, ends_on = services.notice_period(timezone.localdate() - timedelta(days=days), days)
    Claim.objects.filter(pk=claim.pk, status=ClaimStatus.SECOND_REVIEWED).update(
        status=ClaimStatus.IN_NOTICE, notice_starts_on=starts_on, notice_ends_on=ends_on
    )
    audit.record(
        actor,
        "subsidies.claim.notice_started",
        claim,
        data={"starts_on": starts_on, "ends_on": ends_on, "demo_history": True},
    )


def _paid(claim: ClaimModel, *, admin: User, finance: User, actor: User) -> ClaimModel:
    """Take a reviewed class claim through its notice, the trainees' word, approval and payment."""
    _noticed_before(claim, actor=actor)
    for line in claim.lines.filter(active=True).order_by("pk"):
        worker = User.objects.filter(person_id=line.person_id, role=Role.WORKER).first()
        if worker is not None:
            services.confirm_line(line.pk, actor=worker)
    services.approve(claim.pk, actor=admin)
    [paid] = services.pay(
        [claim.pk],
        batch_reference=f"演示拨付-{claim.number}",
        payees={claim.pk: EXAMPLE_PAYEE},
        actor=finance,
    )
    return paid
