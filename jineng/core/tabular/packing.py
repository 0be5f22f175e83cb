"""Look inside a zipped workbook (xlsx, ods) before any spreadsheet library opens it.

A workbook is a zip of XML parts. A hostile one declares or holds parts that unpack to
gigabytes, or millions of rows in a few hundred kilobytes. Every part's declared size and
compression ratio is checked first; then every part is unpacked once as a stream, without
keeping it, so the sizes actually unpacked are counted (and the zip's checksums checked),
and the rows of the first worksheet are counted on the way. Memory stays at one chunk.
"""

from __future__ import annotations

import posixpath
import re
import zipfile
from dataclasses import dataclass
from typing import IO
from xml.etree import ElementTree
from xml.parsers import expat

from django.utils.translation import gettext as _

from jineng.core.errors import ImportFailed
from jineng.core.tabular.limits import (
    MAX_PARTS,
    RATIO_FLOOR_BYTES,
    Limits,
    megabytes,
    more_rows_than,
    too_many_cells,
    too_many_columns,
    too_many_rows,
)

CHUNK = 1024 * 1024
# Parts the reader holds in memory whole (its shared strings and styles), each bounded on its
# own: a part of millions of tiny strings costs far more in memory than it unpacks to.
# A whole city's people sheet saved by Excel holds about 30 MB of shared strings.
HELD_PARTS = {
    "xl/sharedStrings.xml": 32 * 1024 * 1024,
    "xl/styles.xml": 16 * 1024 * 1024,
}
# The parts that name the first worksheet are small; a larger one is not a workbook's.
SMALL_PART = 4 * 1024 * 1024
# A row element, with or without a namespace prefix: <row r="2"> or <x:row r="2">.
ROW_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?row[\s/>]")
# A shared string: <si>, with or without a namespace prefix.
SHARED_STRING_TAG = re.compile(rb"<(?:[A-Za-z_][\w.-]*:)?si[\s/>]")
SHARED_STRINGS = "xl/sharedStrings.xml"
# Strings a workbook may share: each costs the reader an object held for the whole read, so
# a few megabytes of tiny strings cost hundreds. A city's people sheet has about a million.
MAX_SHARED_STRINGS = 1_500_000
TABLE_NS = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
OFFICE_NS = "urn:oasis:names:tc:opendocument:xmlns:office:1.0"
CELL_TAGS = frozenset((f"{TABLE_NS} table-cell", f"{TABLE_NS} covered-table-cell"))
TABLE_TAG = f"{TABLE_NS} table"
TABLE_ROW_TAG = f"{TABLE_NS} table-row"
ROWS_REPEATED = f"{TABLE_NS} number-rows-repeated"
COLUMNS_REPEATED = f"{TABLE_NS} number-columns-repeated"
VALUE_TYPE = f"{OFFICE_NS} value-type"


@dataclass(frozen=True)
class Packing:
    """What the zip holds: whether it is an xlsx or an ods, and the first sheet's rows."""

    kind: str  # "xlsx" or "ods"
    rows: int


def unreadable(reason: object) -> ImportFailed:
    return ImportFailed(
        _("The file is not a readable Excel workbook ({reason}).").format(reason=reason),
        field="file",
    )


def unpacks_too_large(limits: Limits) -> ImportFailed:
    return ImportFailed(
        _(
            "The workbook unpacks to more than {mb} MB, more than any sheet of this kind "
            "needs; split it into smaller files or save it as csv."
        ).format(mb=megabytes(limits.max_unpacked_bytes)),
        field="file",
    )


def packed_too_tightly(part: str, ratio: int, limits: Limits) -> ImportFailed:
    return ImportFailed(
        _(
            "The workbook is packed unusually tightly: its part {part} unpacks to {ratio} times "
            "its size (at most {max} is allowed), as files made to overload a server are. "
            "Save it again from your spreadsheet program, or as csv."
        ).format(part=part, ratio=ratio, max=limits.max_ratio),
        field="file",
    )


def inspect(stream: IO[bytes], limits: Limits) -> Packing:
    """Check a zipped workbook's sizes, ratio and rows against ``limits``; raise ImportFailed."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, OSError, ValueError) as exc:
        raise unreadable(exc) from None
    with archive:
        parts = archive.infolist()
        _check_declared(parts, limits)
        kind, sheet = _first_sheet(archive)
        rows = _unpack_all(archive, parts, sheet, kind, limits)
    if rows > limits.max_rows + 1:  # the header row is not a data row
        raise too_many_rows(rows - 1, limits.max_rows)
    return Packing(kind, rows)


def _check_declared(parts: list[zipfile.ZipInfo], limits: Limits) -> None:
    if len(parts) > MAX_PARTS:
        raise unreadable(_("{n} parts").format(n=len(parts)))
    if sum(part.file_size for part in parts) > limits.max_unpacked_bytes:
        raise unpacks_too_large(limits)
    for part in parts:
        _check_ratio(part.filename, part.file_size, part.compress_size, limits)
        _check_held(part.filename, part.file_size)


def _check_held(name: str, unpacked: int) -> None:
    held = HELD_PARTS.get(name)
    if held is not None and unpacked > held:
        raise ImportFailed(
            _(
                "The workbook's part {part} unpacks to more than {mb} MB, more than a sheet "
                "of this kind needs; save the sheet as csv, or split it into smaller files."
            ).format(part=name, mb=megabytes(held)),
            field="file",
        )


def _check_ratio(name: str, unpacked: int, packed: int, limits: Limits) -> None:
    if unpacked > RATIO_FLOOR_BYTES and unpacked > limits.max_ratio * max(packed, 1):
        raise packed_too_tightly(name, unpacked // max(packed, 1), limits)


def _read_small(archive: zipfile.ZipFile, name: str) -> bytes | None:
    try:
        info = archive.getinfo(name)
    except KeyError:
        return None
    if info.file_size > SMALL_PART:
        raise unreadable(_("{part} is too large").format(part=name))
    try:
        with archive.open(info) as part:
            return part.read(SMALL_PART + 1)[:SMALL_PART]
    except (zipfile.BadZipFile, OSError, RuntimeError, ValueError) as exc:
        raise unreadable(exc) from None


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _first_sheet(archive: zipfile.ZipFile) -> tuple[str, str]:
    """Return the kind of workbook and the path of the part holding its first sheet."""
    names = set(archive.namelist())
    if "content.xml" in names and "xl/workbook.xml" not in names:
        return "ods", "content.xml"
    workbook = _read_small(archive, "xl/workbook.xml")
    rels = _read_small(archive, "xl/_rels/workbook.xml.rels")
    if workbook is None or rels is None:
        raise unreadable(_("it has no workbook part"))
    try:
        sheets = [e for e in ElementTree.fromstring(workbook).iter() if _local(e.tag) == "sheet"]
        links = {
            e.get("Id"): e.get("Target", "")
            for e in ElementTree.fromstring(rels).iter()
            if _local(e.tag) == "Relationship"
        }
    except ElementTree.ParseError as exc:
        raise unreadable(exc) from None
    if not sheets:
        raise unreadable(_("it has no sheet"))
    link = next((v for k, v in sheets[0].attrib.items() if _local(k) == "id"), None)
    target = links.get(link, "")
    if not target:
        raise unreadable(_("its first sheet is missing"))
    path = target.lstrip("/") if target.startswith("/") else posixpath.join("xl", target)
    return "xlsx", posixpath.normpath(path)


def _unpack_all(
    archive: zipfile.ZipFile,
    parts: list[zipfile.ZipInfo],
    sheet: str,
    kind: str,
    limits: Limits,
) -> int:
    """Unpack every part once, counting bytes and the first sheet's rows; return the rows.

    The rows are counted to the end (the unpacked size bounds the work), so a refusal says
    how many the file has.
    """
    total = 0
    rows = 0
    for info in parts:
        if info.is_dir():
            continue
        counter: _RowCounter | _OdsCounter | None = None
        if info.filename == sheet:
            counter = _OdsCounter(limits) if kind == "ods" else _RowCounter(ROW_TAG)
        elif kind == "xlsx" and info.filename == SHARED_STRINGS:
            counter = _RowCounter(SHARED_STRING_TAG)
        unpacked = 0
        try:
            with archive.open(info) as part:
                while chunk := part.read(CHUNK):
                    unpacked += len(chunk)
                    total += len(chunk)
                    if total > limits.max_unpacked_bytes:
                        raise unpacks_too_large(limits)
                    if counter is not None:
                        counter.feed(chunk)
        except (zipfile.BadZipFile, OSError, RuntimeError, ValueError, EOFError) as exc:
            raise unreadable(exc) from None
        _check_ratio(info.filename, unpacked, info.compress_size, limits)
        _check_held(info.filename, unpacked)
        if isinstance(counter, _RowCounter) and counter.pattern is SHARED_STRING_TAG:
            _check_shared_strings(counter.finish())
        elif counter is not None:
            rows = counter.finish()
    return rows


def _check_shared_strings(count: int) -> None:
    if count > MAX_SHARED_STRINGS:
        raise ImportFailed(
            _(
                "The workbook shares {n} different texts among its cells; at most {max} are "
                "read. Save the sheet as csv, or split it into smaller files."
            ).format(n=count, max=MAX_SHARED_STRINGS),
            field="file",
        )


class _RowCounter:
    """Count elements in a stream of XML chunks, carrying a tag split between chunks."""

    def __init__(self, pattern: re.Pattern[bytes]) -> None:
        self.pattern = pattern
        self.rows = 0
        self.carry = b""

    def feed(self, chunk: bytes) -> None:
        data = self.carry + chunk
        cut = data.rfind(b"<")
        if cut < 0 or len(data) - cut > 4096:
            cut = len(data)
        self._count(data[:cut])
        self.carry = data[cut:]

    def finish(self) -> int:
        self._count(self.carry)
        self.carry = b""
        return self.rows

    def _count(self, data: bytes) -> None:
        self.rows += len(self.pattern.findall(data))


def _repeat(attributes: dict[str, str], name: str) -> int:
    if name not in attributes:
        return 1
    try:
        return max(int(attributes[name]), 1)
    except ValueError:
        raise unreadable(_("a repeat count is not a number")) from None


class _OdsCounter:
    """Count the rows and columns an ods's first table holds, as a reader unpacks them.

    A row or cell may say it repeats (number-rows-repeated, number-columns-repeated): a few
    hundred bytes can declare millions of cells, which a reader builds in full. Repeats of
    rows and cells with something in them count as often as they repeat; empty ones count
    only when something follows them (spreadsheet programs end every sheet with an empty
    row repeated to the millionth and empty cells to the thousandth column, which no reader
    builds). The rows, the columns and the cells of the range a reader builds (rows times
    columns) are refused as soon as they pass their limits. A reader builds every sheet
    when it opens the file, so the cells of all sheets count together; the rows and columns
    of the first, which is the one imported, count on their own.
    """

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.rows = 0  # rows up to the last one with something in it
        self.width = 0  # columns up to the last cell with something in it, of any row
        self.empty_rows = 0  # empty rows since the last filled one
        self.tables = 0
        self.first_rows = 0
        self.earlier_cells = 0  # the cells of the sheets before this one
        self.depth = 0  # how deep in a table's rows: 1 inside a row, 2 in a cell
        self.row_repeat = 1
        self.column = 0
        self.row_width = 0
        self.cell_repeat = 1
        self.cell_filled = False
        self.parser = expat.ParserCreate(namespace_separator=" ")
        self.parser.StartElementHandler = self._start
        self.parser.EndElementHandler = self._end
        self.parser.StartDoctypeDeclHandler = self._doctype

    def feed(self, chunk: bytes) -> None:
        self._parse(chunk, False)

    def finish(self) -> int:
        self._parse(b"", True)
        return self.first_rows if self.tables > 1 else self.rows

    def _parse(self, data: bytes, final: bool) -> None:
        try:
            self.parser.Parse(data, final)
        except expat.ExpatError as exc:
            raise unreadable(exc) from None

    def _doctype(self, *args: object) -> None:
        raise unreadable(_("it declares a document type"))

    def _start(self, name: str, attributes: dict[str, str]) -> None:
        if self.depth == 0:
            if name == TABLE_TAG:
                self.tables += 1
                self.earlier_cells += self.rows * self.width
                if self.tables == 2:
                    self.first_rows = self.rows
                self.rows = self.width = self.empty_rows = 0
            elif self.tables and name == TABLE_ROW_TAG:
                self.depth = 1
                self.row_repeat = _repeat(attributes, ROWS_REPEATED)
                self.column = self.row_width = 0
            return
        self.depth += 1
        if self.depth == 2 and name in CELL_TAGS:
            self.cell_repeat = _repeat(attributes, COLUMNS_REPEATED)
            self.cell_filled = VALUE_TYPE in attributes
        elif self.depth == 3:
            self.cell_filled = True  # a paragraph, an annotation: the cell holds something

    def _end(self, name: str) -> None:
        if self.depth == 0:
            return
        self.depth -= 1
        if self.depth == 1 and name in CELL_TAGS:
            self.column += self.cell_repeat
            if self.cell_filled:
                self.row_width = self.column
                if self.tables == 1 and self.row_width > self.limits.max_columns:
                    row = self.rows + self.empty_rows + 1
                    raise too_many_columns(row, self.limits.max_columns)
            self.cell_repeat, self.cell_filled = 1, False
        elif self.depth == 0:
            if self.row_width:
                self.rows += self.empty_rows + self.row_repeat
                self.empty_rows = 0
                self.width = max(self.width, self.row_width)
                self._check()
            else:
                self.empty_rows += self.row_repeat

    def _check(self) -> None:
        if self.tables == 1 and self.rows > self.limits.max_rows + 1:
            raise more_rows_than(self.limits.max_rows)
        if self.earlier_cells + self.rows * self.width > self.limits.max_cells:
            raise too_many_cells(self.limits.max_cells)
