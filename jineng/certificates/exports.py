"""The national upload file (证书信息上传): issued certificates as csv or xlsx, streamed.

The columns come from data/national_upload.yaml (unconfirmed: replace it with the official
template). The national system needs the holder's full citizen ID, so only a role that may
see full ID numbers (view_full_pii) may export, and every export writes one audit event
before the first row leaves; anyone else is refused, never given a masked file that would
fail the upload.
"""

from __future__ import annotations

import csv
import datetime
import io
import tempfile
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import IO, Any

import yaml
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.certificates.models import CertificateKind, CertificateQuerySet, CertificateStatus
from jineng.core import audit, pii
from jineng.core.errors import PermissionDenied, ValidationFailed
from jineng.core.tabular import csv_row, xlsx_row

LAYOUT_FILE = Path(__file__).resolve().parent / "data" / "national_upload.yaml"
FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
EXPORTED = "certificates.national_upload.exported"
CHUNK = 2000
SEX_LABELS = {"M": "男", "F": "女"}

# What one row reads from the database, in this order (plain values, no model objects).
ROW_FIELDS = (
    "number",
    "holder__name",
    "holder__id_number_encrypted",
    "holder__sex",
    "kind",
    "occupation__code",
    "occupation__name",
    "level__code",
    "level__name",
    "issuer__name",
    "issuer__credit_code",
    "issued_on",
    "valid_until",
    "status",
)


@dataclass(frozen=True)
class Layout:
    """The upload file's sheet name, id type and columns (header, field)."""

    sheet: str
    id_type: str
    columns: tuple[tuple[str, str], ...]
    confirmed: bool

    @property
    def headers(self) -> list[str]:
        """Return the header row."""
        return [header for header, _field in self.columns]


def _date(value: datetime.date | None) -> str:
    return value.isoformat() if value else ""


# Each field of the layout file and how a row (a dict of ROW_FIELDS) shows it.
FIELDS: dict[str, Callable[[Mapping[str, Any], Layout], Any]] = {
    "number": lambda r, _l: r["number"],
    "holder_name": lambda r, _l: r["holder__name"],
    "id_type": lambda _r, layout: layout.id_type,
    "id_number": lambda r, _l: r["id_number"],
    "sex": lambda r, _l: SEX_LABELS.get(r["holder__sex"], ""),
    "occupation_code": lambda r, _l: r["occupation__code"] or "",
    "occupation_name": lambda r, _l: r["occupation__name"] or "",
    "level_code": lambda r, _l: r["level__code"] or "",
    "level_name": lambda r, _l: r["level__name"] or "",
    "kind": lambda r, _l: str(CertificateKind(r["kind"]).label),
    "kind_code": lambda r, _l: r["kind"],
    "issuer_name": lambda r, _l: r["issuer__name"],
    "issuer_credit_code": lambda r, _l: r["issuer__credit_code"],
    "issued_on": lambda r, _l: _date(r["issued_on"]),
    "valid_until": lambda r, _l: _date(r["valid_until"]),
    "status": lambda r, _l: str(CertificateStatus(r["status"]).label),
    "status_code": lambda r, _l: r["status"],
}


@cache
def layout() -> Layout:
    """Read the upload layout from its data file (once per process)."""
    data = yaml.safe_load(LAYOUT_FILE.read_text(encoding="utf-8"))
    columns = tuple((str(c["header"]), str(c["field"])) for c in data["columns"])
    unknown = sorted({f for _h, f in columns} - set(FIELDS))
    if unknown:
        raise ValueError(f"{LAYOUT_FILE.name}: unknown fields {unknown}")
    return Layout(
        sheet=str(data.get("sheet") or "Sheet1"),
        id_type=str(data.get("id_type") or ""),
        columns=columns,
        confirmed=bool(data.get("confirmed")),
    )


def check_export(actor: Actor, fmt: str) -> None:
    """Refuse an export the actor may not make, or in a format there is not."""
    if fmt not in FORMATS:
        raise ValidationFailed(
            _("Export as csv or xlsx, not {fmt}.").format(fmt=fmt), field="format"
        )
    if not actor.can(Capability.MANAGE_CERTIFICATES):
        raise PermissionDenied(_("Your role may not export certificates."))
    if not actor.can(Capability.VIEW_FULL_PII):
        raise PermissionDenied(
            _("The national upload needs full citizen ID numbers, which your role may not see.")
        )


def rows(certificates: CertificateQuerySet) -> Iterator[list[Any]]:
    """Yield the layout's rows for a queryset, reading a chunk of plain values at a time."""
    spec = layout()
    cipher = pii.cipher()
    values = (
        certificates.select_related(None)
        .order_by("issued_on", "pk")
        .values(*ROW_FIELDS)
        .iterator(chunk_size=CHUNK)
    )
    for row in values:
        row["id_number"] = cipher.decrypt(row["holder__id_number_encrypted"])
        yield [FIELDS[field](row, spec) for _header, field in spec.columns]


def record_export(actor: Actor, *, fmt: str, count: int, filters: Mapping[str, str]) -> None:
    """Write the audit event of one national-upload export (full ID numbers leave)."""
    with transaction.atomic(durable=True):
        audit.record(
            actor,
            EXPORTED,
            object_type="certificates.national_upload",
            object_id=timezone.now().strftime("%Y%m%d%H%M%S"),
            data={"format": fmt, "rows": count, "full": True, "filters": dict(filters)},
        )


class _Echo:
    """A file-like that returns what is written: csv.writer then yields lines."""

    def write(self, value: str) -> str:
        return value


def csv_chunks(certificates: CertificateQuerySet) -> Iterator[bytes]:
    """Yield the csv file (UTF-8 with BOM, for spreadsheet programs) a line at a time."""
    writer = csv.writer(_Echo())
    yield "\ufeff".encode()
    yield writer.writerow(layout().headers).encode()
    for row in rows(certificates):
        # A cell that starts like a formula stays text (core.tabular).
        yield writer.writerow(csv_row(row)).encode()


def xlsx_file(certificates: CertificateQuerySet) -> IO[bytes]:
    """Write the workbook to a temporary file (write-only: memory stays flat); return it."""
    from openpyxl import Workbook

    out: IO[bytes] = tempfile.TemporaryFile()  # noqa: SIM115 - the response closes it
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(layout().sheet)
    sheet.append(layout().headers)
    for row in rows(certificates):
        sheet.append(xlsx_row(sheet, row))
    workbook.save(out)
    out.seek(0)
    return out


def write_csv(certificates: CertificateQuerySet) -> bytes:
    """Return the whole csv file (tests and the command line)."""
    buffer = io.BytesIO()
    for chunk in csv_chunks(certificates):
        buffer.write(chunk)
    return buffer.getvalue()
