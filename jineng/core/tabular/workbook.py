"""Write read-only exports as xlsx workbooks: bounded memory, safe cells, money in yuan.

An export is one or more sheets, each a header row and an iterator of rows. The workbook is
openpyxl's write-only kind, which streams each sheet's rows to a temporary file as they are
appended, and it is saved into a spooled temporary file that moves to disk past a few
megabytes: memory stays flat whatever the row count. Text that starts like a formula is
written as a string cell (``xlsx_row``); an amount given as ``Fen`` is written as yuan with
two decimals, exactly (a Decimal, never a float), as a number the spreadsheet can sum.
"""

from __future__ import annotations

import datetime
import tempfile
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import IO

from django.utils import timezone

from jineng.core.errors import ValidationFailed
from jineng.core.tabular.writing import xlsx_row

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# How yuan are shown: thousands grouped, two decimals (1,200.50).
YUAN_FORMAT = "#,##0.00"
# Past this size the finished workbook is kept on disk rather than in memory.
SPOOL_BYTES = 8 * 1024 * 1024
# Exports of more rows than this are written by a background job, not while a page waits.
INLINE_MAX_ROWS = 20_000
# How often a background export reports the rows it has written.
PROGRESS_EVERY = 1000


class ExportTooLarge(ValidationFailed):
    """An export selects more rows than it may write (``count`` of at most ``limit``)."""

    code = "export_too_large"

    def __init__(self, detail: str, *, count: int, limit: int) -> None:
        super().__init__(detail, count=count, limit=limit)
        self.count = count
        self.limit = limit


@dataclass(frozen=True, slots=True)
class Fen:
    """An amount in integer fen, to be written as yuan with two decimals."""

    amount: int


@dataclass(frozen=True)
class SheetSpec:
    """One sheet of an export: its title, its header row and its rows (an iterator)."""

    title: str
    headers: Sequence[str]
    rows: Iterable[Sequence[object]]


def local_time(moment: datetime.datetime | None) -> str:
    """A moment as the local date and time to the second ('' for none)."""
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def local_day(day: datetime.date | datetime.datetime | None) -> str:
    """A day (or the local day of a moment) as YYYY-MM-DD ('' for none)."""
    if day is None:
        return ""
    if isinstance(day, datetime.datetime):
        day = timezone.localtime(day).date()
    return day.isoformat()


def _cells(sheet: object, values: Sequence[object]) -> list[object]:
    from openpyxl.cell import WriteOnlyCell

    row = xlsx_row(sheet, ["" if value is None else value for value in values])
    for position, value in enumerate(row):
        if isinstance(value, Fen):
            cell = WriteOnlyCell(sheet, value=Decimal(value.amount).scaleb(-2))
            cell.number_format = YUAN_FORMAT
            row[position] = cell
    return row


def write_workbook(
    sheets: Iterable[SheetSpec], *, on_progress: Callable[[int], None] | None = None
) -> tuple[IO[bytes], list[int]]:
    """Write the sheets into a new xlsx file; return it (at its start) and each sheet's rows.

    The caller streams the file and closes it (a FileResponse does both). ``on_progress`` is
    told how many rows of all sheets are written, every PROGRESS_EVERY rows.
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    counts: list[int] = []
    written = 0
    for spec in sheets:
        sheet = workbook.create_sheet(spec.title[:31])
        sheet.append(_cells(sheet, list(spec.headers)))
        count = 0
        for values in spec.rows:
            sheet.append(_cells(sheet, values))
            count += 1
            written += 1
            if on_progress is not None and written % PROGRESS_EVERY == 0:
                on_progress(written)
        counts.append(count)
    out = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115 - the caller closes it
    workbook.save(out)
    out.seek(0)
    return out, counts
