"""Read back the text reportlab wrote into a PDF (no PDF reader is a dependency).

reportlab writes each page as an ASCII85 + Flate stream, and text in the CID font STSong-Light
as literal strings of UTF-16BE code units shown by ``Tj``. This reads exactly that, enough
for a test to assert on what a report prints.
"""

from __future__ import annotations

import base64
import re
import zlib

_STREAM = re.compile(
    rb"/Filter \[ /ASCII85Decode /FlateDecode \] /Length \d+\n>>\nstream\n(.*?)endstream", re.S
)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _strings(content: bytes) -> list[bytes]:
    """The literal strings shown by Tj in one content stream, unescaped."""
    found, i = [], 0
    while (start := content.find(b"(", i)) != -1:
        out, j = bytearray(), start + 1
        while content[j : j + 1] != b")":
            byte = content[j : j + 1]
            if byte == b"\\":
                following = content[j + 1 : j + 2]
                octal = re.match(rb"[0-7]{1,3}", content[j + 1 : j + 4])
                if octal:
                    out.append(int(octal.group(), 8))
                    j += 1 + len(octal.group())
                    continue
                out += _ESCAPES.get(following, following)
                j += 2
                continue
            out += byte
            j += 1
        if content[j + 1 : j + 4] == b" Tj":
            found.append(bytes(out))
        i = j + 1
    return found


def pdf_strings(pdf: bytes) -> list[str]:
    """Every text run of the PDF, in order, decoded."""
    runs = []
    for match in _STREAM.finditer(pdf):
        raw = re.sub(rb"\s", b"", match.group(1)).removesuffix(b"~>")
        content = zlib.decompress(base64.a85decode(raw))
        runs += [s.decode("utf-16-be") for s in _strings(content)]
    return runs
