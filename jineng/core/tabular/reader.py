"""Read an uploaded csv or spreadsheet into a header and numbered rows, within limits.

Every import reads its files here. Row numbers are the ones the user sees in a spreadsheet
(the header is the first row that is not blank; blank rows keep their numbers, and rows a
workbook does not hold are not yielded at all). Anything
that makes the file unreadable as a whole raises ImportFailed before a row is looked at:
too large, empty, neither csv nor a workbook, an encoding other than UTF-8 (with or without
BOM) or GB 18030 (GBK), UTF-16, a workbook that unpacks too large or packs too tightly, or
more rows than the limit (an ods's repeated rows and cells counted as they repeat), or a
legacy .xls (which cannot be checked before it is read whole). xlsx sheets are streamed
(openpyxl's read-only parser), so reading a sheet keeps one row in memory; csv text is at
most the upload limit, and a csv line at most MAX_CSV_LINE bytes.
"""

from __future__ import annotations

import codecs
import csv
import datetime
import hashlib
import hmac
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import IO, Any

from django.utils.translation import gettext as _

from jineng.core import pii
from jineng.core.errors import ImportFailed
from jineng.core.tabular import packing
from jineng.core.tabular.limits import (
    Limits,
    megabytes,
    more_rows_than,
    too_large,
    too_many_columns,
    too_many_rows,
)

# Names the key of upload fingerprints (core.pii.derived_key).
DIGEST_KEY_PURPOSE = b"jineng upload digest"

ZIP_MAGIC = b"PK\x03\x04"
OLE_MAGIC = b"\xd0\xcf\x11\xe0"  # legacy .xls
UTF16_BOMS = (b"\xff\xfe", b"\xfe\xff")
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")
# A file named otherwise (x.pdf, x.docx) is refused by its name; one with no suffix is read.
READ_SUFFIXES = ("", ".csv", ".txt", *WORKBOOK_SUFFIXES)

# One file to import: a filesystem path or an open binary file (an upload).
Source = str | Path | IO[bytes]
Row = tuple[int, list[Any]]


@dataclass
class Sheet:
    """A readable file: its name, fingerprint, header cells and numbered data rows."""

    name: str
    # Keyed (HMAC-SHA256 under a key from the PII master key): a bare hash of a small file
    # of IDs and names could be reversed by trying the few numbers a masked ID leaves.
    digest: str
    header: list[str]
    rows: Iterator[Row]
    estimated_rows: int
    header_row: int = 1


def read_bytes(source: Source, limit: int | None = None) -> tuple[str, bytes]:
    """Return a file's name and content, refusing files over ``limit`` (the upload limit)."""
    limit = Limits.from_settings().max_bytes if limit is None else limit
    if isinstance(source, str | Path):
        path = Path(source)
        try:
            if path.stat().st_size > limit:
                raise too_large(limit)
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
        raise too_large(limit)
    data = source.read(limit + 1)
    if len(data) > limit:
        raise too_large(limit)
    return Path(getattr(source, "name", "") or "upload").name, data


def file_digest(data: bytes) -> str:
    """Fingerprint an uploaded file for the audit trail, keyed so it reveals nothing."""
    return hmac.new(pii.derived_key(DIGEST_KEY_PURPOSE), data, hashlib.sha256).hexdigest()


def open_sheet(
    source: Source,
    *,
    name: str | None = None,
    limits: Limits | None = None,
    typed: bool = False,
) -> Sheet:
    """Read a csv or workbook file into a Sheet, or raise ImportFailed saying why it cannot be.

    ``name`` is the file name to report, when the file on disk has another (a queued upload).
    Rows are lists of text, or with ``typed`` of the values a workbook holds (numbers, dates).
    They are read lazily, and the row and column limits hold while they are read.
    """
    limits = limits or Limits.from_settings()
    file_name, data = read_bytes(source, limits.max_bytes)
    name = name or file_name
    if Path(name).suffix.lower() not in READ_SUFFIXES:
        raise ImportFailed(_("Upload an .xlsx or .csv file."), field="file")
    if not data.strip():
        raise ImportFailed(_("The file is empty."), field="file")
    digest = file_digest(data)
    if data.startswith(ZIP_MAGIC):
        shape = packing.inspect(io.BytesIO(data), limits)
        estimated = shape.rows
        if shape.kind == "xlsx":
            records = _xlsx_records(data, limits)
        else:
            estimated, records = _calamine_records(data, limits)
    elif data.startswith(OLE_MAGIC):
        raise ImportFailed(
            _(
                "{name} is an old-format Excel workbook (.xls), which is not read here; "
                "open it in your spreadsheet program and save it as .xlsx or as csv."
            ).format(name=name),
            field="file",
        )
    else:
        if name.lower().endswith(WORKBOOK_SUFFIXES):
            raise ImportFailed(
                _("{name} is not a valid Excel workbook.").format(name=name), field="file"
            )
        encoding = _encoding(data)
        _check_lines(data)
        estimated = _csv_row_count(data, encoding, limits)
        records = _csv_records(data, encoding)
    numbered = _bounded(records, limits, typed)
    for number, cells in numbered:
        if not is_blank(cells):
            header = [cell_text(c).strip() if typed else c for c in cells]
            return Sheet(name, digest, header, numbered, max(estimated - number, 0), number)
    raise ImportFailed(_("The first row must be the header row naming the columns."), field="file")


def is_blank(cells: list[Any]) -> bool:
    """Whether a row has nothing in it (empty cells or spaces only)."""
    return not any(c is not None and str(c).strip() for c in cells)


class NumberText(str):
    """The text of a cell the workbook stored as a number, not as text.

    A str like any other cell, so every reader of rows works unchanged, but one that can
    still tell the cell was a number: a spreadsheet keeps only 15 significant digits of a
    number, so an 18-digit citizen ID typed into a number cell is already another number
    (220581199001013231 is stored as 2.20581199001013E+17 and read back as
    220581199001012992), and only the cell's type says so.
    """

    __slots__ = ()


def cell_text(value: Any) -> str:
    """Return a cell as the text the user typed (no '.0' on whole numbers, dates as ISO).

    A number cell's text is a NumberText, so an importer can refuse numbers where only text
    is exact (citizen IDs).
    """
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, float):
        return NumberText(int(value) if value.is_integer() else repr(value))
    if isinstance(value, int | Decimal):
        return NumberText(value)
    if isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, datetime.date):
        return value.isoformat()
    return str(value)


def _bounded(records: Iterator[Row], limits: Limits, typed: bool) -> Iterator[Row]:
    """Numbered rows, trailing empty cells dropped, refusing rows and columns over the limits."""
    # Rows with anything in them, the header included.
    filled = 0
    for number, cells in records:
        end = len(cells)
        while end and (cells[end - 1] is None or cells[end - 1] == ""):
            end -= 1
        if end > limits.max_columns:
            raise too_many_columns(number, limits.max_columns)
        if end:
            filled += 1
            if filled > limits.max_rows + 1:
                raise more_rows_than(limits.max_rows)
        row = list(cells[:end])
        yield number, row if typed else [cell_text(c) for c in row]


def _encoding(data: bytes) -> str:
    """The encoding a csv file is in: UTF-8 (with or without BOM) or GB 18030, or refuse it."""
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
            _decodes(data, encoding)
        except UnicodeDecodeError:
            continue
        return encoding
    raise ImportFailed(
        _("The file is neither UTF-8 nor GBK text; save it as 'CSV UTF-8'."), field="file"
    )


# Bytes decoded at a time while a csv's encoding is checked.
DECODE_CHUNK = 256 * 1024


def _decodes(data: bytes, encoding: str) -> None:
    """Raise UnicodeDecodeError unless the whole file decodes; checked a chunk at a time, so
    no decoded copy of a large file is ever held (the rows are decoded as they are read)."""
    decoder = codecs.getincrementaldecoder(encoding)()
    view = memoryview(data)
    for start in range(0, len(view), DECODE_CHUNK):
        decoder.decode(view[start : start + DECODE_CHUNK])
    decoder.decode(b"", final=True)


# Bytes a csv line may have: 100 columns of long addresses take a few thousand. A row is
# built whole before its cells can be counted, and a line of millions of commas is a row of
# millions of cells.
MAX_CSV_LINE = 1024 * 1024


def _check_lines(data: bytes) -> None:
    """Refuse a csv with a line longer than MAX_CSV_LINE bytes (found without copying it)."""
    if len(data) <= MAX_CSV_LINE:
        return
    start = 0
    number = 1
    while (end := data.find(b"\n", start)) >= 0:
        if end - start > MAX_CSV_LINE:
            break
        start = end + 1
        number += 1
    else:
        if len(data) - start <= MAX_CSV_LINE:
            return
    raise ImportFailed(
        _(
            "Line {line} of the csv file is longer than {mb} MB, longer than any row of this "
            "kind; check that the file is the right one."
        ).format(line=number, mb=megabytes(MAX_CSV_LINE)),
        field="file",
    )


def _text(data: bytes, encoding: str) -> io.TextIOWrapper:
    """The csv's text as a stream decoded a chunk at a time (a whole decoded copy of a large
    file would cost several times its size while its rows are prepared)."""
    return io.TextIOWrapper(io.BytesIO(data), encoding=encoding, newline="")


def _csv_row_count(data: bytes, encoding: str, limits: Limits) -> int:
    """The csv's rows, counted exactly (quoted line breaks) only when lines exceed the limit."""
    # A line feed byte is never part of a UTF-8 or GB 18030 multi-byte character.
    lines = data.count(b"\n") + 1
    if lines <= limits.max_rows + 1:
        return lines
    rows = 0
    try:
        for rows, _record in enumerate(csv.reader(_text(data, encoding)), start=1):  # noqa: B007
            pass
    except csv.Error:
        return lines  # reported with its row when the rows are read
    if rows > limits.max_rows + 1:
        raise too_many_rows(rows - 1, limits.max_rows)
    return rows


def _csv_records(data: bytes, encoding: str) -> Iterator[Row]:
    reader = csv.reader(_text(data, encoding), strict=True)
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


def _xlsx_records(data: bytes, limits: Limits) -> Iterator[Row]:
    """Stream the first worksheet's rows (checked by packing.inspect before it is opened).

    openpyxl's read-only parser yields each row's cells as it reads them; rows are built here
    rather than by its worksheet, which pads every row to the width the file declares.
    """
    from openpyxl import load_workbook
    from openpyxl.worksheet._reader import WorkSheetParser

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = book.worksheets[0]
        source = sheet._get_source()
    except Exception as exc:  # noqa: BLE001 - any failure of the parser means an unreadable file
        raise packing.unreadable(exc) from None
    parser = WorkSheetParser(
        source,
        sheet._shared_strings,
        data_only=True,
        epoch=book.epoch,
        date_formats=book._date_formats,
        timedelta_formats=book._timedelta_formats,
    )
    try:
        for number, cells in parser.parse():
            yield number, _xlsx_row(number, cells, limits)
    except ImportFailed:
        raise
    except Exception as exc:  # noqa: BLE001 - a malformed part found while streaming
        raise packing.unreadable(exc) from None
    finally:
        source.close()
        book.close()


def _xlsx_row(number: int, cells: list[dict[str, Any]], limits: Limits) -> list[Any]:
    """A row's values from column A, refusing a value beyond the column limit."""
    values: dict[int, Any] = {}
    for cell in cells:
        value = cell["value"]
        if value is None or value == "":
            continue
        if cell["column"] > limits.max_columns:
            raise too_many_columns(number, limits.max_columns)
        values[cell["column"]] = value
    if not values:
        return []
    row: list[Any] = [None] * max(values)
    for column, value in values.items():
        row[column - 1] = value
    return row


def _calamine_records(data: bytes, limits: Limits) -> tuple[int, Iterator[Row]]:
    """The first sheet of an .ods, whose rows, columns and cells packing.inspect counted
    (repeats included) before calamine builds it whole."""
    from python_calamine import CalamineError, CalamineWorkbook

    try:
        sheet = CalamineWorkbook.from_filelike(io.BytesIO(data)).get_sheet_by_index(0)
    except (CalamineError, ValueError, OSError) as exc:
        raise packing.unreadable(exc) from None
    height = sheet.end[0] + 1 if sheet.end else 0
    if height > limits.max_rows + 1:
        raise too_many_rows(height - 1, limits.max_rows)
    # Rows start at row 1; columns start at the first used one, so pad to column A.
    pad = [None] * (sheet.start[1] if sheet.start else 0)

    def numbered() -> Iterator[Row]:
        try:
            for number, row in enumerate(sheet.iter_rows(), start=1):
                yield number, pad + list(row)
        except (CalamineError, ValueError) as exc:
            raise packing.unreadable(exc) from None

    return height, numbered()
