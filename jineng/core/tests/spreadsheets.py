"""Build hostile spreadsheets in memory for tests: nothing of the kind is committed as a file.

Each function returns the bytes of an xlsx or ods (or a zip posing as one) that spreadsheet
libraries accept: a workbook part, its relationships and one worksheet whose XML is written
as a stream, so a sheet that unpacks to gigabytes costs the test only its packed size.
"""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Iterable, Iterator

CONTENT_TYPES = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    b'<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
    b'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/>'
    b'<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-'
    b'officedocument.spreadsheetml.sheet.main+xml"/>'
    b'<Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.'
    b'openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>'
)
ROOT_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>'
)
WORKBOOK = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    b'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    b'<sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>'
)
WORKBOOK_RELS = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    b'<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
    b'relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>'
)
SHEET_START = (
    b'<?xml version="1.0" encoding="UTF-8"?>'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
)
SHEET_END = b"</sheetData></worksheet>"
SHEET_PART = "xl/worksheets/sheet1.xml"
PEOPLE_HEADER = ("身份证号", "姓名", "区划代码")


def inline(column: str, row: int, text: str) -> bytes:
    return f'<c r="{column}{row}" t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def header_row(cells: Iterable[str] = PEOPLE_HEADER) -> bytes:
    return (
        b'<row r="1">'
        + b"".join(inline(chr(65 + i), 1, c) for i, c in enumerate(cells))
        + (b"</row>")
    )


def workbook(
    sheet_chunks: Iterable[bytes], extra: dict[str, Iterable[bytes]] | None = None
) -> bytes:
    """An xlsx whose first worksheet's XML is the given chunks between its start and end,
    with ``extra`` parts written from their chunks."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        archive.writestr("_rels/.rels", ROOT_RELS)
        archive.writestr("xl/workbook.xml", WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", WORKBOOK_RELS)
        for name, chunks in (extra or {}).items():
            with archive.open(name, "w", force_zip64=True) as part:
                for chunk in chunks:
                    part.write(chunk)
        with archive.open(SHEET_PART, "w", force_zip64=True) as sheet:
            sheet.write(SHEET_START)
            for chunk in sheet_chunks:
                sheet.write(chunk)
            sheet.write(SHEET_END)
    return buffer.getvalue()


def inflating_xlsx(unpacked: int) -> bytes:
    """A people sheet whose second row holds one cell of ``unpacked`` bytes of the same letter
    (the 2.1 MB file that unpacks to 2 GiB, at any size)."""

    def chunks() -> Iterator[bytes]:
        yield header_row()
        yield b'<row r="2"><c r="A2" t="inlineStr"><is><t>'
        block = b"A" * (1024 * 1024)
        left = unpacked
        while left > 0:
            yield block[:left]
            left -= len(block)
        yield b"</t></is></c></row>"

    return workbook(chunks())


def many_rows_xlsx(rows: int) -> bytes:
    """A people sheet of ``rows`` rows after the header, each one short cell (the 850 KB file
    of 2,000,000 rows)."""

    def chunks() -> Iterator[bytes]:
        yield header_row()
        batch: list[bytes] = []
        for number in range(2, rows + 2):
            batch.append(b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (number, number))
            if len(batch) == 10_000:
                yield b"".join(batch)
                batch = []
        yield b"".join(batch)

    return workbook(chunks())


def wide_xlsx(column: str) -> bytes:
    """A people sheet with one value far to the right of its header, in ``column``."""
    return workbook([header_row(), b'<row r="2">' + inline(column, 2, "x") + b"</row>"])


def lying_xlsx(unpacked: int, declared: int) -> bytes:
    """An inflating sheet whose zip directory declares ``declared`` bytes unpacked instead."""
    data = bytearray(inflating_xlsx(unpacked))
    name = SHEET_PART.encode()
    # The central directory entry: signature, then the unpacked size at offset 24.
    entry = data.find(b"PK\x01\x02")
    while entry >= 0:
        name_length = struct.unpack_from("<H", data, entry + 28)[0]
        if bytes(data[entry + 46 : entry + 46 + name_length]) == name:
            break
        entry = data.find(b"PK\x01\x02", entry + 4)
    if struct.unpack_from("<I", data, entry + 24)[0] == 0xFFFFFFFF:
        raise ValueError("a zip64 entry: use a smaller size")
    struct.pack_into("<I", data, entry + 24, declared)
    return bytes(data)


def shared_strings_xlsx(count: int) -> bytes:
    """A people sheet with a shared-strings part of ``count`` one-letter strings, which a
    reader holds in memory whole (millions of small objects from a few megabytes)."""
    item = b"<si><t>a</t></si>"

    def strings() -> Iterator[bytes]:
        yield b'<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        for _ in range(count // 10_000):
            yield item * 10_000
        yield b"</sst>"

    return workbook([header_row()], {"xl/sharedStrings.xml": strings()})


ODS_START = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<office:document-content xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
    ' xmlns:table="urn:oasis:names:tc:opendocument:xmlns:table:1.0"'
    ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" office:version="1.2">'
    '<office:body><office:spreadsheet><table:table table:name="Sheet1">'
)
ODS_MIMETYPE = "application/vnd.oasis.opendocument.spreadsheet"
ODS_END = "</table:table></office:spreadsheet></office:body></office:document-content>"
ODS_MANIFEST = (
    '<?xml version="1.0" encoding="UTF-8"?><manifest:manifest xmlns:manifest="urn:oasis:'
    'names:tc:opendocument:xmlns:manifest:1.0"><manifest:file-entry manifest:full-path="/" '
    'manifest:media-type="application/vnd.oasis.opendocument.spreadsheet"/>'
    '<manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/>'
    "</manifest:manifest>"
)


def ods_cell(text: str, repeated: int = 1) -> str:
    repeat = f' table:number-columns-repeated="{repeated}"' if repeated > 1 else ""
    return (
        f'<table:table-cell office:value-type="string"{repeat}><text:p>{text}</text:p>'
        "</table:table-cell>"
    )


def ods_row(cells: Iterable[str], repeated: int = 1, empty_to: int = 0) -> str:
    """A row of text cells, repeated, with empty cells after them up to column ``empty_to``
    (as LibreOffice saves every row)."""
    cells = list(cells)
    repeat = f' table:number-rows-repeated="{repeated}"' if repeated > 1 else ""
    tail = ""
    if empty_to > len(cells):
        tail = f'<table:table-cell table:number-columns-repeated="{empty_to - len(cells)}"/>'
    body = "".join(map(ods_cell, cells)) + tail
    return f"<table:table-row{repeat}>{body}</table:table-row>"


def empty_ods_rows(repeated: int, columns: int = 1024) -> str:
    return (
        f'<table:table-row table:number-rows-repeated="{repeated}">'
        f'<table:table-cell table:number-columns-repeated="{columns}"/></table:table-row>'
    )


def ods(rows: Iterable[str]) -> bytes:
    """An ods whose first table holds the given row elements."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(zipfile.ZipInfo("mimetype"), ODS_MIMETYPE)
        archive.writestr("content.xml", ODS_START + "".join(rows) + ODS_END)
        archive.writestr("META-INF/manifest.xml", ODS_MANIFEST)
    return buffer.getvalue()


def libreoffice_ods(rows: list[list[str]]) -> bytes:
    """An ods as LibreOffice saves one: columns declared to 1,024, every row padded with empty
    cells to it, and an empty row repeated to the sheet's last (row 1,048,576)."""
    return ods(
        [
            '<table:table-column table:number-columns-repeated="1024"/>',
            *(ods_row(row, empty_to=1024) for row in rows),
            empty_ods_rows(1_048_576 - len(rows)),
        ]
    )


def repeated_ods(rows: int, columns: int) -> bytes:
    """A people sheet of one row of ``columns`` cells repeated ``rows`` times: a few hundred
    bytes that a reader unpacks to every cell they declare."""
    return ods(
        [
            ods_row(PEOPLE_HEADER),
            f'<table:table-row table:number-rows-repeated="{rows}">'
            + ods_cell("x", columns)
            + "</table:table-row>",
        ]
    )


def second_sheet_ods(rows: int, columns: int) -> bytes:
    """A small people sheet followed by a second sheet of one row of ``columns`` cells
    repeated ``rows`` times (which a reader builds when it opens the file)."""
    return ods(
        [
            ods_row(PEOPLE_HEADER),
            ods_row(["1", "张三", "2"]),
            '</table:table><table:table table:name="Sheet2">',
            f'<table:table-row table:number-rows-repeated="{rows}">'
            + ods_cell("x", columns)
            + "</table:table-row>",
        ]
    )


def legacy_xls() -> bytes:
    """The start of a legacy .xls file (an OLE compound document)."""
    return b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 504
