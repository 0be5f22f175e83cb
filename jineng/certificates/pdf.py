"""Print a certificate as a PDF (证书打印件) with a QR code that opens its verification page.

Uses reportlab's built-in CID font STSong-Light, so no font file is shipped or needed; a PDF
reader supplies the glyphs (as records.pdf does). The QR code carries the absolute URL of
/verify/<number>; the holder's full name is printed only for the holder and the bureau,
everyone else gets it masked as the public page shows it.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from functools import cache
from typing import Any
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
from reportlab.platypus import Flowable, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from jineng.certificates.models import Certificate, CertificateKind, CertificateStatus
from jineng.core.pii import mask_name

FONT = "STSong-Light"
MARGIN = 20 * mm


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def qr_matrix(data: str) -> list[list[bool]]:
    """Return the QR code's modules for ``data`` (quiet zone included), rows top first."""
    return [[bool(m) for m in row] for row in segno.make(data, error="m").matrix_iter(border=2)]


class QrCode(Flowable):
    """Draw a QR code as vector squares; ``data`` keeps what it encodes (for tests)."""

    def __init__(self, data: str, size: float = 36 * mm) -> None:
        super().__init__()
        self.data = data
        self.rows = qr_matrix(data)
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


@dataclass(frozen=True)
class PrintedCertificate:
    """The PDF and the URL its QR code encodes."""

    content: bytes
    verify_url: str


def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    base = ParagraphStyle("base", fontName=font, fontSize=11, leading=16, wordWrap="CJK")
    return {
        "base": base,
        "title": ParagraphStyle(
            "title", parent=base, fontSize=22, leading=30, alignment=1, spaceAfter=6
        ),
        "subtitle": ParagraphStyle("subtitle", parent=base, fontSize=12, alignment=1),
        "small": ParagraphStyle("small", parent=base, fontSize=9, leading=12),
    }


def _p(text: Any, style: ParagraphStyle) -> Paragraph:
    return Paragraph(escape(str(text)), style)


def _facts(certificate: Certificate, holder: str, s: dict[str, ParagraphStyle]) -> Table:
    occupation = certificate.occupation
    rows = [
        (_("Certificate number"), certificate.number),
        (_("Holder"), holder),
        (_("Occupation"), f"{occupation.name}（{occupation.code}）" if occupation else "—"),
        (_("Skill level"), certificate.level.name if certificate.level else "—"),
        (_("Issued by"), certificate.issuer.name),
        (_("Issued on"), certificate.issued_on.isoformat()),
    ]
    if certificate.title:
        rows.insert(2, (_("Title"), certificate.title))
    if certificate.valid_until:
        rows.append((_("Valid until"), certificate.valid_until.isoformat()))
    if certificate.status != CertificateStatus.VALID:
        rows.append((_("Status"), str(CertificateStatus(certificate.status).label)))
    table = Table(
        [[_p(k, s["small"]), _p(v, s["base"])] for k, v in rows],
        colWidths=[40 * mm, 130 * mm],
        hAlign="CENTER",
    )
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LINEBELOW", (0, 0), (-1, -1), 0.25, colors.lightgrey),
                ("TOPPADDING", (0, 0), (-1, -1), 4),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 4),
            ]
        )
    )
    return table


def _verify_block(verify_url: str, s: dict[str, ParagraphStyle]) -> Table:
    caption = [
        _p(_("Scan to check this certificate online, or open:"), s["base"]),
        Spacer(1, 2 * mm),
        _p(verify_url, s["small"]),
    ]
    table = Table([[QrCode(verify_url), caption]], colWidths=[40 * mm, 130 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE")]))
    return table


def render_certificate_pdf(
    certificate: Certificate, *, verify_url: str, full_name: bool
) -> PrintedCertificate:
    """Return the certificate as an A4 PDF whose QR code opens ``verify_url``.

    ``full_name`` prints the holder's name in full (the holder and the bureau); otherwise
    it is masked as on the public page.
    """
    s = _styles()
    holder = certificate.holder.name if full_name else mask_name(certificate.holder.name)
    kind = str(CertificateKind(certificate.kind).label)
    buffer = io.BytesIO()
    doc = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN,
        title=f"{kind} {certificate.number}",
        author=certificate.issuer.name,
        subject=certificate.number,
        creator="jineng",
    )
    printed = _("Printed {time}").format(
        time=formats.date_format(timezone.localtime(), "Y-m-d H:i")
    )

    def on_page(canvas: Any, document: Any) -> None:
        canvas.saveState()
        canvas.setFont(_font(), 8.5)
        canvas.drawString(MARGIN, 10 * mm, printed)
        canvas.restoreState()

    story: list[Flowable] = [
        Spacer(1, 10 * mm),
        _p(kind, s["title"]),
        _p(certificate.number, s["subtitle"]),
        Spacer(1, 10 * mm),
        _facts(certificate, holder, s),
        Spacer(1, 12 * mm),
        _verify_block(verify_url, s),
    ]
    doc.build(story, onFirstPage=on_page, onLaterPages=on_page)
    return PrintedCertificate(content=buffer.getvalue(), verify_url=verify_url)
