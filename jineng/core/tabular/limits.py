"""How large an uploaded spreadsheet may be, packed and unpacked, before it is read at all.

The limits come from settings (JINENG_MAX_UPLOAD_BYTES and the JINENG_IMPORT_* values) and
each importer may lower the row limit for its own files (a catalog version, an enrolment
list). A file beyond any of them is refused as a whole, with the limit named, before a
single row is looked at.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from django.conf import settings
from django.http import HttpRequest
from django.utils.translation import gettext as _

from jineng.core.errors import ImportFailed

# A whole city's workforce (about 350,000 people) must fit in one file.
DEFAULT_MAX_ROWS = 500_000
DEFAULT_MAX_COLUMNS = 100
# Cells of an ods sheet, counted as the rectangle from A1 to its last row and column (which
# its reader builds whole, at about 120 bytes a cell): a city's people sheet of 500,000 rows
# and 8 columns fits.
DEFAULT_MAX_CELLS = 4_000_000
# What the parts of an xlsx file may unpack to, together; a 500,000-row people file of
# eight columns unpacks to about 150 MB.
DEFAULT_MAX_UNPACKED_BYTES = 256 * 1024 * 1024
# How many times its packed size a part may unpack to. Spreadsheet programs reach 10 to 30
# on ordinary sheets; files built to exhaust a server's memory reach a thousand.
DEFAULT_MAX_RATIO = 200
# Parts smaller than this are not held to the ratio: a tiny part packs tightly and harms no one.
RATIO_FLOOR_BYTES = 1024 * 1024
# A workbook of more parts than this is not a spreadsheet anyone typed.
MAX_PARTS = 10_000


@dataclass(frozen=True)
class Limits:
    """The bounds a file must keep: bytes uploaded, bytes unpacked, ratio, rows, columns."""

    max_bytes: int
    max_rows: int
    max_columns: int
    max_unpacked_bytes: int
    max_ratio: int
    max_cells: int = DEFAULT_MAX_CELLS

    @classmethod
    def from_settings(cls, **overrides: int) -> Limits:
        """The deployment's limits, with any of them lowered for one kind of file."""
        limits = cls(
            max_bytes=settings.JINENG_MAX_UPLOAD_BYTES,
            max_rows=getattr(settings, "JINENG_IMPORT_MAX_ROWS", DEFAULT_MAX_ROWS),
            max_columns=getattr(settings, "JINENG_IMPORT_MAX_COLUMNS", DEFAULT_MAX_COLUMNS),
            max_unpacked_bytes=getattr(
                settings, "JINENG_IMPORT_MAX_UNPACKED_BYTES", DEFAULT_MAX_UNPACKED_BYTES
            ),
            max_ratio=getattr(settings, "JINENG_IMPORT_MAX_RATIO", DEFAULT_MAX_RATIO),
            max_cells=getattr(settings, "JINENG_IMPORT_MAX_CELLS", DEFAULT_MAX_CELLS),
        )
        return replace(limits, **overrides)


def megabytes(size: int) -> float:
    return round(size / 1024 / 1024, 1)


def too_large(limit: int) -> ImportFailed:
    return ImportFailed(
        _("The file is larger than the limit of {mb} MB; split it into smaller files.").format(
            mb=megabytes(limit)
        ),
        field="file",
    )


def too_many_rows(rows: int, limit: int) -> ImportFailed:
    return ImportFailed(
        _("The file has {n} rows; at most {max} are imported at once.").format(n=rows, max=limit),
        field="file",
    )


def more_rows_than(limit: int) -> ImportFailed:
    return ImportFailed(
        _("The file has more than {max} rows; at most {max} are imported at once.").format(
            max=limit
        ),
        field="file",
    )


def too_many_cells(limit: int) -> ImportFailed:
    return ImportFailed(
        _(
            "The sheet spans more than {max} cells (its rows times its columns, counting "
            "repeated rows and cells); save it as csv or xlsx, or split it into smaller files."
        ).format(max=limit),
        field="file",
    )


def too_many_columns(row: int, limit: int) -> ImportFailed:
    return ImportFailed(
        _(
            "Row {row} has cells beyond column {max}; a file may have at most {max} columns. "
            "Delete the columns that are not needed."
        ).format(row=row, max=limit),
        field="file",
    )


# Room in a multipart body for a form's other fields and the parts' headers.
MULTIPART_SLACK = 1024 * 1024


def upload_too_large(request: HttpRequest, limit: int | None = None) -> bool:
    """Whether a request's declared body is larger than any file it may carry (checked
    before the body is read, so an oversized upload is refused without being stored)."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False
    limit = Limits.from_settings().max_bytes if limit is None else limit
    return length > limit + MULTIPART_SLACK
