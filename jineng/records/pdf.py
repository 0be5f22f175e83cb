"""Print the lifelong record as a PDF in Chinese or English (档案PDF).

Uses reportlab's built-in CID font STSong-Light, so no font file is shipped or needed; a
PDF reader supplies the glyphs. When the worker has just created a share link, the PDF
carries its QR code so a reader of the paper copy can open the live record.
"""

from __future__ import annotations

import datetime
import io
from functools import cache
from xml.sax.saxutils import escape

import segno
from django.utils import formats, timezone
from django.utils.translation import gettext as _
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    Flowable,
    KeepTogether,
    Paragraph,
    SimpleDocTemplate,
    Spacer,
    Table,
    TableStyle,
)

from jineng.records.queries import TrainingRecord

FONT = "STSong-Light"
MARGIN = 18 * mm


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=10.5, leading=15, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle("title", parent=base, fontSize=18, leading=24, spaceAfter=4),
        "h2": ParagraphStyle("h2", parent=base, fontSize=13, leading=18, spaceBefore=10),
        "small": ParagraphStyle("small", parent=base, fontSize=8.5, leading=11),
    }


class QrCode(Flowable):
    """Draw a QR code as vector squares (segno computes the modules)."""

    def __init__(self, data: str, size: float = 32 * mm) -> None:
        super().__init__()
        self.rows = [list(row) for row in segno.make(data, error="m").matrix_iter(border=2)]
        self.size = size

    def wrap(self, available_width: float, available_height: float) -> tuple[float, float]:
        return self.size, self.size

    def draw(self) -> None:
        cell = self.size / len(self.rows)
        self.canv.setFillColor(colors.black)
        for y, row in enumerate(self.rows):
            for x, dark in enumerate(row):
                if dark:
                    top = self.size - (y + 1) * cell
                    self.canv.rect(x * cell, top, cell, cell, stroke=0, fill=1)


def _p(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _table(rows: list[list[Flowable]], widths: list[float]) -> Table:
    table = Table(rows, colWidths=widths, hAlign="LEFT")
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("TOPPADDING", (0, 0), (-1, -1), 3),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 3),
            ]
        )
    )
    return table


def _identity(record: TrainingRecord, s: dict[str, ParagraphStyle]) -> Table:
    person = record.person
    region = person.region.name
    if person.town and person.town != person.region:
        region = f"{region} / {person.town.name}"
    rows = [
        (_("Name"), person.name),
        (_("Citizen ID"), person.id_number_masked),
        (_("Mobile"), person.phone_masked or "—"),
        (_("Age"), _("{band} years").format(band=person.age_band)),
        (_("Sex"), person.get_sex_display()),
        (_("Region"), region),
        (_("Household registration"), person.get_hukou_type_display()),
        (_("Education"), person.get_education_display()),
        (_("Employment status"), person.get_employment_status_display()),
    ]
    return _table([[_p(k, s["small"]), _p(v, s["base"])] for k, v in rows], [40 * mm, 130 * mm])


def _groups(record: TrainingRecord, s: dict[str, ParagraphStyle]) -> Flowable:
    """Name the groups the record shows today; what it shows is records.policy's decision."""
    if record.hides_groups:
        return _p(_("The worker chose not to show target groups on this link."), s["base"])
    names = [g.group.name for g in record.groups if g.is_current]
    if names:
        return _p("、".join(names), s["base"])
    if record.is_one_organization:
        return _p(_("No target groups that bear on eligibility."), s["base"])
    return _p(_("No target groups recorded."), s["base"])


def _entries(record: TrainingRecord, s: dict[str, ParagraphStyle]) -> Flowable:
    if not record.entries:
        return _p(_("Nothing recorded yet."), s["base"])
    rows = [[_p(e.day.isoformat(), s["base"]), _p(e.title, s["base"])] for e in record.entries]
    return _table(rows, [28 * mm, 142 * mm])


def _share_block(
    share_url: str, expires_at: datetime.datetime | None, s: dict[str, ParagraphStyle]
) -> Flowable:
    until = formats.date_format(timezone.localtime(expires_at), "Y-m-d H:i") if expires_at else ""
    text = _("Scan to open this record online.")
    if until:
        text += " " + _("The link works until {time}.").format(time=until)
    caption = [_p(text, s["base"]), Spacer(1, 2 * mm), _p(share_url, s["small"])]
    table = Table([[QrCode(share_url), caption]], colWidths=[36 * mm, 134 * mm], hAlign="LEFT")
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return KeepTogether([_p(_("Share link"), s["h2"]), table])


def render_record_pdf(
    record: TrainingRecord,
    *,
    share_url: str | None = None,
    share_expires_at: datetime.datetime | None = None,
) -> bytes:
    """Return the record as an A4 PDF: identity (masked), groups, timeline, page footer.

    It prints only what ``record`` holds, which records.policy has already cut to the viewer.
    """
    s = _styles()
    generated = formats.date_format(timezone.localtime(), "Y-m-d H:i")
    title = _("Lifelong vocational skills training record")
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 6 * mm,
        title=title,
        author="jineng",
        subject=record.person.name,
        creator="jineng",
    )
    footer = _("Generated {time}").format(time=generated)

    def on_page(canvas: Canvas, document: SimpleDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(_font(), 8.5)
        canvas.drawString(MARGIN, 10 * mm, footer)
        page_label = _("Page {number}").format(number=document.page)
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, page_label)
        canvas.restoreState()

    story: list[Flowable] = [
        _p(title, s["title"]),
        _p(footer, s["small"]),
        _p(_("Identity"), s["h2"]),
        _identity(record, s),
        _p(_("Target groups"), s["h2"]),
        _groups(record, s),
        _p(_("Lifelong training record"), s["h2"]),
        _entries(record, s),
    ]
    if share_url:
        story.append(_share_block(share_url, share_expires_at, s))
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return buffer.getvalue()
