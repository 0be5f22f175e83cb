"""The report of a people import: its row errors, its counts, and the errors as csv."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from jineng.core.tabular import ErrorLog, csv_row


@dataclass(frozen=True, slots=True)
class RowError:
    """One problem in one row: the row number the user sees, the column header, the reason."""

    row: int
    column: str
    reason: str

    def as_list(self) -> list[Any]:
        return [self.row, self.column, self.reason]


def error_log() -> ErrorLog[RowError]:
    return ErrorLog(key=lambda e: e.row)


@dataclass
class ImportResult:
    """The outcome of an import: counts, the first row errors, and whether anything was written.

    ``errors`` are the first MAX_REPORTED_ERRORS in row order; ``error_count`` and
    ``bad_rows`` count all of them.
    """

    file_name: str
    digest: str
    mode: str
    rows: int = 0
    created: int = 0
    skipped: int = 0
    linked: int = 0
    committed: bool = False
    # Notes on the columns of the file that the importer's role may not fill, ignored.
    notes: list[str] = field(default_factory=list)
    log: ErrorLog[RowError] = field(default_factory=error_log, repr=False)

    @property
    def errors(self) -> list[RowError]:
        """The first row errors, in row order."""
        return self.log.first()

    @property
    def error_count(self) -> int:
        """How many errors the file has in all."""
        return self.log.total

    @property
    def bad_rows(self) -> int:
        """How many distinct rows have at least one error."""
        return self.log.bad_rows

    def summary(self) -> dict[str, Any]:
        """Counts and errors as stored on the Job row and shown by the CLI and job page."""
        return {
            "file_name": self.file_name,
            "digest": self.digest,
            "mode": self.mode,
            "rows": self.rows,
            "created": self.created,
            "skipped": self.skipped,
            "linked": self.linked,
            "bad_rows": self.bad_rows,
            "error_count": self.error_count,
            "errors_shown": min(self.error_count, self.log.keep),
            "committed": self.committed,
            "notes": list(self.notes),
            "errors": [e.as_list() for e in self.errors],
        }


def errors_csv(errors: Iterable[RowError | list[Any]], *, total: int | None = None) -> str:
    """Return row errors as csv text (row, column, reason) with a header, for download.

    ``total`` is how many errors the file has in all; when the rows given are fewer, a last
    row says how many more there are.
    """
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([_("row"), _("column"), _("reason")])
    count = 0
    for error in errors:
        writer.writerow(csv_row(error.as_list() if isinstance(error, RowError) else error))
        count += 1
    if total is not None and total > count:
        writer.writerow(["", "", more_errors(total - count)])
    return out.getvalue()


def more_errors(count: int) -> str:
    """What the error page and csv say of the errors they do not list."""
    return ngettext(
        "… and %(count)d more error, not listed: fix the rows above and import the file "
        "again to see it.",
        "… and %(count)d more errors, not listed: fix the rows above and import the file "
        "again to see them.",
        count,
    ) % {"count": count}
