"""Map a file's header cells to fields, and a cell's wording to a stored choice code.

Each importer declares its own columns (field, canonical Chinese header, other headers
people write) and the Chinese wording of its choices in its app; this is how all of them
are looked up. Headers compare without spaces, BOM, required-marks (*), case or the
difference between full-width and ASCII brackets.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Column:
    """One column of a bulk file: field name, canonical Chinese header, other headers."""

    field: str
    header: str
    aliases: tuple[str, ...] = ()
    required: bool = False
    exported: bool = True


def normalize_header(text: object) -> str:
    """Reduce a header cell to a comparable key: no spaces, BOM, required-marks or case."""
    cleaned = "".join(str(text).replace("\ufeff", "").split()).strip("*＊").lower()
    return cleaned.replace("（", "(").replace("）", ")")


@dataclass
class HeaderMap:
    """Where each field is in a file: its position, the header as written, fields doubled."""

    positions: dict[str, int] = field(default_factory=dict)
    written: dict[str, str] = field(default_factory=dict)
    doubled: list[str] = field(default_factory=list)


class ColumnMap:
    """The columns of one kind of file, looked up by any of their headers."""

    def __init__(self, columns: Iterable[Column]) -> None:
        self.columns = tuple(columns)
        self.by_field = {c.field: c for c in self.columns}
        self.keys: dict[str, str] = {}
        for column in self.columns:
            for alias in (column.field, column.header, *column.aliases):
                self.keys[normalize_header(alias)] = column.field

    def __iter__(self) -> Iterator[Column]:
        return iter(self.columns)

    def field_of(self, header_cell: object) -> str | None:
        """The field a header cell names, or None."""
        return self.keys.get(normalize_header(header_cell))

    def map_header(self, header: Iterable[object]) -> HeaderMap:
        """Find each field's first column; note the fields named by more than one."""
        found = HeaderMap()
        for position, cell in enumerate(header):
            name = self.field_of(cell)
            if name is None:
                continue
            if name in found.positions:
                found.doubled.append(name)
                continue
            found.positions[name] = position
            found.written[name] = str(cell).strip()
        return found

    def missing(self, found: HeaderMap) -> list[str]:
        """The canonical headers of required columns the file lacks."""
        return [c.header for c in self.columns if c.required and c.field not in found.positions]


class Choices:
    """The wording accepted for each stored code of each choice field; the first is written."""

    def __init__(self, labels: Mapping[str, Mapping[str, tuple[str, ...]]]) -> None:
        self.labels = labels
        self.tables: dict[str, dict[str, str]] = {}
        for name, codes in labels.items():
            table: dict[str, str] = {}
            for code, words in codes.items():
                table[str(code)] = str(code)
                for word in words:
                    table[word] = str(code)
            self.tables[name] = table

    def label(self, name: str, code: str) -> str:
        """The canonical wording of a stored code, for exports ('' stays '')."""
        if not code:
            return ""
        words = self.labels[name].get(code)
        return words[0] if words else code

    def code(self, name: str, text: str) -> str | None:
        """The stored code a cell names; '' for an empty cell, None for unknown wording."""
        text = text.strip()
        if not text:
            return ""
        table = self.tables[name]
        return table.get(text) or table.get(text.lower())

    def wordings(self, name: str) -> list[str]:
        """The canonical wording of each code of a field, for help texts and errors."""
        return [words[0] for words in self.labels[name].values()]
