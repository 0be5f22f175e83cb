"""Payment batches: the lines a batch pays, their checks, and payment files as data.

A payment file's layout (columns, header, encoding, delimiter, CSV or xlsx) is data in
data/payment_layouts.json. The layouts shipped are examples, not any bank's format: a
finance bureau adds the one its bank asks for. A file is written from the batch's recorded
payments only, so nothing is marked paid that is not in the file.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.core.errors import Conflict, ValidationFailed
from jineng.core.money import format_yuan
from jineng.funds.choices import CommitmentStatus, TransactionKind
from jineng.funds.errors import PaymentRefused, UnknownLayout
from jineng.funds.models import Commitment, LedgerTransaction, Payment, PaymentBatch

LAYOUTS_FILE = Path(__file__).parent / "data" / "payment_layouts.json"
MAX_LINES = 10_000


@dataclass(frozen=True)
class PaymentLine:
    """One payment to make: the reference it pays, to whom, which account, how much."""

    reference: str
    payee_name: str
    payee_account: str
    bank: str
    amount_fen: int
    memo: str = ""


@dataclass(frozen=True)
class Column:
    """A column of a payment file: a field of the payment and its title."""

    field: str
    title: str


@dataclass(frozen=True)
class PaymentFileLayout:
    """How a bank wants a payment file (a layout as data, not code)."""

    code: str
    name: str
    format: str
    encoding: str
    delimiter: str
    header: bool
    columns: tuple[Column, ...]
    is_example: bool


FIELDS: dict[str, Callable[[Payment], Any]] = {
    "index": lambda p: p.index,
    "batch_reference": lambda p: p.batch.reference,
    "reference": lambda p: p.reference,
    "payee_name": lambda p: p.payee_name,
    "payee_account": lambda p: p.payee_account,
    "bank": lambda p: p.bank,
    "amount_fen": lambda p: p.amount_fen,
    "amount_yuan": lambda p: format_yuan(p.amount_fen, grouping=False),
    "memo": lambda p: p.memo,
}


def _layout(row: Mapping[str, Any]) -> PaymentFileLayout:
    columns = tuple(Column(c["field"], c["title"]) for c in row["columns"])
    unknown = [c.field for c in columns if c.field not in FIELDS]
    if unknown or row["format"] not in {"csv", "xlsx"}:
        raise ValidationFailed(f"Payment layout {row['code']}: unknown {unknown or row['format']}")
    return PaymentFileLayout(
        code=row["code"],
        name=row["name"],
        format=row["format"],
        encoding=row.get("encoding") or "utf-8",
        delimiter=row.get("delimiter") or ",",
        header=bool(row.get("header", True)),
        columns=columns,
        is_example=bool(row.get("is_example", False)),
    )


@lru_cache(maxsize=4)
def layouts(path: Path = LAYOUTS_FILE) -> dict[str, PaymentFileLayout]:
    """Return every payment file layout of the data file, by code."""
    data = json.loads(path.read_text(encoding="utf-8"))
    return {row["code"]: _layout(row) for row in data["layouts"]}


def get_layout(code: str) -> PaymentFileLayout:
    """Return a layout by code, or UnknownLayout."""
    found = layouts().get(code)
    if found is None:
        raise UnknownLayout(_("No payment file layout has the code {code}.").format(code=code))
    return found


def _rows(batch: PaymentBatch, layout: PaymentFileLayout) -> list[list[Any]]:
    found = Payment.objects.filter(batch=batch).select_related("batch").order_by("index")
    body = [[FIELDS[c.field](p) for c in layout.columns] for p in found]
    return ([[c.title for c in layout.columns]] if layout.header else []) + body


def render(batch: PaymentBatch, layout: PaymentFileLayout) -> bytes:
    """Write the batch's payments in the layout."""
    rows = _rows(batch, layout)
    if layout.format == "xlsx":
        from openpyxl import Workbook

        book = Workbook()
        sheet = book.active
        assert sheet is not None
        sheet.title = batch.reference[:31] or "payments"
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        book.save(out)
        return out.getvalue()
    text = io.StringIO()
    writer = csv.writer(text, delimiter=layout.delimiter, lineterminator="\r\n")
    writer.writerows(rows)
    return text.getvalue().encode(layout.encoding)


def check_shape(lines: Sequence[PaymentLine], batch_reference: str) -> None:
    """Refuse a batch with no reference, one already used, no lines or too many."""
    if not batch_reference.strip() or len(batch_reference) > 100:
        raise ValidationFailed(
            _("A payment batch needs a reference of at most 100 characters."),
            field="batch_reference",
        )
    if PaymentBatch.objects.filter(reference=batch_reference).exists():
        raise Conflict(
            _("Payment batch {reference} exists already.").format(reference=batch_reference),
            field="batch_reference",
        )
    if not lines or len(lines) > MAX_LINES:
        raise ValidationFailed(
            _("A payment batch has from 1 to {n} lines.").format(n=MAX_LINES), field="lines"
        )


def _approvers(references: Sequence[str]) -> dict[str, int | None]:
    rows = LedgerTransaction.objects.filter(
        kind=TransactionKind.COMMITMENT, reference__in=references
    ).order_by("at", "pk")
    return {reference: actor_id for reference, actor_id in rows.values_list("reference", "actor")}


def _shape_problem(line: PaymentLine) -> str | None:
    if not line.payee_name.strip() or len(line.payee_name) > 200:
        return _("the payee's name is missing or too long")
    account = line.payee_account.replace(" ", "")
    if not account.isdigit() or not 8 <= len(account) <= 34:
        return _("the payee's account number must be 8 to 34 digits")
    if not line.bank.strip() or len(line.bank) > 200:
        return _("the bank is missing or too long")
    if len(line.memo) > 200:
        return _("the memo is longer than 200 characters")
    if not isinstance(line.amount_fen, int) or line.amount_fen <= 0:
        return _("the amount must be more than zero fen")
    return None


def _line_problem(
    line: PaymentLine, commitment: Commitment | None, approver: int | None, actor: Actor | None
) -> str | None:
    problem = _shape_problem(line)
    if problem:
        return problem
    if commitment is None:
        return _("nothing is committed to this reference")
    if commitment.status == CommitmentStatus.PAID:
        return _("already paid")
    if commitment.status != CommitmentStatus.OPEN:
        return _("the commitment was released")
    if line.amount_fen != commitment.amount_fen:
        return _("the amount {asked} yuan differs from the {committed} yuan committed").format(
            asked=format_yuan(line.amount_fen), committed=format_yuan(commitment.amount_fen)
        )
    if actor is not None and approver is not None and approver == actor.pk:
        return _("the account that approved the payment may not pay it")
    return None


def check_lines(
    lines: Sequence[PaymentLine], commitments: Mapping[str, Commitment], actor: Actor | None
) -> None:
    """Check every line (all of them, not the first wrong one) or raise PaymentRefused."""
    approvers = _approvers([line.reference for line in lines])
    problems: list[tuple[int, str, str]] = []
    seen: set[str] = set()
    for index, line in enumerate(lines, start=1):
        if line.reference in seen:
            problems.append((index, line.reference, _("the reference appears twice")))
            continue
        seen.add(line.reference)
        reason = _line_problem(
            line, commitments.get(line.reference), approvers.get(line.reference), actor
        )
        if reason:
            problems.append((index, line.reference, reason))
    if problems:
        raise PaymentRefused(problems)
