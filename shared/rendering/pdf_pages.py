"""The PDF's page furniture: the page templates and their footer, the cover, the contents and
the canvas that finishes each page.

The total page count ("Page X of Y") and the page numbers in the contents are only known at
the end, so they are drawn as PDF form XObjects that pages reference first and that are
defined just before the file is saved: one layout pass instead of reportlab's multi-pass
build. Each finished page is deflated and written into the file at once (pdf_file.py)."""

from __future__ import annotations

import io
import zlib
from dataclasses import dataclass, field
from typing import BinaryIO

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase.pdfdoc import PDFStream
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Flowable,
    Frame,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import Image as PdfImage

from shared.advisor.safety import escape_paragraph
from shared.rendering import formatting as fmt
from shared.rendering import theme
from shared.rendering.document import Image as DocImage
from shared.rendering.document import ReportDocument
from shared.rendering.pdf_file import StreamingDocument
from shared.rendering.pdf_styles import BOLD, FONT, _c, _p

PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
FRAME_W = PAGE_W - 2 * MARGIN
_PRODUCER = "Advisor Reports"


# -- the page templates ----------------------------------------------------------------------------


def _page_template(doc: ReportDocument, marks: _Marks, out: BinaryIO) -> BaseDocTemplate:
    """The cover's page, and the others' with a footer: the report, its client and "Page X of
    Y", Y the form 'pagecount' drawn when the file is saved."""
    cover = doc.cover

    def footer(canvas: Canvas, _doc) -> None:
        canvas.saveState()
        canvas.setFont(FONT, 7.5)
        canvas.setFillColor(_c(theme.MUTED))
        canvas.setStrokeColor(_c(theme.RULE))
        canvas.line(MARGIN, MARGIN - 4 * mm, PAGE_W - MARGIN, MARGIN - 4 * mm)
        left = f"{cover.report_label} · {cover.client}" + (
            f" · prepared by {doc.branding.partner_name}" if doc.branding.partner_name else "")
        canvas.drawString(MARGIN, MARGIN - 8 * mm, left[:110])
        label = f"Page {canvas.getPageNumber()} of "
        total_width = stringWidth(str(max(marks.pages, canvas.getPageNumber())) + "0", FONT, 7.5)
        x = PAGE_W - MARGIN - total_width - stringWidth(label, FONT, 7.5)
        canvas.drawString(x, MARGIN - 8 * mm, label)
        canvas.translate(x + stringWidth(label, FONT, 7.5), MARGIN - 8 * mm)
        canvas.doForm("pagecount")
        canvas.restoreState()

    template = BaseDocTemplate(
        out, pagesize=A4, leftMargin=MARGIN, rightMargin=MARGIN, topMargin=MARGIN,
        bottomMargin=MARGIN, title=f"{cover.title} · {cover.report_label}",
        author=cover.client, subject=f"{cover.report_label} of Azure Advisor recommendations "
        f"from {cover.source_file}", creator=_PRODUCER, producer=_PRODUCER, invariant=1,
        lang="en")
    frame = Frame(MARGIN, MARGIN, FRAME_W, PAGE_H - 2 * MARGIN, id="body", leftPadding=0,
                  rightPadding=0, topPadding=0, bottomPadding=0)
    pages = [PageTemplate("cover", [frame]), PageTemplate("body", [frame], onPage=footer)]
    # A compact report has no cover: every page, the first too, is a body page.
    template.addPageTemplates(pages[::-1] if doc.compact else pages)
    return template


# -- the cover ------------------------------------------------------------------------------------


def _logo(image: DocImage, box_w: float, box_h: float, align: str) -> Flowable:
    """The logo scaled to fit its box, its proportions kept."""
    scale = min(box_w / image.width, box_h / image.height)
    return PdfImage(io.BytesIO(image.data), image.width * scale, image.height * scale,
                    mask="auto", hAlign=align)


def _brand_row(doc: ReportDocument) -> list[Flowable]:
    """The client's logo on the left, the partner's on the right (either may be absent)."""
    brand = doc.branding
    if not (brand.client_logo or brand.partner_logo):
        return [Spacer(1, 50 * mm)]
    half = FRAME_W / 2
    left = _logo(brand.client_logo, 70 * mm, 26 * mm, "LEFT") if brand.client_logo else ""
    right = _logo(brand.partner_logo, 55 * mm, 18 * mm, "RIGHT") if brand.partner_logo else ""
    row = Table([[left, right]], colWidths=[half, half], rowHeights=[30 * mm],
                style=TableStyle([("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                  ("ALIGN", (1, 0), (1, 0), "RIGHT"),
                                  ("LEFTPADDING", (0, 0), (-1, -1), 0),
                                  ("RIGHTPADDING", (0, 0), (-1, -1), 0)]))
    return [row, Spacer(1, 20 * mm)]


def _cover(doc: ReportDocument, accent: str) -> list[Flowable]:
    cover = doc.cover
    brand = doc.branding
    table = _facts_table([f for f in _facts(doc) if f[0] != "Contact"])
    out = [*_brand_row(doc), _p(cover.report_label.upper(), "cover_eyebrow", accent),
           _p(cover.title, "cover_title"), _p(cover.purpose, "cover_purpose"), table]
    if brand.partner_contact:
        out += [Spacer(1, 10 * mm), _p(brand.partner_contact, "muted")]
    return out


def _facts(doc: ReportDocument) -> list[tuple[str, str]]:
    """Where the report comes from and who it is for, as the cover (or the end) lists them."""
    cover, brand = doc.cover, doc.branding
    return [("Client", cover.client),
            *([("Prepared by", brand.partner_name)] if brand.partner_name else []),
            ("Scope", cover.scope or "not given"), ("Source file", cover.source_file),
            ("Export date", cover.export_date or "not given"),
            ("Generated", cover.generated_date), ("Prepared for", cover.audience),
            *([("Contact", brand.partner_contact)] if brand.partner_contact else [])]


def _facts_table(facts: list[tuple[str, str]]) -> Table:
    return Table([[_p(k, "muted"), _p(v, "body")] for k, v in facts],
                 colWidths=[40 * mm, FRAME_W - 40 * mm],
                 style=TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.25, _c(theme.RULE)),
                                   ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                   ("TOPPADDING", (0, 0), (-1, -1), 6),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))


def _band(doc: ReportDocument, accent: str) -> list[Flowable]:
    """A compact report's head: the report and its period, the title, the client and the
    partner, their logos at the right; the key figures follow on the same page."""
    cover, brand = doc.cover, doc.branding
    who = cover.client + (f" · prepared by {brand.partner_name}" if brand.partner_name else "")
    eyebrow = cover.report_label.upper() + (f" · {cover.period.upper()}" if cover.period else "")
    text = [_p(eyebrow, "cover_eyebrow", accent), _p(cover.title, "band_title"),
            _p(who, "band_who"), _p(cover.scope, "muted_small")]
    logos = [_logo(image, 45 * mm, 14 * mm, "RIGHT") for image in
             (brand.client_logo, brand.partner_logo) if image]
    logo_w = 50 * mm if logos else 0
    logo_cell = [item for image in logos for item in (image, Spacer(1, 3 * mm))]
    band = Table([[text, logo_cell]], colWidths=[FRAME_W - logo_w, logo_w],
                 style=TableStyle([("BACKGROUND", (0, 0), (-1, -1), _c(theme.SURFACE)),
                                   ("LINEBEFORE", (0, 0), (0, 0), 4, _c(accent)),
                                   ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                                   ("LEFTPADDING", (0, 0), (0, 0), 10),
                                   ("TOPPADDING", (0, 0), (-1, -1), 8),
                                   ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]))
    return [band, Spacer(1, 4 * mm)]


# -- forms drawn at save time: page count and contents --------------------------------------------


@dataclass
class _Marks:
    """What the layout learns as it goes, drawn into the forms when the file is saved."""

    toc: list[tuple[str, int, str, int]] = field(default_factory=list)  # title, level, key, page
    pages: int = 0


class _TocPlaceholder(Flowable):
    """Reserves the contents' space; its lines are the form 'toc', defined at save time."""

    LINE = 16.0

    def __init__(self, entries: list[tuple[str, int, str]]) -> None:
        super().__init__()
        self.entries = entries

    def wrap(self, aw, ah):
        return aw, self.LINE * len(self.entries)

    def draw(self) -> None:
        canvas = self.canv
        canvas.doForm("toc")
        height = self.LINE * len(self.entries)
        for i, (_, _, key) in enumerate(self.entries):
            top = height - i * self.LINE
            canvas.linkRect("", key, (0, top - self.LINE, FRAME_W, top), relative=1)


class _Heading(Paragraph):
    """A heading that records its page for the contents and the PDF outline."""

    def __init__(self, text: str, style: ParagraphStyle, key: str, level: int,
                 marks: _Marks) -> None:
        super().__init__(escape_paragraph(text), style)
        self.title, self.key, self.level, self.marks = text, key, level, marks

    def draw(self) -> None:
        canvas = self.canv
        canvas.bookmarkPage(self.key)
        canvas.addOutlineEntry(self.title, self.key, level=self.level - 1, closed=True)
        self.marks.toc.append((self.title, self.level, self.key, canvas.getPageNumber()))
        super().draw()


class _Deflated:
    """The FlateDecode filter for a stream whose content is deflated already."""

    pdfname = "FlateDecode"

    @staticmethod
    def encode(content: bytes) -> bytes:
        return content


def _compress_now(page) -> None:
    """Deflate a finished page's content at once instead of when saving: reportlab keeps every
    page's drawing operators as text until the end, over 100 MB for a report of 200,000 rows,
    where deflated they are a tenth of that. The pages decode to the same operators; the
    streams are left binary (reportlab would also wrap them in ASCII85, a quarter larger)."""
    if page.compression and page.stream and not page.Contents:
        page.Contents = PDFStream(content=zlib.compress(page.stream.encode("utf-8")),
                                  filters=[_Deflated])
        page.stream = None


def _canvas_class(marks: _Marks, toc_entries: list[tuple[str, int, str]]):
    class ReportCanvas(Canvas):
        def __init__(self, *args, **kwargs) -> None:
            super().__init__(*args, **kwargs)
            self._doc.__class__ = StreamingDocument  # written into the file as it is made
            self._doc.begin(self._filename)

        def showPage(self) -> None:
            marks.pages = self.getPageNumber()
            # The page's links, written already, as one list of references ("12 0 R 13 0 R").
            refs = self._annotationrefs
            written = [ref for ref in refs if isinstance(ref, bytes)]
            if written:
                self._annotationrefs = [ref for ref in refs if not isinstance(ref, bytes)]
                self._annotationrefs.append(b" ".join(written))
            super().showPage()
            page = self._doc.Pages.pages[-1]
            _compress_now(page)
            if page.Contents:  # deflated: finished, into the file now
                page.Contents = self._doc.write_now(page.Contents)
                self._doc.write_page_now()

        def save(self) -> None:
            self.beginForm("pagecount")
            self.setFont(FONT, 7.5)
            self.setFillColor(_c(theme.MUTED))
            self.drawString(0, 0, str(marks.pages))
            self.endForm()
            self._draw_toc()
            super().save()

        def _draw_toc(self) -> None:
            pages = {key: page for _, _, key, page in marks.toc}
            height = _TocPlaceholder.LINE * len(toc_entries)
            self.beginForm("toc")
            for i, (title, level, key) in enumerate(toc_entries):
                y = height - (i + 1) * _TocPlaceholder.LINE + 4
                indent = 0 if level == 1 else 14
                font = BOLD if level == 1 else FONT
                self.setFont(font, 10 if level == 1 else 9)
                self.setFillColor(_c(theme.INK))
                label = fmt.clipped(title, 80)
                self.drawString(indent, y, label)
                page = str(pages.get(key, ""))
                self.drawRightString(FRAME_W, y, page)
                start = indent + stringWidth(label, font, 10 if level == 1 else 9) + 6
                end = FRAME_W - stringWidth(page, FONT, 10) - 6
                if end > start:
                    self.setStrokeColor(_c(theme.RULE))
                    self.setDash(1, 2)
                    self.line(start, y, end, y)
                    self.setDash()
            self.endForm()

    return ReportCanvas
