"""Export the ledger (台账导出) as xlsx: one row per entry, as the ledger page filters it.

Who may export: the roles that read the ledger (``view_subsidies``, city-wide: bureau,
reviewers, auditors, finance; an account limited to a region reads no ledger, so it exports
none). The rows go through the scope registry (``LedgerTransaction.objects.visible_to``).

Each transaction gives one row per entry, with the debit or the credit in yuan (two decimals
from the stored fen), so that the sheet's debits and credits of a transaction sum alike.
Times are local. No person is named in the ledger; the memo is written as it was typed,
formula-looking text as a string. The export refuses more than EXPORT_MAX_ROWS entries; its
audit event (who, the filters, how many rows) is committed before the file is handed out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

from django.db import transaction
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability, has_capability
from jineng.core import audit
from jineng.core.errors import NotFound, PermissionDenied
from jineng.core.tabular.workbook import ExportTooLarge, Fen, SheetSpec, local_time, write_workbook
from jineng.funds import access, queries
from jineng.funds.choices import AccountKind, Side, TransactionKind
from jineng.funds.models import LedgerEntry, LedgerTransaction

ACTION = "funds.ledger.exported"
# The most entries one export holds: more must be narrowed by the filters first.
EXPORT_MAX_ROWS = 200_000
# Rows read from the database at a time while the file is written.
CHUNK = 2000
FILTERS = ("year", "source", "kind", "reference")

ENTRY_FIELDS = (
    "transaction_id",
    "transaction__at",
    "transaction__kind",
    "transaction__reference",
    "transaction__budget__source__name",
    "transaction__budget__year",
    "account__kind",
    "side",
    "amount_fen",
    "transaction__actor__username",
    "transaction__memo",
)


def headers() -> list[str]:
    """The header row of the ledger sheet."""
    return [
        _("Transaction number"),
        _("At"),
        _("Kind"),
        _("Reference"),
        _("Fund source"),
        _("Budget year"),
        _("Account"),
        _("Debit (yuan)"),
        _("Credit (yuan)"),
        _("By"),
        _("Memo"),
    ]


def selected_entries(user: Actor, filters: Mapping[str, Any]) -> QuerySet[LedgerEntry]:
    """The entries of the transactions the ledger page shows the user with these filters."""
    shown = queries.transactions(**{k: v for k, v in filters.items() if k in FILTERS})
    visible = LedgerTransaction.objects.visible_to(user).values("pk")
    return LedgerEntry.objects.filter(transaction__in=shown.filter(pk__in=visible)).order_by(
        "-transaction__at", "-transaction_id", "-side", "pk"
    )


def _rows(entries: QuerySet[LedgerEntry]) -> Iterator[list[object]]:
    kinds, accounts = dict(TransactionKind.choices), dict(AccountKind.choices)
    for row in entries.values_list(*ENTRY_FIELDS).iterator(chunk_size=CHUNK):
        number, at, kind, reference, source, year, account, side, amount, actor, memo = row
        yield [
            number,
            local_time(at),
            str(kinds.get(kind, kind)),
            reference,
            source,
            year,
            str(accounts.get(account, account)),
            Fen(amount) if side == Side.DEBIT else "",
            Fen(amount) if side == Side.CREDIT else "",
            actor or _("system"),
            memo,
        ]


def export_ledger(
    user: Actor,
    filters: Mapping[str, Any],
    *,
    max_rows: int | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> tuple[IO[bytes], int]:
    """Write the ledger's entries (the page's cleaned filters) to xlsx; audit; return the file
    and the number of entries. PermissionDenied without view_subsidies; NotFound, like the
    page, for an account whose scope holds no ledger (limited to a region)."""
    if not has_capability(user, Capability.VIEW_SUBSIDIES):
        raise PermissionDenied(_("Your role may not export the ledger."))
    if not access.may_view(user):
        raise NotFound(_("No such page."))
    entries = selected_entries(user, filters)
    limit = EXPORT_MAX_ROWS if max_rows is None else max_rows
    count = entries.count()
    if count > limit:
        raise ExportTooLarge(
            _(
                "{count} ledger entries match, more than the {limit} one export holds. Narrow "
                "the filters, for example by year."
            ).format(count=count, limit=limit),
            count=count,
            limit=limit,
        )
    out, written = write_workbook(
        [SheetSpec(_("Ledger"), headers(), _rows(entries))], on_progress=on_progress
    )
    used = {k: str(v) for k, v in filters.items() if k in FILTERS and v not in (None, "")}
    with transaction.atomic(durable=True):
        audit.record(
            user,
            ACTION,
            object_type="funds.ledgertransaction",
            data={"rows": written[0], "filters": used},
        )
    return out, written[0]
