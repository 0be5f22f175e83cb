"""The statistics as files: an xlsx workbook (any filters) and the monthly report as PDF.

Both are built from ``sections()``, the same rows the dashboard's tables show, suppressed
counts already replaced by "<N" (ADR 0013). The PDF uses reportlab's built-in CID font
STSong-Light, as the lifelong record does, so no font file is needed.
"""

from __future__ import annotations

import datetime
import io
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING
from xml.sax.saxutils import escape

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from jineng.accounts.actors import Viewer
from jineng.core.tabular import xlsx_row
from jineng.stats import queries
from jineng.stats.queries import Filters, Statistics

if TYPE_CHECKING:
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.platypus import Flowable

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
FONT = "STSong-Light"
# A printed cell: a label, a count, or "<N" for a suppressed count.
Printed = str | int
TOTAL_MEASURES = ("enrolled", "completed", "not_completed", "withdrawn", "classes")


@dataclass(frozen=True)
class Section:
    """One table of a file: title, header and rows of printed cells."""

    title: str
    sheet: str
    header: list[str]
    rows: list[list[Printed]]


def min_cell() -> int:
    """The smallest count of people shown as it is (JINENG_STATS_MIN_CELL)."""
    return max(1, int(settings.JINENG_STATS_MIN_CELL))


def monthly(month: datetime.date, *, user: Viewer | None = None) -> Statistics:
    """The statistics of one month for the monthly report (月报), the whole city by default."""
    filters = Filters(first_month=month, last_month=month)
    return queries.get_statistics(filters, user=user, min_cell=min_cell())


def describe(filters: Filters) -> list[tuple[str, str]]:
    """The filters in words, for the head of a file."""
    period = queries.month_text(filters.first_month)
    if filters.last_month != filters.first_month:
        period += " – " + queries.month_text(filters.last_month)
    found = [(_("Period"), period)]
    if filters.town:
        names = dict(queries.town_choices())
        found.append((_("Township"), names.get(filters.town, filters.town)))
    if filters.occupation:
        names = dict(queries.occupation_choices())
        found.append((_("Occupation"), names.get(filters.occupation, filters.occupation)))
    if filters.training_type:
        from jineng.catalogs.choices import TrainingType

        found.append((_("Training type"), str(TrainingType(filters.training_type).label)))
    return found


def notes(stats: Statistics) -> list[str]:
    """How to read the numbers: what is counted, and the suppression."""
    found = [
        _(
            "Counts are of enrolments (person-times). Enrolments and drop-outs count in the "
            "month the class starts, completions in the month it ends. Only approved classes "
            "count."
        )
    ]
    if stats.min_cell > 1:
        found.append(
            _(
                "Counts of people from 1 to {n} are shown as <{m} so that no one can be "
                "identified; where a column adds up to its total, one more count is hidden."
            ).format(n=stats.min_cell - 1, m=stats.min_cell)
        )
    return found


def sections(stats: Statistics) -> list[Section]:
    """The totals and every breakdown as printed rows: what the workbook and PDF contain."""
    labels = queries.MEASURE_LABELS
    totals = Section(
        _("Totals"),
        _("Totals"),
        [_("Measure"), _("Count")],
        [[str(labels[m]()), stats.totals[m].shown] for m in TOTAL_MEASURES],
    )
    found = [totals]
    for table in stats.tables:
        rows: list[list[Printed]] = [
            [row.label, *(row.cells[m].shown for m in table.measures)] for row in table.rows
        ]
        if table.is_partition and table.rows:
            rows.append([_("Total"), *(table.totals[m].shown for m in table.measures)])
        found.append(
            Section(table.title, table.dimension, [table.dimension, *table.measure_labels()], rows)
        )
    return found


def _sheet_name(text: str) -> str:
    for bad in "[]:*?/\\":
        text = text.replace(bad, " ")
    return text[:31]


def write_workbook(stats: Statistics, title: str) -> bytes:
    """Return the statistics as xlsx bytes: a summary sheet, then a sheet per breakdown."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(_sheet_name(_("Summary")))
    summary.append(xlsx_row(summary, [title]))
    for name, value in describe(stats.filters):
        summary.append(xlsx_row(summary, [name, value]))
    summary.append([])
    for note in notes(stats):
        summary.append(xlsx_row(summary, [note]))
    summary.append([])
    parts = sections(stats)
    summary.append(xlsx_row(summary, parts[0].header))
    for row in parts[0].rows:
        summary.append(xlsx_row(summary, row))
    for section in parts[1:]:
        sheet = workbook.create_sheet(_sheet_name(section.sheet))
        # Names typed by institutions (an institution's name) are text, never a formula.
        sheet.append(xlsx_row(sheet, [section.title]))
        sheet.append(xlsx_row(sheet, section.header))
        for row in section.rows:
            sheet.append(xlsx_row(sheet, row))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


@cache
def _font() -> str:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont

    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    from reportlab.lib.styles import ParagraphStyle

    base = ParagraphStyle("base", fontName=_font(), fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=17, leading=23, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=18, spaceBefore=10),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11),
    }


def write_pdf(stats: Statistics, title: str) -> bytes:
    """Return the statistics as a PDF report in the active language."""
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.units import mm
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    styles = _styles()
    out = io.BytesIO()
    doc = SimpleDocTemplate(
        out, pagesize=A4, title=title, leftMargin=18 * mm, rightMargin=18 * mm, topMargin=16 * mm
    )

    def p(text: object, style: str = "base") -> Paragraph:
        return Paragraph(escape(str(text)), styles[style])

    story: list[Flowable] = [p(title, "title")]
    for name, value in describe(stats.filters):
        story.append(p(f"{name}: {value}"))
    made = timezone.localtime().strftime("%Y-%m-%d %H:%M")
    story.append(p(_("Produced {at}").format(at=made), "small"))
    for note in notes(stats):
        story.append(p(note, "small"))
    grid = TableStyle(
        [
            ("GRID", (0, 0), (-1, -1), 0.4, colors.grey),
            ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee")),
            ("ALIGN", (1, 1), (-1, -1), "RIGHT"),
            ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ]
    )
    for section in sections(stats):
        story.append(p(section.title, "h2"))
        if not section.rows:
            story.append(p(_("Nothing counted in this period.")))
            continue
        cells = [[p(c, "small") for c in section.header]]
        cells += [[p(c, "small") for c in row] for row in section.rows]
        width = doc.width
        first = width * 0.36
        rest = (width - first) / max(1, len(section.header) - 1)
        table = Table(cells, colWidths=[first] + [rest] * (len(section.header) - 1), repeatRows=1)
        table.setStyle(grid)
        story += [Spacer(1, 2 * mm), table]
    doc.build(story)
    return out.getvalue()


def monthly_title(month: datetime.date) -> str:
    return _("Skills training statistics, monthly report {month}").format(
        month=queries.month_text(month)
    )


def filename(prefix: str, filters: Filters, extension: str) -> str:
    period = queries.month_text(filters.first_month)
    if filters.last_month != filters.first_month:
        period += "_" + queries.month_text(filters.last_month)
    return f"{prefix}-{period}.{extension}"
