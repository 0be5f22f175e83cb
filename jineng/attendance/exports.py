"""The attendance sheet as an xlsx workbook (考勤表): names, masked IDs, a column per session."""

from __future__ import annotations

import io
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Actor
from jineng.attendance.queries import Sheet, get_sheet, session_title
from jineng.core import audit
from jineng.core.tabular import xlsx_row
from jineng.training.models import TrainingClass

CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell_text(attendance: Any) -> str:
    """Say in one cell how a trainee attended: time, manual mark and flags."""
    if attendance is None:
        return ""
    text = timezone.localtime(attendance.checked_in_at).strftime("%H:%M")
    if attendance.is_manual:
        text += " " + _("(manual: {reason})").format(reason=attendance.reason)
    if not attendance.is_counted:
        text += " " + _("[not counted: {reason}]").format(reason=attendance.not_counted_reason)
    if attendance.is_flagged:
        text += " " + _("[flagged: {flags}]").format(flags=", ".join(attendance.flag_labels))
    return text


def headers(sheet: Sheet) -> list[str]:
    """The header row: trainee columns, one column per session, then the totals."""
    sessions = [
        "{start} {title}".format(
            start=timezone.localtime(s.starts_at).strftime("%m-%d %H:%M"), title=session_title(s)
        )
        for s in sheet.sessions
    ]
    return [
        _("Name"),
        _("ID number"),
        *sessions,
        _("Attended hours"),
        _("Of which flagged"),
    ]


def write_workbook(sheet: Sheet) -> bytes:
    """Return the sheet as xlsx bytes."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(_("Attendance"))
    # Text a trainee or clerk typed is stored as text: shown as typed, never run as a formula.
    worksheet.append(xlsx_row(worksheet, headers(sheet)))
    for row in sheet.rows:
        person = row.enrolment.person
        worksheet.append(
            xlsx_row(
                worksheet,
                [
                    person.name,
                    person.id_number_masked,
                    *[cell_text(cell) for cell in row.cells],
                    round(row.minutes / 60, 2),
                    round(row.flagged_minutes / 60, 2),
                ],
            )
        )
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@transaction.atomic(durable=True)
def export_sheet(training_class: TrainingClass, *, actor: Actor) -> bytes:
    """Return a class's sheet as xlsx (IDs masked) and audit the download."""
    sheet = get_sheet(training_class)
    content = write_workbook(sheet)
    audit.record(
        actor,
        "attendance.sheet.exported",
        training_class,
        data={"rows": len(sheet.rows), "sessions": len(sheet.sessions)},
    )
    return content
