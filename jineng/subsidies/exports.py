"""Export the subsidy claims a viewer may read as xlsx (申领导出), for auditors and the bureau.

Who may export: the roles that read every claim of the city (``view_subsidies``: bureau,
reviewers, auditors, finance), each within its data scope (an account limited to a region
gets only the claims of its region, through ``access.claims_for_user``). Claiming staff and
workers read their own claims on the pages but export nothing (PermissionDenied).

Two sheets: the claims with every step of the workflow (who, when), and their lines with
each worker's name masked as on the public notice (公示). No citizen ID or phone is written.
Amounts are yuan with two decimals from the stored fen; times are local. The export refuses
more than EXPORT_MAX_ROWS claims or lines; the file is written a chunk of rows at a time and
its audit event (who, the filters, how many rows) is committed before it is handed out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import IO

from django.db import transaction
from django.db.models import Count, Exists, IntegerField, OuterRef, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability, has_capability
from jineng.core import audit, pii
from jineng.core.errors import PermissionDenied
from jineng.core.tabular.workbook import (
    ExportTooLarge,
    Fen,
    SheetSpec,
    local_day,
    local_time,
    write_workbook,
)
from jineng.funds.models import FundSource
from jineng.subsidies import access
from jineng.subsidies.choices import ClaimStatus, Confirmation, SubsidyKind
from jineng.subsidies.models import Claim, ClaimHold, ClaimLine

ACTION = "subsidies.claims.exported"
# The most claims (or lines) one export holds: more must be narrowed by the filters first.
EXPORT_MAX_ROWS = 100_000
# Rows read from the database at a time while the file is written.
CHUNK = 2000

CLAIM_FIELDS = (
    "number",
    "kind",
    "status",
    "held",
    "organization__name",
    "person__name",
    "training_class__code",
    "year",
    "fund_source",
    "total_fen",
    "people",
    "rule_set__number",
    "submitted_at",
    "submitted_by__username",
    "first_reviewed_at",
    "first_reviewed_by__username",
    "second_reviewed_at",
    "second_reviewed_by__username",
    "notice_starts_on",
    "notice_ends_on",
    "approved_at",
    "approved_by__username",
    "paid_at",
    "paid_by__username",
    "payment_reference",
    "rejected_at",
    "rejection_reasons",
)
LINE_FIELDS = (
    "claim__number",
    "kind",
    "person_id",
    "person__name",
    "amount_fen",
    "active",
    "confirmation",
    "removed_reason",
)


def may_export(user: object) -> bool:
    """Tell whether the user may export claims (view_subsidies)."""
    return has_capability(user, Capability.VIEW_SUBSIDIES)


def claim_headers() -> list[str]:
    """The header row of the claims sheet."""
    return [
        _("Claim number"),
        _("Kind"),
        _("Status"),
        _("On hold"),
        _("Claimed by"),
        _("Class code"),
        _("Budget year"),
        _("Paid from"),
        _("Amount (yuan)"),
        _("People in the claim"),
        _("Rule set"),
        _("Submitted at"),
        _("Submitted by"),
        _("First review at"),
        _("First reviewer"),
        _("Second review at"),
        _("Second reviewer"),
        _("Public notice from"),
        _("Public notice until"),
        _("Approved at"),
        _("Approved by"),
        _("Paid at"),
        _("Paid by"),
        _("Payment batch"),
        _("Rejected at"),
        _("Reasons for rejection"),
    ]


def line_headers() -> list[str]:
    """The header row of the lines sheet."""
    return [
        _("Claim number"),
        _("Kind"),
        _("Person number"),
        _("Name (masked)"),
        _("Amount (yuan)"),
        _("In the claim"),
        _("Worker's confirmation"),
        _("Why it was removed"),
    ]


def selected_claims(user: Actor, filters: Mapping[str, str]) -> QuerySet[Claim]:
    """The claims the list page shows the user with these filters (its scope, its status)."""
    claims = access.claims_for_user(user)
    status = filters.get("status", "")
    if status in ClaimStatus.values:
        claims = claims.filter(status=status)
    return claims.order_by("-submitted_at", "-id")


def _yes(value: bool) -> str:
    return _("Yes") if value else _("No")


def _claim_rows(claims: QuerySet[Claim]) -> Iterator[list[object]]:
    kinds, statuses = dict(SubsidyKind.choices), dict(ClaimStatus.choices)
    sources = dict(FundSource.objects.values_list("code", "name"))
    held = Exists(ClaimHold.objects.filter(claim=OuterRef("pk"), released_at__isnull=True))
    people = (
        ClaimLine.objects.filter(claim=OuterRef("pk"), active=True)
        .order_by()
        .values("claim")
        .annotate(n=Count("pk"))
        .values("n")
    )
    rows = claims.annotate(
        held=held, people=Coalesce(Subquery(people, output_field=IntegerField()), 0)
    ).values_list(*CLAIM_FIELDS)
    for row in rows.iterator(chunk_size=CHUNK):
        (number, kind, status, is_held, organization, worker, class_code, year, source) = row[:9]
        total, people, rule_set, *steps = row[9:]
        claimant = organization or pii.mask_name(worker or "")
        yield [
            number,
            str(kinds.get(kind, kind)),
            str(statuses.get(status, status)),
            _yes(bool(is_held) and status not in (ClaimStatus.PAID, ClaimStatus.REJECTED)),
            claimant,
            class_code or "",
            year,
            sources.get(source, source),
            Fen(total),
            people,
            rule_set,
            local_time(steps[0]),
            steps[1],
            local_time(steps[2]),
            steps[3] or "",
            local_time(steps[4]),
            steps[5] or "",
            local_day(steps[6]),
            local_day(steps[7]),
            local_time(steps[8]),
            steps[9] or "",
            local_time(steps[10]),
            steps[11] or "",
            steps[12],
            local_time(steps[13]),
            steps[14],
        ]


def _line_rows(user: Actor, claims: QuerySet[Claim]) -> Iterator[list[object]]:
    kinds, confirmations = dict(SubsidyKind.choices), dict(Confirmation.choices)
    lines = (
        access.lines_for_user(user)
        .filter(claim__in=claims.values("pk"))
        .order_by("-claim__submitted_at", "-claim_id", "pk")
        .values_list(*LINE_FIELDS)
    )
    for number, kind, person_id, name, amount, active, confirmation, removed in lines.iterator(
        chunk_size=CHUNK
    ):
        yield [
            number,
            str(kinds.get(kind, kind)),
            person_id,
            pii.mask_name(name),
            Fen(amount),
            _yes(active),
            str(confirmations.get(confirmation, confirmation)),
            removed,
        ]


def export_claims(
    user: Actor,
    filters: Mapping[str, str],
    *,
    max_rows: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[IO[bytes], int]:
    """Write the claims the user may read (the list's filters) to xlsx; audit; return the file
    and the number of claims. Refuses roles without view_subsidies and too large exports
    (``max_rows``, EXPORT_MAX_ROWS by default); ``on_progress`` hears of the rows written."""
    if not may_export(user):
        raise PermissionDenied(_("Your role may not export subsidy claims."))
    limit = EXPORT_MAX_ROWS if max_rows is None else max_rows
    claims = selected_claims(user, filters)
    count = claims.count()
    lines = ClaimLine.objects.filter(claim__in=claims.values("pk")).count()
    if max(count, lines) > limit:
        raise ExportTooLarge(
            _(
                "{count} claims with {lines} lines match, more than the {limit} rows one "
                "export holds. Narrow the filters first."
            ).format(count=count, lines=lines, limit=limit),
            count=max(count, lines),
            limit=limit,
        )
    out, written = write_workbook(
        [
            SheetSpec(_("Claims"), claim_headers(), _claim_rows(claims)),
            SheetSpec(_("Claim lines"), line_headers(), _line_rows(user, claims)),
        ],
        on_progress=on_progress,
    )
    used = {key: str(value) for key, value in filters.items() if key == "status" and value}
    with transaction.atomic(durable=True):
        audit.record(
            user,
            ACTION,
            object_type="subsidies.claim",
            data={"rows": written[0], "lines": written[1], "filters": used},
        )
    return out, written[0]
