"""Export a search of people (导出) as csv or xlsx, masked unless the actor may see full values.

The columns are the import format's (Chinese headers and labels, so a full export can be
imported elsewhere) plus sex, age and the region names. A masked export has no birth date
and gives the age as a five-year band: with the masked ID's region code and last two
characters, either would narrow the whole number to a few guesses. Every export writes one
audit event.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.accounts.roles import Capability
from jineng.core import audit, pii
from jineng.core.errors import PermissionDenied, ValidationFailed
from jineng.core.tabular import csv_row, xlsx_row
from jineng.people.access import sees_sensitive_groups
from jineng.people.importers.columns import COLUMNS, choice_label
from jineng.people.models import TargetGroupMembership

FORMATS = ("csv", "xlsx")
CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
SEX_LABELS = {"M": "男", "F": "女"}


def _headers(full: bool) -> list[str]:
    extra = ["性别", "出生日期" if full else "年龄段", "区划名称", "乡镇（街道）"]
    return [c.header for c in COLUMNS] + extra


# What one exported row reads from the database, in this order.
ROW_FIELDS = (
    "pk",
    "name",
    "id_number_encrypted",
    "phone_encrypted",
    "region__code",
    "hukou_type",
    "education",
    "employment_status",
    "sex",
    "birth_date",
    "region__name",
    "town__name",
)
CHUNK = 2000


def _row(values: tuple, groups: list[str], *, full: bool, today: Any, cipher: pii.Cipher) -> list:
    (_, name, id_blob, phone_blob, code, hukou, education, employment, sex, born, *names) = values
    id_number = cipher.decrypt(id_blob)
    phone = cipher.decrypt(phone_blob) if phone_blob else ""
    return [
        id_number if full else pii.mask_id_number(id_number),
        name,
        (phone if full else pii.mask_phone(phone)) if phone else "",
        code,
        choice_label("hukou_type", hukou),
        choice_label("education", education),
        choice_label("employment_status", employment),
        ";".join(groups),
        SEX_LABELS.get(sex, ""),
        born.isoformat() if full else pii.age_band(today.year - born.year),
        names[0],
        names[1] or "",
    ]


def _rows(people: Any, *, full: bool, sensitive: bool) -> Iterator[list]:
    """The export rows of a queryset, read as plain values a chunk at a time (no model
    objects: a city-wide export has hundreds of thousands of rows)."""
    today = timezone.localdate()
    cipher = pii.cipher()
    values = people.prefetch_related(None).values_list(*ROW_FIELDS).iterator(chunk_size=CHUNK)
    chunk: list[tuple] = []
    for row in values:
        chunk.append(row)
        if len(chunk) == CHUNK:
            yield from _chunk_rows(
                chunk, full=full, sensitive=sensitive, today=today, cipher=cipher
            )
            chunk = []
    yield from _chunk_rows(chunk, full=full, sensitive=sensitive, today=today, cipher=cipher)


def _chunk_rows(
    chunk: list[tuple], *, full: bool, sensitive: bool, today: Any, cipher: pii.Cipher
) -> Iterator:
    groups: dict[int, list[str]] = {}
    current = TargetGroupMembership.objects.current(today)
    if not sensitive:
        current = current.filter(group__is_sensitive=False)
    pairs = (
        current.filter(person_id__in=[row[0] for row in chunk])
        .order_by("person_id", "group__code")
        .values_list("person_id", "group__name")
    )
    for person_id, group in pairs:
        groups.setdefault(person_id, []).append(group)
    for row in chunk:
        yield _row(row, groups.get(row[0], []), full=full, today=today, cipher=cipher)


def _counted(rows: Iterator[list], on_progress: Callable[[int], None]) -> Iterator[list]:
    for number, row in enumerate(rows, start=1):
        yield row
        if number % 1000 == 0:
            on_progress(number)


def _write_csv(out: IO[bytes], headers: list[str], rows: Iterator[list]) -> int:
    text = io.TextIOWrapper(out, encoding="utf-8-sig", newline="", write_through=True)
    writer = csv.writer(text)
    writer.writerow(headers)
    count = 0
    for row in rows:
        # A cell that starts like a formula (a name typed as =HYPERLINK(…)) stays text.
        writer.writerow(csv_row(row))
        count += 1
    text.flush()
    text.detach()
    return count


def _write_xlsx(out: IO[bytes], headers: list[str], rows: Iterator[list]) -> int:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("People"))
    sheet.append(headers)
    count = 0
    for row in rows:
        # Text cells are string cells, never formulas, and show exactly what was typed.
        sheet.append(xlsx_row(sheet, row))
        count += 1
    workbook.save(out)
    return count


def export_people(
    people: Any,
    out: IO[bytes],
    *,
    fmt: str,
    actor: Actor | None,
    full: bool = False,
    filters: Mapping[str, Any] | None = None,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Write a queryset of people (already scoped to the actor) to ``out``; return the count.

    ``full`` exports whole ID and phone numbers and needs an actor with the view_full_pii
    capability; ``actor`` None is the command line, which may export masked data only.
    ``on_progress`` is told how many rows are written, every thousand rows.
    """
    if fmt not in FORMATS:
        raise ValidationFailed(
            _("Export as csv or xlsx, not {fmt}.").format(fmt=fmt), field="format"
        )
    if actor is not None and not actor.can(Capability.EXPORT_PEOPLE):
        raise PermissionDenied(_("Your role may not export people."))
    if full and (actor is None or not actor.can(Capability.VIEW_FULL_PII)):
        raise PermissionDenied(_("Your role may not see full ID and phone numbers."))
    writer = _write_xlsx if fmt == "xlsx" else _write_csv
    # The file is written outside any transaction (an SQLite write transaction would hold the
    # database's write lock for the whole export); the audit event then gets its own.
    # The command line (no actor) exports for the bureau; an organisation never gets the
    # groups flagged sensitive (people.access.sees_sensitive_groups).
    rows = _rows(people, full=full, sensitive=actor is None or sees_sensitive_groups(actor))
    count = writer(out, _headers(full), _counted(rows, on_progress) if on_progress else rows)
    with transaction.atomic(durable=True):
        audit.record(
            actor,
            "people.export.completed",
            object_type="people.export",
            object_id=timezone.now().strftime("%Y%m%d%H%M%S"),
            data={
                "format": fmt,
                "rows": count,
                "full": full,
                "filters": {k: str(v) for k, v in (filters or {}).items() if v},
            },
        )
    return count
