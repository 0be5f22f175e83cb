"""Read an uploaded people file (csv or xlsx) into a header and numbered rows.

Row numbers are the ones the user sees in a spreadsheet: the header is row 1 and blank rows
keep their numbers. Anything that makes the file unreadable as a whole (too large, empty,
not csv or xlsx, an encoding that is neither UTF-8 nor GBK) raises ImportFailed before a
single row is looked at.
"""

from __future__ import annotations

import csv
import datetime
import hashlib
import hmac
import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

from django.conf import settings
from django.utils.translation import gettext as _

from jineng.core import pii
from jineng.core.errors import DomainError

# Names the key of upload fingerprints (core.pii.derived_key).
DIGEST_KEY_PURPOSE = b"jineng upload digest"

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")

# One file to import: a filesystem path or an open binary file (an upload).
Source = str | Path | IO[bytes]


class ImportFailed(DomainError):
    """The file as a whole cannot be imported; nothing was written."""

    code = "import_failed"


@dataclass
class Sheet:
    """A readable file: its name, fingerprint, header cells and numbered data rows."""

    name: str
    # Keyed (HMAC-SHA256 under a key from the PII master key): a bare hash of a small file
    # of IDs and names could be reversed by trying the few numbers a masked ID leaves.
    digest: str
    header: list[str]
    rows: Iterator[tuple[int, list[str]]]
    estimated_rows: int


def read_bytes(source: Source) -> tuple[str, bytes]:
    """Return a file's name and content, refusing files over JINENG_MAX_UPLOAD_BYTES."""
    limit = settings.JINENG_MAX_UPLOAD_BYTES
    too_big = ImportFailed(
        _("The file is larger than the limit of {mb} MB; split it into smaller files.").format(
            mb=round(limit / 1024 / 1024, 1)
        ),
        field="file",
    )
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            if path.stat().st_size > limit:
                raise too_big
            return path.name, path.read_bytes()
        except OSError as exc:
            raise ImportFailed(
                _("The file {name} cannot be read: {reason}.").format(
                    name=path.name, reason=exc.strerror or exc
                ),
                field="file",
            ) from None
    size = getattr(source, "size", None)
    if size is not None and size > limit:
        raise too_big
    data = source.read(limit + 1)
    if len(data) > limit:
        raise too_big
    return Path(getattr(source, "name", "") or "upload").name, data


def file_digest(data: bytes) -> str:
    """Fingerprint an uploaded file for the audit trail, keyed so it reveals nothing."""
    return hmac.new(pii.derived_key(DIGEST_KEY_PURPOSE), data, hashlib.sha256).hexdigest()


def open_sheet(source: Source, *, name: str | None = None) -> Sheet:
    """Read a csv or xlsx file into a Sheet, or raise ImportFailed saying why it cannot be.

    ``name`` is the file name to report, when the file on disk has another (a queued upload).
    Rows are read lazily: checking the header of a large file reads little beyond it.
    """
    file_name, data = read_bytes(source)
    name = name or file_name
    if not data.strip():
        raise ImportFailed(_("The file is empty."), field="file")
    digest = file_digest(data)
    if data.startswith((ZIP_MAGIC, OLE_MAGIC)):
        estimated, numbered = _workbook_records(data)
    else:
        if name.lower().endswith((".xlsx", ".xls")):
            raise ImportFailed(
                _("{name} is not a valid Excel workbook.").format(name=name), field="file"
            )
        text = _decode(data)
        estimated = text.count("\n") + 1
        numbered = _csv_records(text)
    first = next(numbered, None)
    if first is None or not any(cell.strip() for cell in first[1]):
        raise ImportFailed(
            _("The first row must be the header row naming the columns."), field="file"
        )
    return Sheet(name, digest, first[1], numbered, max(estimated - 1, 0))


def _decode(data: bytes) -> str:
    if data.startswith(UTF16_BOMS) or b"\x00" in data:
        raise ImportFailed(
            _(
                "The file is not a csv text file (it contains binary or UTF-16 data); "
                "save it as 'CSV UTF-8' or as an xlsx workbook."
            ),
            field="file",
        )
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise ImportFailed(
        _("The file is neither UTF-8 nor GBK text; save it as 'CSV UTF-8'."), field="file"
    )


def _csv_records(text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0
    try:
        for number, record in enumerate(reader, start=1):  # noqa: B007 - used after the loop
            yield number, record
    except csv.Error as exc:
        raise ImportFailed(
            _("The csv file is malformed at row {row}: {reason}.").format(
                row=number + 1, reason=exc
            ),
            field="file",
        ) from None


def _workbook_records(data: bytes) -> tuple[int, Iterator[tuple[int, list[str]]]]:
    """Return the first sheet's row count and its numbered rows, as a spreadsheet shows them."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    except (CalamineError, ValueError, OSError) as exc:
        raise _unreadable_workbook(exc) from None
    # Rows start at row 1; columns start at the first used one, so pad to column A.
    pad = [""] * (sheet.start[1] if sheet.start else 0)

    def numbered() -> Iterator[tuple[int, list[str]]]:
        try:
            for number, row in enumerate(sheet.iter_rows(), start=1):
                yield number, pad + [_cell_text(value) for value in row]
        except (CalamineError, ValueError) as exc:
            raise _unreadable_workbook(exc) from None

    return (sheet.end[0] + 1 if sheet.end else 0), numbered()


def _unreadable_workbook(reason: Exception) -> ImportFailed:
    return ImportFailed(
        _("The file is not a readable Excel workbook ({reason}).").format(reason=reason),
        field="file",
    )


def _cell_text(value: Any) -> str:
    """Return a spreadsheet cell as the text the user typed (no '.0' on whole numbers)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value)
