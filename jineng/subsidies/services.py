"""Every write of subsidy claims (补贴申领): submit, two reviews, notice, approve, pay, reject.

The workflow (docs/adr/0024-subsidy-claims.md): submitted → first review → second review by
another person → public notice (公示) for the rule set's days → approved (funds commits the
money) → paid (funds disburses it), or rejected with reasons at any step before payment
(funds releases a commitment). Each step is one transaction that locks the claim (locks.py),
checks who may take it, and records an audit event in the same transaction.

Separation of duties: no account takes two of the steps submit, first review, second review,
approve and pay on one claim; the services refuse it in words and the table's constraints
refuse it again. Money only after the fact: a class's claim only after the class ended and
only for completers; approval and payment only while nothing holds the claim (a fraud alert,
an open objection) and after every worker confirmed their line.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.certificates.models import Certificate
from jineng.core import audit, pii, scope
from jineng.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from jineng.core.scope import CHANGE, VIEW
from jineng.funds import services as funds
from jineng.funds.payments import PaymentLine
from jineng.subsidies import amounts, locks, notices, numbers, providers, rules
from jineng.subsidies.choices import (
    CLOSED_STATUSES,
    ClaimStatus,
    Confirmation,
    ObjectionKind,
    ObjectionStatus,
    SubsidyKind,
)
from jineng.subsidies.errors import Refused
from jineng.subsidies.models import Claim, ClaimHold, ClaimLine, Objection, RuleSet
from jineng.training.choices import FINISHED_STATUSES, EnrolmentStatus
from jineng.training.models import Enrolment, TrainingClass

MAX_NOTE = 2000
MAX_TEXT = 2000
MAX_CONTACT = 100
MAX_SOURCE = 60
MAX_BATCH = 1000

# The fund each kind of subsidy is paid from unless the approver names another.
DEFAULT_FUND_SOURCE: dict[str, str] = {
    SubsidyKind.TRAINING: "employment_fund",
    SubsidyKind.SKILL_UPGRADE: "unemployment_insurance",
    SubsidyKind.EVALUATION: "employment_fund",
    SubsidyKind.LIVING: "employment_fund",
    SubsidyKind.APPRENTICESHIP: "unemployment_insurance",
    SubsidyKind.WORK_FOR_TRAINING: "employment_fund",
}
# The steps separation of duties counts, with the claim's field of who took each.
STEPS: dict[str, str] = {
    "submit": "submitted_by_id",
    "first_review": "first_reviewed_by_id",
    "second_review": "second_reviewed_by_id",
    "approve": "approved_by_id",
    "pay": "paid_by_id",
}
OBJECTION_SOURCE = "subsidies.objection:{id}"


@dataclass(frozen=True)
class Payee:
    """Where one claim's money goes: the account holder's name, the account and the bank."""

    name: str
    account: str
    bank: str


def _text(value: str, *, field: str, limit: int = MAX_NOTE, required: bool = True) -> str:
    text = (value or "").strip()
    if required and not text:
        raise ValidationFailed(_("This field is required."), field=field)
    if len(text) > limit:
        raise ValidationFailed(
            _("At most {n} characters are allowed.").format(n=limit), field=field
        )
    return text


def _require(actor: Actor, capability: str, message: str) -> None:
    if not scope.is_active(actor) or not actor.can(capability):
        raise PermissionDenied(message)


def _steps_taken_by(claim: Claim, actor: Actor) -> list[str]:
    return [step for step, field in STEPS.items() if getattr(claim, field) == actor.pk]


_STEP_WORDS = {
    "submit": gettext_lazy("submitted"),
    "first_review": gettext_lazy("took the first review of"),
    "second_review": gettext_lazy("took the second review of"),
    "approve": gettext_lazy("approved"),
    "pay": gettext_lazy("paid"),
}


def _separate(claim: Claim, actor: Actor, step: str) -> None:
    """Refuse a step to an account that took another step of the same claim."""
    taken = [s for s in _steps_taken_by(claim, actor) if s != step]
    if taken:
        raise PermissionDenied(
            _(
                "You {did} claim {number}: someone else must take this step (separation of duties)."
            ).format(did=str(_STEP_WORDS[taken[0]]), number=claim.number)
        )


def _status(claim: Claim, allowed: Iterable[str], doing: str) -> None:
    if claim.status not in set(allowed):
        raise InvalidTransition(
            _("Claim {number} is {status}: it cannot be {doing} now.").format(
                number=claim.number, status=ClaimStatus(claim.status).label, doing=doing
            ),
            field="status",
        )


def _key(value: object, missing: str) -> int:
    """A primary key from a caller's value; anything else answers as missing."""
    try:
        key: int = int(str(value))
    except (TypeError, ValueError, OverflowError):
        raise NotFound(missing) from None
    if not 0 < key < 2**63:
        raise NotFound(missing)
    return key


def _locked_in_scope(claim_id: int, actor: Actor | None, action: str = VIEW) -> Claim:
    """Lock a claim and check the actor may see it: out of scope answers as missing."""
    claim = locks.claim_for_update(_key(claim_id, _("No such claim.")))
    if actor is not None:
        scope.require(actor, claim, action=action, missing=_("No such claim."))
    return claim


def _rule_set_in_force(on: datetime.date) -> RuleSet:
    rule_set = rules.rule_set_in_force(on)
    if rule_set is None:
        raise InvalidTransition(
            _("No subsidy rules are in force on {date}: the bureau loads them first.").format(
                date=on
            )
        )
    return rule_set


def _steps(computation: amounts.Computation) -> list[dict[str, Any]]:
    return [{"text": str(step.text), "amount_fen": step.amount_fen} for step in computation.steps]


def _audit(actor: Actor | None, action: str, claim: Claim, **data: Any) -> None:
    audit.record(
        actor,
        action,
        claim,
        person_id=claim.person_id,
        data={"number": claim.number, "status": claim.status, **data},
    )


def _recount(claim: Claim) -> None:
    total = claim.lines.filter(active=True).aggregate(total=Sum("amount_fen"))["total"] or 0
    claim.total_fen = int(total)


def _people_of(claim: Claim) -> list[tuple[int, int]]:
    return list(claim.lines.filter(active=True).values_list("person_id", "amount_fen"))


def _target(claim: Claim) -> str:
    return f"/subsidies/claims/{claim.pk}/"


# --- submission -------------------------------------------------------------------------


def _insert_claim(claim: Claim, lines: list[ClaimLine]) -> None:
    """Insert a claim and its lines; a line claimed meanwhile refuses the claim (R09)."""
    try:
        with transaction.atomic():
            claim.save(force_insert=True)
            for line in lines:
                line.claim = claim
            ClaimLine.objects.bulk_create(lines)
    except IntegrityError:
        raise Conflict(
            _("Someone in this claim was claimed for meanwhile (R09): reload and submit again.")
        ) from None


def _screen(claim: Claim, actor: Actor | None) -> None:
    """Run the screens other apps registered (fraud's claim rules) in this transaction."""
    for screen in list(providers.claim_screens):
        screen(claim, actor)


def _class_for(class_id: int, actor: Actor) -> TrainingClass:
    rows = TrainingClass.objects.select_related("programme")
    training_class: TrainingClass = scope.get_for_user(
        rows, actor, class_id, missing=_("No such training class.")
    )
    if training_class.programme.organization_id != actor.organization_id:
        raise NotFound(_("No such training class."))
    return training_class


@transaction.atomic
def submit_class_claim(class_id: int, *, actor: Actor) -> Claim:
    """Claim the training subsidy for a finished class's eligible completers (培训补贴申领).

    One line per completer whose amount the rules compute; every other trainee who sat the
    class is kept in ``claim.ineligible`` with the rule and the reason. Refused before the
    class ended (R29), when nobody is eligible, and for another organisation's class.
    """
    _require(
        actor,
        Capability.CLAIM_SUBSIDIES,
        _("Only the institution's staff may claim subsidies for its classes."),
    )
    if not actor.organization_id:
        raise PermissionDenied(
            _("Only the institution's staff may claim subsidies for its classes.")
        )
    training_class = _class_for(_key(class_id, _("No such training class.")), actor)
    today = timezone.localdate()
    if training_class.status not in FINISHED_STATUSES or training_class.ends_on > today:
        raise Refused(
            "R29",
            _(
                "Class {code} has not ended (it ends on {date} and must be finished, 结业): "
                "a subsidy is claimed only after completion and the assessment (R29)."
            ).format(code=training_class.code, date=training_class.ends_on),
        )
    rule_set = _rule_set_in_force(today)
    enrolments = (
        Enrolment.objects.filter(
            training_class=training_class,
            status__in=(EnrolmentStatus.COMPLETED, EnrolmentStatus.NOT_COMPLETED),
        )
        .select_related("person", "training_class")
        .order_by("pk")
    )
    lines: list[ClaimLine] = []
    ineligible: list[dict[str, Any]] = []
    for enrolment in enrolments:
        if enrolment.status != EnrolmentStatus.COMPLETED:
            ineligible.append(
                {
                    "person_id": enrolment.person_id,
                    "enrolment_id": enrolment.pk,
                    "rule": "eligibility",
                    "reason": _("Did not complete the class: no subsidy."),
                }
            )
            continue
        try:
            computation = amounts.training_line(enrolment, rule_set)
        except Refused as refused:
            ineligible.append(
                {
                    "person_id": enrolment.person_id,
                    "enrolment_id": enrolment.pk,
                    "rule": refused.rule,
                    "reason": refused.message,
                }
            )
            continue
        lines.append(
            ClaimLine(
                kind=SubsidyKind.TRAINING,
                person_id=enrolment.person_id,
                enrolment=enrolment,
                amount_fen=int(computation.amount_fen),
                computation=_steps(computation),
            )
        )
    if not lines:
        reasons = "; ".join(str(row["reason"]) for row in ineligible[:5])
        raise Refused(
            "eligibility",
            _("Nobody in class {code} is eligible for a subsidy. {reasons}")
            .format(code=training_class.code, reasons=reasons)
            .strip(),
        )
    claim = Claim(
        number=numbers.next_number(today.year),
        kind=SubsidyKind.TRAINING,
        status=ClaimStatus.SUBMITTED,
        organization_id=actor.organization_id,
        training_class=training_class,
        rule_set=rule_set,
        fund_source=DEFAULT_FUND_SOURCE[SubsidyKind.TRAINING],
        year=today.year,
        total_fen=sum(line.amount_fen for line in lines),
        submitted_by=actor,
        submitted_at=timezone.now(),
        ineligible=ineligible,
    )
    _insert_claim(claim, lines)
    _screen(claim, actor)
    _audit(
        actor,
        "subsidies.claim.submitted",
        claim,
        kind=claim.kind,
        total_fen=claim.total_fen,
        lines=len(lines),
        ineligible=[{k: row[k] for k in ("enrolment_id", "rule")} for row in ineligible],
        rule_set=rule_set.number,
    )
    notices.tell_people(
        notices.LINE_CLAIMED, claim.number, _people_of(claim), target=_target(claim)
    )
    return claim


@transaction.atomic
def submit_skill_upgrade_claim(certificate_id: int, *, actor: Actor) -> Claim:
    """Claim the skill upgrade subsidy (技能提升补贴) for one's own certificate.

    The worker claims for themself, so their line is confirmed as they submit.
    """
    _require(
        actor, Capability.CLAIM_SUBSIDIES, _("Only the worker may claim this subsidy for themself.")
    )
    certificate = Certificate.objects.filter(
        pk=_key(certificate_id, _("No such certificate."))
    ).first()
    if certificate is None or not actor.person_id or certificate.holder_id != actor.person_id:
        raise NotFound(_("No such certificate."))
    today = timezone.localdate()
    if certificate.issued_on > today:
        raise Refused(
            "R29",
            _("Certificate {number} is dated {date}: claim after that day (R29).").format(
                number=certificate.number, date=certificate.issued_on
            ),
        )
    rule_set = _rule_set_in_force(today)
    computation = amounts.skill_upgrade_line(certificate, rule_set)
    now = timezone.now()
    line = ClaimLine(
        kind=SubsidyKind.SKILL_UPGRADE,
        person_id=certificate.holder_id,
        certificate=certificate,
        amount_fen=int(computation.amount_fen),
        computation=_steps(computation),
        confirmation=Confirmation.CONFIRMED,
        confirmed_at=now,
    )
    claim = Claim(
        number=numbers.next_number(today.year),
        kind=SubsidyKind.SKILL_UPGRADE,
        status=ClaimStatus.SUBMITTED,
        person_id=certificate.holder_id,
        rule_set=rule_set,
        fund_source=DEFAULT_FUND_SOURCE[SubsidyKind.SKILL_UPGRADE],
        year=today.year,
        total_fen=line.amount_fen,
        submitted_by=actor,
        submitted_at=now,
    )
    _insert_claim(claim, [line])
    _screen(claim, actor)
    _audit(
        actor,
        "subsidies.claim.submitted",
        claim,
        kind=claim.kind,
        total_fen=claim.total_fen,
        lines=1,
        certificate=certificate.number,
        rule_set=rule_set.number,
    )
    notices.tell_people(
        notices.LINE_CLAIMED, claim.number, _people_of(claim), target=_target(claim)
    )
    return claim


# --- reviews and notice -------------------------------------------------------------------


def _review(claim_id: int, note: str, actor: Actor, step: str) -> Claim:
    """Pass one of a claim's two reviews (``first`` or ``second``): the same checks, note,
    who and when, under the review's own field names and audit action."""
    first = step == "first"
    claim = _locked_in_scope(claim_id, actor)
    _separate(claim, actor, f"{step}_review")
    _require(actor, Capability.REVIEW_CLAIMS, _("Only a reviewer may review subsidy claims."))
    if first:
        _status(claim, (ClaimStatus.SUBMITTED,), _("reviewed"))
    else:
        _status(claim, (ClaimStatus.FIRST_REVIEWED,), _("reviewed a second time"))
    fields = {
        f"{step}_review_note": _text(note, field="note", required=False),
        f"{step}_reviewed_by": actor,
        f"{step}_reviewed_at": timezone.now(),
        "status": ClaimStatus.FIRST_REVIEWED if first else ClaimStatus.SECOND_REVIEWED,
    }
    for name, value in fields.items():
        setattr(claim, name, value)
    claim.save(update_fields=[*fields, "updated_at"])
    action = "subsidies.claim.first_reviewed" if first else "subsidies.claim.second_reviewed"
    _audit(actor, action, claim, note=fields[f"{step}_review_note"])
    return claim


@transaction.atomic
def first_review(claim_id: int, *, note: str, actor: Actor) -> Claim:
    """Pass a submitted claim's first review (初审), with the reviewer's note."""
    return _review(claim_id, note, actor, "first")


@transaction.atomic
def second_review(claim_id: int, *, note: str, actor: Actor) -> Claim:
    """Pass a claim's second review (复审) by another reviewer than the first."""
    return _review(claim_id, note, actor, "second")


def notice_period(start: datetime.date, days: int) -> tuple[datetime.date, datetime.date]:
    """The first and last day of a public notice of ``days`` days starting on ``start``."""
    return start, start + datetime.timedelta(days=max(days, 1) - 1)


@transaction.atomic
def start_notice(claim_id: int, *, actor: Actor) -> Claim:
    """Publish a reviewed claim for public notice (公示) for the rule set's days."""
    claim = _locked_in_scope(claim_id, actor)
    if not (
        scope.is_active(actor)
        and (actor.can(Capability.REVIEW_CLAIMS) or actor.can(Capability.APPROVE_CLAIMS))
    ):
        raise PermissionDenied(_("Only a reviewer or the bureau may publish a claim's notice."))
    _status(claim, (ClaimStatus.SECOND_REVIEWED,), _("published for notice"))
    days = RuleSet.objects.filter(pk=claim.rule_set_id).values_list("notice_days", flat=True)[0]
    claim.notice_starts_on, claim.notice_ends_on = notice_period(timezone.localdate(), days)
    claim.status = ClaimStatus.IN_NOTICE
    claim.save(update_fields=["notice_starts_on", "notice_ends_on", "status", "updated_at"])
    _audit(
        actor,
        "subsidies.claim.notice_started",
        claim,
        starts_on=claim.notice_starts_on,
        ends_on=claim.notice_ends_on,
    )
    return claim


# --- what blocks money --------------------------------------------------------------------


@dataclass(frozen=True)
class HoldGroup:
    """Open holds of one claim that give the same reason: a rule's alerts, one per session."""

    reason: str
    count: int
    first_placed_at: datetime.datetime


def hold_groups(holds: Iterable[ClaimHold]) -> list[HoldGroup]:
    """Group holds by their reason, in the order each reason was first given."""
    groups: dict[str, list[ClaimHold]] = {}
    for hold in sorted(holds, key=lambda h: (h.placed_at, h.pk)):
        groups.setdefault(hold.reason, []).append(hold)
    return [HoldGroup(reason, len(same), same[0].placed_at) for reason, same in groups.items()]


def blocking_reasons(claim: Claim) -> list[str]:
    """Everything that keeps a claim from approval or payment, in people's words."""
    reasons = [
        _("On hold: {reason}").format(reason=group.reason)
        if group.count == 1
        else _("On hold, {n} times for the same reason: {reason}").format(
            n=group.count, reason=group.reason
        )
        for group in hold_groups(claim.holds.filter(released_at__isnull=True))
    ]
    open_objections = claim.objections.filter(status=ObjectionStatus.OPEN).count()
    if open_objections:
        reasons.append(
            _("{n} objection(s) are open: a reviewer resolves them first.").format(
                n=open_objections
            )
        )
    return reasons


def unconfirmed_lines(claim: Claim) -> int:
    """How many active lines their worker has not confirmed."""
    return claim.lines.filter(active=True).exclude(confirmation=Confirmation.CONFIRMED).count()


def _refuse_if_blocked(claim: Claim, doing: str) -> None:
    reasons = blocking_reasons(claim)
    if reasons:
        raise InvalidTransition(
            _("Claim {number} cannot be {doing}: {reasons}").format(
                number=claim.number, doing=doing, reasons=" ".join(reasons)
            ),
            field="holds",
        )


# --- approval, rejection, payment ---------------------------------------------------------


@transaction.atomic
def approve(claim_id: int, *, actor: Actor, fund_source: str | None = None) -> Claim:
    """Approve a claim after its notice ended (审批), committing its money in the fund.

    Refused while any hold or open objection stands, while a worker has not confirmed their
    line, and to anyone who took another step of the claim. The commitment is made by funds
    in the same transaction; a fund without room refuses the approval, saying so.
    """
    claim = _locked_in_scope(claim_id, actor)
    _separate(claim, actor, "approve")
    _require(actor, Capability.APPROVE_CLAIMS, _("Only the bureau may approve subsidy claims."))
    _status(claim, (ClaimStatus.IN_NOTICE,), _("approved"))
    today = timezone.localdate()
    if claim.notice_ends_on is None or today <= claim.notice_ends_on:
        raise InvalidTransition(
            _("The public notice of claim {number} runs until {date}: approve it after.").format(
                number=claim.number, date=claim.notice_ends_on
            ),
            field="status",
        )
    _refuse_if_blocked(claim, _("approved"))
    waiting = unconfirmed_lines(claim)
    if waiting:
        raise InvalidTransition(
            _("{n} worker(s) have not confirmed their line of claim {number} yet.").format(
                n=waiting, number=claim.number
            ),
            field="confirmation",
        )
    _recount(claim)
    if claim.total_fen <= 0:
        raise InvalidTransition(
            _("Claim {number} has nothing left to pay.").format(number=claim.number)
        )
    if fund_source is not None:
        claim.fund_source = _text(fund_source, field="fund_source", limit=40)
    funds.commit(
        source=claim.fund_source,
        year=claim.year,
        amount_fen=claim.total_fen,
        reference=claim.reference,
        memo=claim.number,
        actor=actor,
    )
    claim.approved_by = actor
    claim.approved_at = timezone.now()
    claim.status = ClaimStatus.APPROVED
    claim.save(
        update_fields=[
            "approved_by",
            "approved_at",
            "status",
            "total_fen",
            "fund_source",
            "updated_at",
        ]
    )
    _audit(
        actor,
        "subsidies.claim.approved",
        claim,
        total_fen=claim.total_fen,
        fund_source=claim.fund_source,
        year=claim.year,
    )
    return claim


@transaction.atomic
def reject(claim_id: int, *, reasons: str, actor: Actor) -> Claim:
    """Reject a claim with reasons (不予通过) at any step before payment.

    Its lines leave the claim (the people may be claimed for again, correctly) and a
    commitment made at approval is released in the fund.
    """
    claim = _locked_in_scope(claim_id, actor)
    if not (
        scope.is_active(actor)
        and (actor.can(Capability.REVIEW_CLAIMS) or actor.can(Capability.APPROVE_CLAIMS))
    ):
        raise PermissionDenied(_("Only a reviewer or the bureau may reject subsidy claims."))
    if claim.submitted_by_id == actor.pk:
        raise PermissionDenied(
            _("You submitted claim {number}: someone else decides on it.").format(
                number=claim.number
            )
        )
    text = _text(reasons, field="reasons")
    _status(claim, set(ClaimStatus.values) - CLOSED_STATUSES, _("rejected"))
    _may_release(claim, actor)
    return _reject(claim, text, actor)


def _may_release(claim: Claim, actor: Actor) -> None:
    """Undoing an approval releases money: only the bureau (approve_claims) does that."""
    if claim.status == ClaimStatus.APPROVED and not actor.can(Capability.APPROVE_CLAIMS):
        raise PermissionDenied(
            _(
                "Claim {number} is approved and its money committed: only the bureau may "
                "reject it now."
            ).format(number=claim.number)
        )


def _reject(claim: Claim, text: str, actor: Actor | None) -> Claim:
    was_approved = claim.status == ClaimStatus.APPROVED
    if was_approved:
        funds.release(
            reference=claim.reference,
            memo=_("{number} rejected: {reasons}").format(number=claim.number, reasons=text)[:500],
            actor=actor,
        )
    people = _people_of(claim)
    claim.lines.filter(active=True).update(
        active=False, removed_reason=_("The claim was rejected.")
    )
    claim.status = ClaimStatus.REJECTED
    claim.rejected_by = actor
    claim.rejected_at = timezone.now()
    claim.rejection_reasons = text
    claim.save(
        update_fields=["status", "rejected_by", "rejected_at", "rejection_reasons", "updated_at"]
    )
    _audit(
        actor,
        "subsidies.claim.rejected",
        claim,
        reasons=text,
        released=was_approved,
    )
    notices.tell_people(notices.LINE_REMOVED, claim.number, people, target=_target(claim))
    return claim


def _payee_line(claim: Claim, payee: Payee | None) -> PaymentLine:
    if payee is None or not payee.name.strip() or not payee.account.strip():
        raise ValidationFailed(
            _("Claim {number}: give the payee's name and account.").format(number=claim.number),
            field="payees",
        )
    return PaymentLine(
        reference=claim.reference,
        payee_name=payee.name.strip(),
        payee_account=payee.account.strip(),
        bank=payee.bank.strip(),
        amount_fen=claim.total_fen,
        memo=claim.number,
    )


@transaction.atomic
def pay(
    claim_ids: Sequence[int],
    *,
    batch_reference: str,
    payees: Mapping[int, Payee],
    actor: Actor,
) -> list[Claim]:
    """Pay approved claims in one payment batch (拨付), all or none.

    Every claim is checked first (approved, not held, paid by someone who took no other
    step); funds then records the disbursements in the same transaction, and each worker
    hears of the payment in their name.
    """
    _require(actor, Capability.PAY_CLAIMS, _("Only the finance officer may pay subsidy claims."))
    reference = _text(batch_reference, field="batch_reference", limit=MAX_SOURCE)
    wanted = sorted({_key(pk, _("No such claim.")) for pk in claim_ids})
    if not wanted:
        raise ValidationFailed(_("Choose the claims to pay."), field="claim_ids")
    if len(wanted) > MAX_BATCH:
        raise ValidationFailed(
            _("At most {n} claims are paid in one batch.").format(n=MAX_BATCH), field="claim_ids"
        )
    claims = locks.claims_for_update(wanted)
    found = {claim.pk for claim in claims}
    visible = set(
        scope.restrict(Claim.objects.filter(pk__in=found), actor, VIEW).values_list("pk", flat=True)
    )
    if found != set(wanted) or visible != found:
        raise NotFound(_("No such claim."))
    payment_lines = []
    for claim in claims:
        _separate(claim, actor, "pay")
        _status(claim, (ClaimStatus.APPROVED,), _("paid"))
        _refuse_if_blocked(claim, _("paid"))
        payment_lines.append(_payee_line(claim, payees.get(claim.pk)))
    funds.record_payment_batch(lines=payment_lines, batch_reference=reference, actor=actor)
    now = timezone.now()
    for claim in claims:
        claim.status = ClaimStatus.PAID
        claim.paid_by = actor
        claim.paid_at = now
        claim.payment_reference = reference
        claim.save(
            update_fields=["status", "paid_by", "paid_at", "payment_reference", "updated_at"]
        )
    audit.record_many(
        actor,
        (
            audit.Entry(
                "subsidies.claim.paid",
                claim,
                person_id=claim.person_id,
                data={
                    "number": claim.number,
                    "status": claim.status,
                    "total_fen": claim.total_fen,
                    "batch_reference": reference,
                },
            )
            for claim in claims
        ),
    )
    for claim in claims:
        notices.tell_people(
            notices.CLAIM_PAID, claim.number, _people_of(claim), target=_target(claim)
        )
    return claims


# --- the worker's word --------------------------------------------------------------------


def _own_line(line_id: int, actor: Actor) -> tuple[Claim, ClaimLine]:
    """Lock a line in the actor's own name and its claim.

    Only the worker named on a line answers for it: an account that may see the line
    (reviewers, the bureau, the claimant's staff) is refused in words, anyone else finds
    nothing, exactly like a missing line.
    """
    missing = _("No such claim line.")
    key = _key(line_id, missing)
    line = ClaimLine.objects.visible_to(actor).filter(pk=key).only("claim_id", "person_id").first()
    if line is None:
        raise NotFound(missing)
    if line.person_id != getattr(actor, "person_id", None):
        raise PermissionDenied(_("Only the worker named on a line confirms or disputes it."))
    claim = locks.claim_for_update(line.claim_id)
    locked = locks.line_for_update(line.pk)
    if not locked.active or claim.status in CLOSED_STATUSES:
        raise InvalidTransition(
            _("This line is no longer open in claim {number}.").format(number=claim.number)
        )
    return claim, locked


@transaction.atomic
def confirm_line(line_id: int, *, actor: Actor) -> ClaimLine:
    """The worker confirms they attended and were assessed (本人确认)."""
    claim, line = _own_line(line_id, actor)
    if claim.objections.filter(line=line, status=ObjectionStatus.OPEN).exists():
        raise InvalidTransition(
            _("You said this line is not right: a reviewer is checking it first.")
        )
    if line.confirmation == Confirmation.CONFIRMED:
        return line
    line.confirmation = Confirmation.CONFIRMED
    line.confirmed_at = timezone.now()
    line.save(update_fields=["confirmation", "confirmed_at"])
    audit.record(
        actor,
        "subsidies.claimline.confirmed",
        line,
        person_id=line.person_id,
        data={"number": claim.number},
    )
    return line


@transaction.atomic
def dispute_line(line_id: int, *, text: str, actor: Actor) -> Objection:
    """The worker says "this is not right": an objection opens and holds the claim."""
    claim, line = _own_line(line_id, actor)
    words = _text(text, field="text", limit=MAX_TEXT, required=False) or _(
        "The worker says this is not right."
    )
    open_one = claim.objections.filter(line=line, status=ObjectionStatus.OPEN).first()
    if open_one is not None:
        return open_one
    now = timezone.now()
    objection = Objection.objects.create(
        claim=claim,
        line=line,
        kind=ObjectionKind.WORKER,
        text=words,
        raised_by=actor,
        raised_at=now,
    )
    line.confirmation = Confirmation.DISPUTED
    line.confirmed_at = None
    line.save(update_fields=["confirmation", "confirmed_at"])
    _hold(claim, _objection_source(objection), _("The worker disputes their line."), actor, now)
    audit.record(
        actor,
        "subsidies.claimline.disputed",
        line,
        person_id=line.person_id,
        data={"number": claim.number, "objection": objection.pk, "text": words},
    )
    return objection


# --- objections ---------------------------------------------------------------------------


def _objection_source(objection: Objection) -> str:
    return OBJECTION_SOURCE.format(id=objection.pk)


def _hold(
    claim: Claim, source: str, reason: str, actor: Actor | None, now: datetime.datetime
) -> bool:
    """Place one open hold of a source on a (locked) claim; False when it already has one."""
    if claim.holds.filter(source=source, released_at__isnull=True).exists():
        return False
    ClaimHold.objects.create(
        claim=claim, source=source, reason=reason[:2000], placed_at=now, placed_by=actor
    )
    return True


@transaction.atomic
def raise_objection(
    claim_number: str, *, text: str, contact: str, actor: Actor | None = None
) -> Objection:
    """Record an objection to a claim in public notice (公示异议): anyone, no account needed.

    The objector's contact is kept encrypted for the reviewers; the claim is held until a
    reviewer resolves the objection.
    """
    number = (claim_number or "").strip()
    found = Claim.objects.filter(number=number).values_list("pk", flat=True).first()
    if found is None:
        raise NotFound(_("No claim in public notice has this number."))
    claim = locks.claim_for_update(found)
    today = timezone.localdate()
    in_notice = (
        claim.status == ClaimStatus.IN_NOTICE
        and claim.notice_starts_on is not None
        and claim.notice_ends_on is not None
        and claim.notice_starts_on <= today <= claim.notice_ends_on
    )
    if not in_notice:
        raise NotFound(_("No claim in public notice has this number."))
    words = _text(text, field="text", limit=MAX_TEXT)
    reach = _text(contact, field="contact", limit=MAX_CONTACT, required=False)
    who = actor if actor is not None and actor.is_active else None
    now = timezone.now()
    objection = Objection.objects.create(
        claim=claim,
        kind=ObjectionKind.PUBLIC,
        text=words,
        contact_encrypted=pii.encrypt(reach) if reach else None,
        raised_by=who,
        raised_at=now,
    )
    _hold(
        claim, _objection_source(objection), _("An objection during the public notice."), who, now
    )
    audit.record(
        who,
        "subsidies.objection.raised",
        objection,
        data={"number": claim.number, "kind": objection.kind, "contact": bool(reach)},
    )
    return objection


@transaction.atomic
def resolve_objection(
    objection_id: int, *, upheld: bool, resolution: str, actor: Actor
) -> Objection:
    """Resolve an objection (异议处理) and release the hold it placed.

    Upheld, a worker's objection (or one naming a line) takes that line out of the claim; a
    public objection to the whole claim rejects it with the resolution as the reason.
    Dismissed, the worker is asked to confirm their line again.
    """
    missing = _("No such objection.")
    found = Objection.objects.filter(pk=_key(objection_id, missing)).only("pk", "claim_id").first()
    # Whoever may see the objection but not resolve it (the bureau, auditors, finance, the
    # claimant, the worker) is refused in words; anyone else finds nothing (ADR 0024).
    if found is None or not Objection.objects.visible_to(actor).filter(pk=found.pk).exists():
        raise NotFound(missing)
    _require(actor, Capability.REVIEW_CLAIMS, _("Only a reviewer may resolve objections."))
    scope.require(actor, found, action=CHANGE, missing=missing)
    text = _text(resolution, field="resolution")
    claim = _locked_in_scope(found.claim_id, actor)
    objection = locks.objection_for_update(found.pk)
    if objection.status != ObjectionStatus.OPEN:
        raise InvalidTransition(_("This objection was already resolved."), field="status")
    if claim.submitted_by_id == actor.pk:
        raise PermissionDenied(
            _("You submitted claim {number}: someone else resolves its objections.").format(
                number=claim.number
            )
        )
    if upheld:
        _may_release(claim, actor)
    now = timezone.now()
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.DISMISSED
    objection.resolution = text
    objection.resolved_by = actor
    objection.resolved_at = now
    objection.save(update_fields=["status", "resolution", "resolved_by", "resolved_at"])
    _release(claim, _objection_source(objection), text, actor, now)
    audit.record(
        actor,
        "subsidies.objection.resolved",
        objection,
        data={"number": claim.number, "status": objection.status, "resolution": text},
    )
    if claim.status in CLOSED_STATUSES:
        return objection
    line = objection.line
    if upheld and (line is None or claim.status == ClaimStatus.APPROVED):
        _reject(claim, text, actor)
    elif upheld and line is not None and line.active:
        _remove_line(claim, line, text, actor)
    elif not upheld and line is not None and line.confirmation == Confirmation.DISPUTED:
        line.confirmation = Confirmation.PENDING
        line.save(update_fields=["confirmation"])
    return objection


@transaction.atomic
def remove_line(line_id: int, *, reason: str, actor: Actor) -> Claim:
    """Take one line out of a claim under review (a reviewer), with the reason; the worker
    is told. An approved claim is rejected instead, so its commitment is released."""
    _require(actor, Capability.REVIEW_CLAIMS, _("Only a reviewer may take a line out of a claim."))
    text = _text(reason, field="reason")
    line_id = _key(line_id, _("No such claim line."))
    claim_id = ClaimLine.objects.filter(pk=line_id).values_list("claim_id", flat=True).first()
    if claim_id is None:
        raise NotFound(_("No such claim line."))
    claim = _locked_in_scope(claim_id, actor)
    line = locks.line_for_update(line_id)
    if claim.submitted_by_id == actor.pk:
        raise PermissionDenied(
            _("You submitted claim {number}: someone else decides on it.").format(
                number=claim.number
            )
        )
    _status(
        claim,
        (
            ClaimStatus.SUBMITTED,
            ClaimStatus.FIRST_REVIEWED,
            ClaimStatus.SECOND_REVIEWED,
            ClaimStatus.IN_NOTICE,
        ),
        _("changed"),
    )
    if not line.active:
        raise InvalidTransition(_("This line is no longer in the claim."))
    _remove_line(claim, line, text, actor)
    return claim


def _remove_line(claim: Claim, line: ClaimLine, reason: str, actor: Actor | None) -> None:
    line.active = False
    line.removed_reason = reason
    line.save(update_fields=["active", "removed_reason"])
    _recount(claim)
    claim.save(update_fields=["total_fen", "updated_at"])
    _audit(
        actor,
        "subsidies.claim.line_removed",
        claim,
        line=line.pk,
        reason=reason,
        total_fen=claim.total_fen,
    )
    notices.tell_people(
        notices.LINE_REMOVED,
        claim.number,
        [(line.person_id, line.amount_fen)],
        target=_target(claim),
    )


# --- holds (fraud) ------------------------------------------------------------------------


def _claims_concerning(
    person_ids: Iterable[int], class_ids: Iterable[int], organization_ids: Iterable[int]
) -> list[int]:
    people, classes, organisations = list(person_ids), list(class_ids), list(organization_ids)
    if not (people or classes or organisations):
        return []
    has_line = ClaimLine.objects.filter(claim=OuterRef("pk"), active=True, person_id__in=people)
    condition = (
        Q(person_id__in=people)
        | Q(training_class_id__in=classes)
        | Q(organization_id__in=organisations)
        | Exists(has_line)
    )
    return list(
        Claim.objects.exclude(status__in=CLOSED_STATUSES)
        .filter(condition)
        .order_by("pk")
        .values_list("pk", flat=True)
    )


def _check_source(source: str) -> str:
    text = (source or "").strip()
    if not text or len(text) > MAX_SOURCE or ":" not in text:
        raise ValidationFailed(_("A hold names its source, e.g. fraud.alert:12."), field="source")
    return text


@transaction.atomic
def hold_claims(
    *,
    person_ids: Iterable[int],
    class_ids: Iterable[int],
    organization_ids: Iterable[int],
    source: str,
    reason: str,
    actor: Actor | None,
) -> int:
    """Hold every open claim of these people, classes or organisations (暂停拨付).

    Idempotent per source: a claim already held by the same source is skipped. Returns how
    many claims were newly held. Called by fraud for an alert (``fraud.alert:<id>``).
    """
    origin = _check_source(source)
    # Never refuse fraud's hold for its wording: a long summary is cut, an empty one named.
    why = (reason or "").strip()[:MAX_TEXT] or origin
    claims = locks.claims_for_update(_claims_concerning(person_ids, class_ids, organization_ids))
    now = timezone.now()
    held = [claim for claim in claims if claim.status not in CLOSED_STATUSES]
    held = [claim for claim in held if _hold(claim, origin, why, actor, now)]
    audit.record_many(
        actor,
        (
            audit.Entry(
                "subsidies.claim.held",
                claim,
                person_id=claim.person_id,
                data={"number": claim.number, "source": origin, "reason": why},
            )
            for claim in held
        ),
    )
    for claim in held:
        notices.tell_people(
            notices.CLAIM_HELD, claim.number, _people_of(claim), target=_target(claim)
        )
    return len(held)


@transaction.atomic
def release_holds(*, source: str, reason: str, actor: Actor | None) -> int:
    """Release every open hold a source placed (an alert cleared); return how many."""
    origin = _check_source(source)
    why = (reason or "").strip()[:MAX_TEXT] or origin
    claim_ids = ClaimHold.objects.filter(source=origin, released_at__isnull=True).values_list(
        "claim_id", flat=True
    )
    claims = locks.claims_for_update(list(claim_ids))
    now = timezone.now()
    released = [claim for claim in claims if _release(claim, origin, why, actor, now)]
    audit.record_many(
        actor,
        (
            audit.Entry(
                "subsidies.claim.released",
                claim,
                person_id=claim.person_id,
                data={"number": claim.number, "source": origin, "reason": why},
            )
            for claim in released
        ),
    )
    return len(released)


def _release(
    claim: Claim, source: str, reason: str, actor: Actor | None, now: datetime.datetime
) -> int:
    return ClaimHold.objects.filter(claim=claim, source=source, released_at__isnull=True).update(
        released_at=now, released_by=actor, release_reason=reason[:2000] or source
    )
