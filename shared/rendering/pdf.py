"""Render a ReportDocument as a PDF with reportlab, in one pass.

- Cover page, table of contents, "Page X of Y" footers. The total page count and the page
  numbers in the contents are only known at the end, so they are drawn as PDF form XObjects
  that pages reference first and that are defined just before the file is saved: one layout
  pass instead of reportlab's multi-pass build.
- Charts are the same primitives as the HTML's SVG, drawn as vector shapes.
- Long tables are laid out a page at a time (RowStream): the header repeats on every page and
  memory stays bounded by one page of cells, however many rows there are.
- DejaVu Sans is embedded so names in Greek, Cyrillic or with accents print as themselves.
"""

from __future__ import annotations

import io
import re
import weakref
import zlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import BinaryIO
from urllib.parse import quote

from reportlab.graphics.shapes import Drawing, Rect, String, Wedge
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFStream
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import PATH_OPS, Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    CondPageBreak,
    Flowable,
    Frame,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus import Image as PdfImage

from shared.advisor.safety import escape_paragraph
from shared.rendering import charts, theme
from shared.rendering.document import ChartBlock, Prose, ReportDocument, Section, Text
from shared.rendering.document import Image as DocImage
from shared.rendering.document import Table as TableBlock
from shared.rendering.pdf_file import StreamingDocument

FONT = "DejaVuSans"
BOLD = "DejaVuSans-Bold"
_FONTS = Path(__file__).resolve().parent / "fonts"
PAGE_W, PAGE_H = A4
MARGIN = 18 * mm
FRAME_W = PAGE_W - 2 * MARGIN
_CELL_PAD = 3
_TABLE_FONT_SIZE = 7.5
_MAX_CELL_CHARS = 1500  # a cell taller than a page cannot be laid out; the HTML has it whole
_KEEP_TOGETHER_ROWS = 15
_MAX_CELL_LINES = 12  # and however narrow its column, a row stays well within one page
_PRODUCER = "Advisor Reports"


class _RepeatingTextFont(TTFont):
    """DejaVu with `splitString` remembered per document. Every string drawn goes through it
    (mapping characters to the embedded subset's codes, a Python loop per character), and the
    detailed reports draw the same texts over and over: categories, impacts, resource types,
    the same recommendation for hundreds of resources. Once a text's characters are in the
    document's subsets the answer for that text never changes, so it is kept."""

    _MAX_REMEMBERED = 20_000  # distinct texts per document; the rest are mostly one-offs

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._remembered: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()

    def splitString(self, text, doc, encoding="utf-8"):
        known = self._remembered.get(doc)
        if known is None:
            known = self._remembered[doc] = {}
        found = known.get(text)
        if found is None:
            found = super().splitString(text, doc, encoding)
            if len(known) < self._MAX_REMEMBERED:
                known[text] = found
        return found


@lru_cache(maxsize=1)
def _register_fonts() -> None:
    pdfmetrics.registerFont(_RepeatingTextFont(FONT, str(_FONTS / "DejaVuSans.ttf")))
    pdfmetrics.registerFont(_RepeatingTextFont(BOLD, str(_FONTS / "DejaVuSans-Bold.ttf")))
    pdfmetrics.registerFontFamily(FONT, normal=FONT, bold=BOLD, italic=FONT, boldItalic=BOLD)


@lru_cache(maxsize=64)  # the same few colours on every row of every table
def _c(hex_colour: str) -> colors.Color:
    return colors.HexColor(hex_colour)


@lru_cache(maxsize=8)
def _styles(accent: str = theme.ACCENT) -> dict[str, ParagraphStyle]:
    _register_fonts()
    base = ParagraphStyle("base", fontName=FONT, fontSize=9.5, leading=13,
                          textColor=_c(theme.INK))
    return {
        "body": base,
        "muted": ParagraphStyle("muted", base, textColor=_c(theme.MUTED)),
        "empty": ParagraphStyle("empty", base, textColor=_c(theme.MUTED), fontSize=9.5),
        "caveat": ParagraphStyle("caveat", base, fontSize=8.5, leading=11.5,
                                 backColor=colors.HexColor("#fff4ce"), borderPadding=5,
                                 borderColor=colors.HexColor("#eaa300"), borderWidth=0.5,
                                 spaceBefore=6, spaceAfter=10),
        "h1": ParagraphStyle("h1", base, fontName=BOLD, fontSize=16, leading=20, spaceBefore=6,
                             spaceAfter=8, textColor=_c(accent)),
        "h2": ParagraphStyle("h2", base, fontName=BOLD, fontSize=11.5, leading=15,
                             spaceBefore=10, spaceAfter=4),
        "caption": ParagraphStyle("caption", base, fontName=BOLD, fontSize=9, spaceBefore=4,
                                  spaceAfter=3),
        "cell": ParagraphStyle("cell", base, fontSize=_TABLE_FONT_SIZE,
                               leading=_TABLE_FONT_SIZE * 1.25),
        "cell_head": ParagraphStyle("cell_head", base, fontName=BOLD,
                                    fontSize=_TABLE_FONT_SIZE, leading=_TABLE_FONT_SIZE * 1.25,
                                    textColor=colors.white),
        "cover_eyebrow": ParagraphStyle("ce", base, fontName=BOLD, fontSize=11,
                                        textColor=_c(accent)),
        "cover_title": ParagraphStyle("ct", base, fontName=BOLD, fontSize=28, leading=34,
                                      spaceBefore=8, spaceAfter=10),
        "cover_purpose": ParagraphStyle("cp", base, fontSize=12, leading=16,
                                        textColor=_c(theme.MUTED), spaceAfter=24),
        "notes": ParagraphStyle("notes", base, fontSize=10, leading=14, spaceAfter=6),
        "bullet": ParagraphStyle("bullet", base, fontSize=10, leading=14, leftIndent=14,
                                 bulletIndent=3, spaceAfter=3),
        "kpi_label": ParagraphStyle("kl", base, fontSize=8, leading=10,
                                    textColor=_c(theme.MUTED)),
        "kpi_value": ParagraphStyle("kv", base, fontName=BOLD, fontSize=14, leading=17),
        "kpi_note": ParagraphStyle("kn", base, fontSize=7.5, leading=9.5,
                                   textColor=_c(theme.MUTED)),
    }


def _p(text: str, style: str, accent: str = theme.ACCENT) -> Paragraph:
    return Paragraph(escape_paragraph(text), _styles(accent)[style])


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
                label = title if len(title) < 80 else title[:79] + "…"
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


# -- tables ----------------------------------------------------------------------------------------


_LEADING = _TABLE_FONT_SIZE * 1.25


_BREAKS = re.compile(r"(?<=[-_/.\\,;:])|(?<=[a-z])(?=[A-Z])|(?<=[A-Za-z])(?=\()")


def _pieces(word: str) -> list[str]:
    """A long token cut where a reader expects it: after - _ / . (and \\ , ; :), between a
    lower-case letter and an upper-case one (camelCase), before a parenthesis."""
    return [p for p in _BREAKS.split(word) if p]


def _hard_break(piece: str, font: str, width: float) -> list[str]:
    """A piece with no break point that is still wider than a line: cut by characters."""
    out = []
    while stringWidth(piece, font, _TABLE_FONT_SIZE) > width and len(piece) > 1:
        cut = len(piece) - 1
        while cut > 1 and stringWidth(piece[:cut], font, _TABLE_FONT_SIZE) > width:
            cut = max(1, int(cut * 0.9)) if cut > 40 else cut - 1
        out.append(piece[:cut])
        piece = piece[cut:]
    out.append(piece)
    return out


def wrap_text(text: str, font: str, width: float) -> list[str]:
    """Lines of at most `width` points. Words wrap at spaces; a word longer than a line wraps
    at its separators or case changes, and only a piece with none is cut mid-word."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        if stringWidth(paragraph, font, _TABLE_FONT_SIZE) <= width \
                and " ".join(paragraph.split()) == paragraph:
            lines.append(paragraph)  # most cells: one line, as simpleSplit would make it
            continue
        for line in simpleSplit(paragraph, font, _TABLE_FONT_SIZE, width) or [""]:
            if stringWidth(line, font, _TABLE_FONT_SIZE) <= width:
                lines.append(line)
                continue
            current = ""
            for piece in (p for chunk in _pieces(line) for p in
                          _hard_break(chunk, font, width)):
                if current and stringWidth(current + piece, font, _TABLE_FONT_SIZE) > width:
                    lines.append(current)
                    current = piece
                else:
                    current += piece
            lines.append(current)
    return lines


def clip_lines(lines: list[str], font: str, width: float,
               most: int = _MAX_CELL_LINES) -> list[str]:
    """At most `most` lines; the last one kept ends in an ellipsis when text was cut."""
    if len(lines) <= most:
        return lines
    last = lines[most - 1]
    while last and stringWidth(last + "…", font, _TABLE_FONT_SIZE) > width:
        last = last[:-1]
    return [*lines[:most - 1], last.rstrip() + "…"]


def _portal_link(url: str, rect: tuple[float, float, float, float]) -> bytes:
    """A link annotation as its finished bytes: reportlab's linkURL builds a dozen objects per
    link and formats each, which doubled the time of a 50,000-row PDF; and reportlab writes a
    bytes object as it is, so a row's link costs its bytes, not an object around them."""
    safe = quote(url, safe=":/#?=&%-._~+,;@!$'*").replace("\\", "\\\\") \
        .replace("(", "\\(").replace(")", "\\)")
    box = " ".join(_number(v) for v in rect)
    return (f"<< /Type /Annot /Subtype /Link /Border [0 0 0] /Rect [{box}] "
            f"/A << /S /URI /URI ({safe}) >> >>").encode("ascii")


def _link(canvas, url: str, rect: tuple[float, float, float, float]) -> None:
    # Into the file at once; the page keeps only the reference.
    canvas._annotationrefs.append(
        canvas._doc.write_now(_portal_link(url, canvas._absRect(rect, 1))))


@dataclass
class _Row:
    cells: list[list[str]]  # the lines of each cell
    height: float
    link: tuple[int, str] | None = None  # (column, URL): the cell links to the Azure portal


class _TablePage(Flowable):
    """The rows of a long table that fit on one page, under its header; drawn directly."""

    def __init__(self, columns, widths: list[float], header: _Row, rows: list[_Row],
                 accent: str) -> None:
        super().__init__()
        self.columns, self.widths, self.header, self.rows = columns, widths, header, rows
        self.accent = _c(accent)
        self.width = sum(widths)
        self.height = header.height + sum(r.height for r in rows)

    def wrap(self, aw, ah):
        return self.width, self.height

    def draw(self) -> None:
        canvas = self.canv
        y = self.height
        canvas.setFillColor(self.accent)
        canvas.rect(0, y - self.header.height, self.width, self.header.height, stroke=0, fill=1)
        self._cells(self.header, y, BOLD, colors.white)
        y -= self.header.height
        canvas.setStrokeColor(_c(theme.RULE))
        canvas.setLineWidth(0.25)
        ink, stripe, width = _c(theme.INK), _fill_op(_c("#fafbfc")), _number(self.width)
        fill = PATH_OPS[0, 1, canvas._fillMode]
        code = canvas._code
        for index, row in enumerate(self.rows):
            if index % 2:  # canvas.setFillColor and canvas.rect, as they write them
                code.append(stripe)
                code.append(f"n 0 {_number(y - row.height)} {width} {_number(row.height)} "
                            f"re {fill}")
            self._cells(row, y, FONT, ink)
            y -= row.height
            code.append(f"n 0 {_number(y)} m {width} {_number(y)} l S")  # canvas.line

    def _cells(self, row: _Row, top: float, font: str, colour: colors.Color) -> None:
        """One text object for the whole row, written as reportlab's PDFTextObject would
        (begin, fill colour, a position and the text of each line of each cell, end) without
        its calls: a long table draws tens of thousands of them, and they were most of its
        time (a test draws a table both ways)."""
        canvas = self.canv
        doc = canvas._doc
        face = pdfmetrics.getFont(font)
        fill = _fill_op(colour)
        code = ["BT 1 0 0 1 0 0 Tm", fill]
        subset = -1  # none chosen yet: the first text names its subset of the font
        first_baseline = top - _CELL_PAD - _TABLE_FONT_SIZE
        x = 0.0
        for index, (column, width, lines) in enumerate(zip(self.columns, self.widths, row.cells,
                                                           strict=True)):
            linked = row.link is not None and row.link[0] == index
            if linked:
                code.append(_fill_op(self.accent))
                _link(canvas, row.link[1], (x, top - row.height, x + width, top))
            baseline = first_baseline
            for line in lines:
                if column.numeric:
                    left = x + width - _CELL_PAD - _width(line, font)
                else:
                    left = x + _CELL_PAD
                code.append(f"1 0 0 1 {_number(left)} {_number(baseline)} Tm")
                shown = []
                for part_subset, part in face.splitString(line, doc):
                    if part_subset != subset:
                        shown.append(f"{face.getSubsetInternalName(part_subset, doc)} "
                                     f"{_TABLE_FONT_OPS}")
                        subset = part_subset
                    shown.append(_shown(part))
                code.append(" ".join(shown))
                baseline -= _LEADING
            if linked:
                code.append(fill)
            x += width
        code.append("ET")
        canvas._code.append(" ".join(code))


_NUMBERS: dict[float, str] = {}


def _number(value: float) -> str:
    """fp_str(value), remembered: a table's cells start at a few dozen distinct positions
    (its columns, and the baselines of a page's rows, the same on every page), and fp_str
    was the costliest call of a long table (fp_str(x, y) is fp_str(x) + " " + fp_str(y))."""
    found = _NUMBERS.get(value)
    if found is None:
        if len(_NUMBERS) > 20_000:
            _NUMBERS.clear()
        found = _NUMBERS[value] = fp_str(value)
    return found


_TABLE_FONT_OPS = f"{fp_str(_TABLE_FONT_SIZE)} Tf {fp_str(_LEADING)} TL"


@lru_cache(maxsize=64)
def _fill_op(colour: colors.Color) -> str:
    """The operator setting an opaque RGB fill, as setFillColor writes it."""
    return f"{fp_str(colour.red, colour.green, colour.blue)} rg"


@lru_cache(maxsize=20_000)
def _shown(part: str) -> str:
    """A piece of text in a font subset's codes, as the operator showing it."""
    return f"({escapePDF(part)}) Tj"


@lru_cache(maxsize=20_000)
def _width(line: str, font: str) -> float:
    """A table line's width: right-aligned numbers repeat from row to row."""
    return stringWidth(line, font, _TABLE_FONT_SIZE)


class RowStream(Flowable):
    """A long table laid out a page at a time, its header repeated on every page.

    Memory stays bounded by one page of cells however many rows there are, and wrapped cells
    are cached: Advisor texts repeat row after row.
    """

    def __init__(self, block: TableBlock, accent: str = theme.ACCENT, start: int = 0,
                 cells: dict[tuple[str, float, bool], list[str]] | None = None) -> None:
        super().__init__()
        self.block = block
        self.accent = accent
        self.start = start
        self._cells = {} if cells is None else cells
        self._page_cache: tuple[tuple[float, float], _TablePage | None, int] | None = None

    def _lines(self, text: str, width: float, header: bool) -> list[str]:
        key = (text, width, header)
        found = self._cells.get(key)
        if found is None:
            if len(self._cells) > 20_000:
                self._cells.clear()
            clipped = text if len(text) <= _MAX_CELL_CHARS else text[:_MAX_CELL_CHARS] + "…"
            font = BOLD if header else FONT
            found = self._cells[key] = clip_lines(
                wrap_text(clipped, font, width - 2 * _CELL_PAD), font, width - 2 * _CELL_PAD)
        return found

    def _row(self, values, widths: list[float], header: bool = False,
             link: tuple[int, str] | None = None) -> _Row:
        cells = [self._lines(v, w, header) for v, w in zip(values, widths, strict=True)]
        return _Row(cells, max(len(c) for c in cells) * _LEADING + 2 * _CELL_PAD, link)

    def _page(self, aw: float, ah: float) -> tuple[_TablePage | None, int]:
        if self._page_cache and self._page_cache[0] == (aw, ah):
            return self._page_cache[1], self._page_cache[2]
        columns = self.block.columns
        widths = [aw * c.width for c in columns]
        header = self._row([c.header for c in columns], widths, header=True)
        used, rows, i = header.height, [], self.start
        block = self.block
        while i < len(block.rows):
            url = block.links[i] if block.link_column is not None and block.links else ""
            row = self._row(block.rows[i], widths,
                            link=(block.link_column, url) if url else None)
            if used + row.height > ah:
                break
            rows.append(row)
            used += row.height
            i += 1
        page = _TablePage(columns, widths, header, rows, self.accent) if rows else None
        self._page_cache = ((aw, ah), page, i - self.start)
        return page, i - self.start

    def wrap(self, aw, ah):
        page, count = self._page(aw, ah)
        if page is not None and self.start + count >= len(self.block.rows):
            return page.wrap(aw, ah)
        return aw, ah + 1  # more than fits: the frame will call split()

    def split(self, aw, ah):
        page, count = self._page(aw, ah)
        if page is None:
            return []  # not even one row fits here: go to the next frame
        if self.start + count >= len(self.block.rows):
            return [page]
        return [page, RowStream(self.block, self.accent, self.start + count, self._cells)]

    def draw(self) -> None:
        self._page_cache[1].drawOn(self.canv, 0, 0)


# -- charts ----------------------------------------------------------------------------------------


def chart_drawing(chart: charts.Chart) -> Drawing:
    """The chart's primitives as reportlab vector shapes (y flipped: PDF grows upwards)."""
    _register_fonts()
    height, shapes = charts.layout(chart)
    drawing = Drawing(charts.WIDTH, height)
    for s in shapes:
        if isinstance(s, charts.Rect):
            drawing.add(Rect(s.x, height - s.y - s.height, s.width, s.height,
                             fillColor=_c(s.fill), strokeColor=None, rx=2, ry=2))
        elif isinstance(s, charts.Ring):
            drawing.add(Wedge(s.cx, height - s.cy, s.outer, 90 - s.end, 90 - s.start,
                              radius1=s.inner, fillColor=_c(s.fill), strokeColor=colors.white,
                              strokeWidth=0.5))
        elif isinstance(s, charts.Text):
            drawing.add(String(s.x, height - s.y, s.text, fontName=BOLD if s.bold else FONT,
                               fontSize=s.size, fillColor=_c(s.fill), textAnchor=s.anchor))
    return drawing


# -- the document ----------------------------------------------------------------------------------


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
    facts = [("Client", cover.client),
             *([("Prepared by", brand.partner_name)] if brand.partner_name else []),
             ("Scope", cover.scope or "not given"), ("Source file", cover.source_file),
             ("Export date", cover.export_date or "not given"),
             ("Generated", cover.generated_date), ("Prepared for", cover.audience)]
    table = Table([[_p(k, "muted"), _p(v, "body")] for k, v in facts],
                  colWidths=[40 * mm, FRAME_W - 40 * mm],
                  style=TableStyle([("LINEBELOW", (0, 0), (-1, -1), 0.25, _c(theme.RULE)),
                                    ("VALIGN", (0, 0), (-1, -1), "TOP"),
                                    ("TOPPADDING", (0, 0), (-1, -1), 6),
                                    ("BOTTOMPADDING", (0, 0), (-1, -1), 6)]))
    out = [*_brand_row(doc), _p(cover.report_label.upper(), "cover_eyebrow", accent),
           _p(cover.title, "cover_title"), _p(cover.purpose, "cover_purpose"), table]
    if brand.partner_contact:
        out += [Spacer(1, 10 * mm), _p(brand.partner_contact, "muted")]
    return out


def _key_figures(doc: ReportDocument, marks: _Marks, accent: str) -> list[Flowable]:
    out: list[Flowable] = [_Heading("Key figures", _styles(accent)["h1"], "key-figures", 1,
                                    marks)]
    per_row = 3
    cells = [[_p(f.label, "kpi_label"), _p(f.value, "kpi_value"),
              *([_p(f.note, "kpi_note")] if f.note else [])] for f in doc.key_figures]
    rows = [cells[i:i + per_row] for i in range(0, len(cells), per_row)]
    commands = [("VALIGN", (0, 0), (-1, -1), "TOP"), ("TOPPADDING", (0, 0), (-1, -1), 6),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 8)]
    for r, row in enumerate(rows):
        for c in range(len(row)):  # style the boxes that hold a figure, not the padding
            commands += [("BACKGROUND", (c, r), (c, r), _c(theme.SURFACE)),
                         ("LINEABOVE", (c, r), (c, r), 2, _c(accent)),
                         ("LINEAFTER", (c, r), (c, r), 4, colors.white),
                         ("LINEBELOW", (c, r), (c, r), 4, colors.white)]
        row += [""] * (per_row - len(row))
    out.append(Table(rows, colWidths=[FRAME_W / per_row] * per_row,
                     style=TableStyle(commands)))
    if doc.caveat:
        out.append(_p(doc.caveat, "caveat"))
    return out


def _prose(prose: Prose, accent: str) -> list[Flowable]:
    """The notes: each run escaped, bold only where the notes asked for it."""
    styles = _styles(accent)
    out: list[Flowable] = []
    for paragraph in prose.paragraphs:
        markup = "".join(f"<b>{escape_paragraph(r.text)}</b>" if r.bold
                         else escape_paragraph(r.text) for r in paragraph.runs)
        if paragraph.bullet:
            out.append(Paragraph(markup, styles["bullet"], bulletText="•"))
        else:
            out.append(Paragraph(markup, styles["notes"]))
    return out


def _section(section: Section, key: str, marks: _Marks, accent: str) -> list[Flowable]:
    style = _styles(accent)["h1" if section.level == 1 else "h2"]
    out: list[Flowable] = [CondPageBreak(60 * mm if section.level == 1 else 35 * mm),
                           _Heading(section.title, style, key, section.level, marks)]
    for block in section.blocks:
        if isinstance(block, Text):
            out.append(_p(block.text, block.kind if block.kind in ("caveat", "empty")
                          else "body"))
        elif isinstance(block, Prose):
            out.extend(_prose(block, accent))
        elif isinstance(block, ChartBlock):
            if block.chart.is_empty:
                out.append(_p(block.empty_text, "empty"))
            else:
                out.append(KeepTogether([_p(block.chart.title, "caption"),
                                         chart_drawing(block.chart), Spacer(1, 8)]))
        elif isinstance(block, TableBlock):
            parts = [_p(block.caption, "caption"),
                     RowStream(block, accent) if block.rows else _p(block.empty_text, "empty"),
                     Spacer(1, 8)]
            # A short table is read at a glance: never split it across two pages.
            out.extend([KeepTogether(parts)] if len(block.rows) <= _KEEP_TOGETHER_ROWS
                       else parts)
    return out


def render_pdf(doc: ReportDocument, out: BinaryIO) -> None:
    _register_fonts()
    marks = _Marks()
    keys = [f"s{i}" for i in range(len(doc.sections))]
    toc_entries = [("Key figures", 1, "key-figures")] + [
        (s.title, s.level, key) for s, key in zip(doc.sections, keys, strict=True)]
    cover = doc.cover
    accent = doc.branding.accent or theme.ACCENT

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
    template.addPageTemplates([PageTemplate("cover", [frame]),
                               PageTemplate("body", [frame], onPage=footer)])
    story: list[Flowable] = [*_cover(doc, accent), NextPageTemplate("body"), PageBreak(),
                             Paragraph("Contents", _styles(accent)["h1"]), Spacer(1, 4),
                             _TocPlaceholder(toc_entries), Spacer(1, 14),
                             *_key_figures(doc, marks, accent)]
    for section, key in zip(doc.sections, keys, strict=True):
        story.extend(_section(section, key, marks, accent))
    template.build(story, canvasmaker=_canvas_class(marks, toc_entries))
