"""Reads of subsidy claims: review queues, the public notice, a worker's record, and what
fraud asks (which paid claims concern an alert's people, classes or organisations).

Pages and the API read claims through access.py (the viewer's scope); the functions here
that take a viewer apply it, and those that take none (``paid_claims_for``, the public
notice) are for the system and for the public page, which shows masked names only.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet, Sum
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.accounts.roles import Capability, has_capability
from jineng.core import pii
from jineng.core.money import format_yuan
from jineng.people.models import Person
from jineng.people.queries import RecordEntry, RecordScope
from jineng.subsidies import access
from jineng.subsidies.choices import CLOSED_STATUSES, ClaimStatus, Confirmation, ObjectionStatus
from jineng.subsidies.models import Claim, ClaimHold, ClaimLine, Objection

# The steps of the workflow, as queues and pages name them.
FIRST_REVIEW = "first_review"
SECOND_REVIEW = "second_review"
START_NOTICE = "start_notice"
APPROVE = "approve"
PAY = "pay"
REJECT = "reject"


def _open_hold() -> Exists:
    return Exists(ClaimHold.objects.filter(claim=OuterRef("pk"), released_at__isnull=True))


def _open_objection() -> Exists:
    return Exists(Objection.objects.filter(claim=OuterRef("pk"), status=ObjectionStatus.OPEN))


def _unconfirmed_line() -> Exists:
    return Exists(
        ClaimLine.objects.filter(claim=OuterRef("pk"), active=True).exclude(
            confirmation=Confirmation.CONFIRMED
        )
    )


def _not_taken_by(user: Viewer, *fields: str) -> Q:
    """Claims none of whose given steps the user took (separation of duties)."""
    condition = Q()
    for field in fields:
        condition &= Q(**{f"{field}__isnull": True}) | ~Q(**{field: user.pk})
    return condition


def queue(user: Viewer, step: str) -> QuerySet[Claim]:
    """The claims waiting for one step that the user may take now (oldest first)."""
    claims = access.claims_for_user(user).order_by("submitted_at", "pk")
    today = timezone.localdate()
    if step == FIRST_REVIEW and has_capability(user, Capability.REVIEW_CLAIMS):
        return claims.filter(status=ClaimStatus.SUBMITTED).filter(
            _not_taken_by(user, "submitted_by")
        )
    if step == SECOND_REVIEW and has_capability(user, Capability.REVIEW_CLAIMS):
        return claims.filter(status=ClaimStatus.FIRST_REVIEWED).filter(
            _not_taken_by(user, "submitted_by", "first_reviewed_by")
        )
    if step == START_NOTICE and (
        has_capability(user, Capability.REVIEW_CLAIMS)
        or has_capability(user, Capability.APPROVE_CLAIMS)
    ):
        return claims.filter(status=ClaimStatus.SECOND_REVIEWED)
    if step == APPROVE and has_capability(user, Capability.APPROVE_CLAIMS):
        return (
            claims.filter(status=ClaimStatus.IN_NOTICE, notice_ends_on__lt=today)
            .filter(_not_taken_by(user, "submitted_by", "first_reviewed_by", "second_reviewed_by"))
            .exclude(_open_hold())
            .exclude(_open_objection())
            .exclude(_unconfirmed_line())
        )
    if step == PAY and has_capability(user, Capability.PAY_CLAIMS):
        return (
            claims.filter(status=ClaimStatus.APPROVED)
            .filter(
                _not_taken_by(
                    user, "submitted_by", "first_reviewed_by", "second_reviewed_by", "approved_by"
                )
            )
            .exclude(_open_hold())
            .exclude(_open_objection())
        )
    return claims.none()


def queues(user: Viewer) -> dict[str, QuerySet[Claim]]:
    """Every queue of steps the user may take, by step (empty queues left out)."""
    steps = (FIRST_REVIEW, SECOND_REVIEW, START_NOTICE, APPROVE, PAY)
    found = {step: queue(user, step) for step in steps}
    return {step: rows for step, rows in found.items() if rows.exists()}


def held_or_waiting(user: Viewer) -> QuerySet[Claim]:
    """Claims in the user's scope that are held or have open objections (to work on)."""
    return (
        access.claims_for_user(user)
        .exclude(status__in=(ClaimStatus.PAID, ClaimStatus.REJECTED))
        .filter(_open_hold() | _open_objection())
        .order_by("submitted_at", "pk")
    )


def open_objections(user: Viewer) -> QuerySet[Objection]:
    """The open objections the user may resolve (reviewers, the bureau)."""
    if not (
        has_capability(user, Capability.REVIEW_CLAIMS)
        or has_capability(user, Capability.APPROVE_CLAIMS)
    ):
        return Objection.objects.none()
    return (
        access.objections_for_user(user)
        .filter(status=ObjectionStatus.OPEN)
        .order_by("raised_at", "pk")
    )


def next_steps(claim: Claim, user: Viewer) -> list[str]:
    """The steps the user may take on this claim now (the page's buttons)."""
    steps = [step for step in (FIRST_REVIEW, SECOND_REVIEW, START_NOTICE, APPROVE, PAY)]
    found = [step for step in steps if queue(user, step).filter(pk=claim.pk).exists()]
    if claim.status not in (ClaimStatus.PAID, ClaimStatus.REJECTED) and claim.submitted_by_id != (
        user.pk
    ):
        may_reject = has_capability(user, Capability.APPROVE_CLAIMS) or (
            has_capability(user, Capability.REVIEW_CLAIMS) and claim.status != ClaimStatus.APPROVED
        )
        if may_reject:
            found.append(REJECT)
    return found


# --- the public notice (公示) --------------------------------------------------------------


def claims_in_force() -> QuerySet[Claim]:
    """The claims in public notice today (公示中): the public page lists these."""
    today = timezone.localdate()
    return (
        Claim.objects.filter(
            status=ClaimStatus.IN_NOTICE, notice_starts_on__lte=today, notice_ends_on__gte=today
        )
        .select_related("organization", "training_class")
        .order_by("notice_ends_on", "number")
    )


@dataclass(frozen=True)
class NoticeRow:
    """One line of a claim in public notice: the name masked, the amount."""

    name: str
    amount_fen: int


def notice_rows(claim: Claim) -> list[NoticeRow]:
    """The active lines of a claim in notice, names masked (the public sees no more)."""
    rows = claim.lines.filter(active=True).select_related("person").order_by("pk")
    return [NoticeRow(pii.mask_name(line.person.name), line.amount_fen) for line in rows]


# --- a worker's record --------------------------------------------------------------------


def lines_for_person(person: Person) -> QuerySet[ClaimLine]:
    """Every claim line in a person's name (their record page), newest claim first."""
    return (
        ClaimLine.objects.filter(person=person)
        .select_related("claim", "claim__organization", "claim__training_class")
        .order_by("-claim__submitted_at", "-pk")
    )


def holds_for_person(person: Person) -> QuerySet[ClaimHold]:
    """The open holds on claims with a line in the person's name: why they are held."""
    has_line = ClaimLine.objects.filter(claim=OuterRef("claim_id"), person=person)
    return (
        ClaimHold.objects.filter(released_at__isnull=True)
        .filter(Q(claim__person=person) | Q(Exists(has_line)))
        .select_related("claim")
        .order_by("placed_at", "pk")
    )


# --- fraud's questions --------------------------------------------------------------------


def paid_claims_for(
    person_ids: Iterable[int] = (),
    class_ids: Iterable[int] = (),
    organization_ids: Iterable[int] = (),
) -> Iterator[tuple[str, int]]:
    """The paid claims concerning people, classes or organisations: ``(reference, fen)``.

    A claim of a class or organisation named counts whole, as does a worker's own claim;
    otherwise only the lines of the people named (what a recovery may ask back).
    """
    people, classes, organisations = list(person_ids), list(class_ids), list(organization_ids)
    if not (people or classes or organisations):
        return
    whole = (
        Q(training_class_id__in=classes)
        | Q(organization_id__in=organisations)
        | Q(person_id__in=people)
    )
    paid = Claim.objects.filter(status=ClaimStatus.PAID)
    seen: set[int] = set()
    for pk, total in paid.filter(whole).order_by("pk").values_list("pk", "total_fen"):
        seen.add(pk)
        yield f"subsidies.claim:{pk}", int(total)
    if not people:
        return
    parts = (
        ClaimLine.objects.filter(claim__status=ClaimStatus.PAID, active=True, person_id__in=people)
        .exclude(claim_id__in=seen)
        .values("claim_id")
        .annotate(fen=Sum("amount_fen"))
        .order_by("claim_id")
    )
    for row in parts:
        yield f"subsidies.claim:{row['claim_id']}", int(row["fen"])


# --- the lifelong record ------------------------------------------------------------------


def record_entries(person: Person, scope: RecordScope) -> list[RecordEntry]:
    """Every claim line in the person's name for the lifelong record (培训电子档案): the
    subsidy, its amount and where the claim stands, and whether it is held.

    An organisation's scope keeps only the claims it filed; the worker's own claims (a skill
    upgrade) have no organisation, so only the worker and city-wide viewers see them.
    """
    lines = scope.by_organization(
        lines_for_person(person).filter(active=True), "claim__organization_id"
    ).annotate(held=Exists(ClaimHold.objects.filter(claim=OuterRef("claim_id"), released_at=None)))
    entries = []
    for line in lines:
        claim = line.claim
        held = line.held and claim.status not in CLOSED_STATUSES
        status = _("held") if held else claim.get_status_display()
        entries.append(
            RecordEntry(
                day=timezone.localdate(claim.paid_at or claim.submitted_at),
                kind=f"subsidies.{claim.kind}",
                title=_("{kind}, {amount}: {status} (claim {number})").format(
                    kind=claim.get_kind_display(),
                    amount=format_yuan(line.amount_fen),
                    status=status,
                    number=claim.number,
                ),
                details={
                    "claim": claim.number,
                    "status": claim.status,
                    "held": held,
                    "amount_fen": line.amount_fen,
                    "confirmation": line.confirmation,
                    "links": [
                        {
                            "label": _("Your subsidies"),
                            "url": reverse("subsidies:my_subsidies"),
                            "holder_only": True,
                        }
                    ],
                },
            )
        )
    return entries
