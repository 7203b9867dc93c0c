"""Long tables in the PDF, laid out a page at a time (RowStream): the header repeats on every
page and memory stays bounded by one page of cells, however many rows there are. Each page's
rows are drawn directly (_TablePage), cells wrapped at the breaks a reader expects, each
resource linked to the Azure portal."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from urllib.parse import quote

from reportlab.lib import colors
from reportlab.lib.rl_accel import escapePDF, fp_str
from reportlab.lib.utils import simpleSplit
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import PATH_OPS
from reportlab.platypus import Flowable

from shared.rendering import formatting as fmt
from shared.rendering import theme
from shared.rendering.document import Table as TableBlock
from shared.rendering.pdf_styles import _TABLE_FONT_SIZE, BOLD, FONT, _c

_CELL_PAD = 3
_MAX_CELL_CHARS = 1500  # a cell taller than a page cannot be laid out; the HTML has it whole
_MAX_CELL_LINES = 12  # and however narrow its column, a row stays well within one page
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
    total: bool = False  # a row of the table's footer: what reconciles it with a headline


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
        surface = _fill_op(_c(theme.SURFACE))
        fill = PATH_OPS[0, 1, canvas._fillMode]
        code = canvas._code
        for index, row in enumerate(self.rows):
            if index % 2 or row.total:  # canvas.setFillColor and canvas.rect, as they write them
                code.append(surface if row.total else stripe)
                code.append(f"n 0 {_number(y - row.height)} {width} {_number(row.height)} "
                            f"re {fill}")
            self._cells(row, y, BOLD if row.total else FONT, ink)
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
            font = BOLD if header else FONT
            found = self._cells[key] = clip_lines(
                wrap_text(fmt.clipped(text, _MAX_CELL_CHARS), font, width - 2 * _CELL_PAD),
                font, width - 2 * _CELL_PAD)
        return found

    def _row(self, values, widths: list[float], header: bool = False,
             link: tuple[int, str] | None = None, total: bool = False) -> _Row:
        cells = [self._lines(v, w, header or total) for v, w in zip(values, widths, strict=True)]
        return _Row(cells, max(len(c) for c in cells) * _LEADING + 2 * _CELL_PAD, link, total)

    def _page(self, aw: float, ah: float) -> tuple[_TablePage | None, int]:
        if self._page_cache and self._page_cache[0] == (aw, ah):
            return self._page_cache[1], self._page_cache[2]
        columns = self.block.columns
        widths = [aw * c.width for c in columns]
        header = self._row([c.header for c in columns], widths, header=True)
        used, rows, i = header.height, [], self.start
        block = self.block
        body = len(block.rows)
        while i < self._length():
            if i >= body:  # the footer's rows follow the body's, in bold
                row = self._row(block.footer[i - body], widths, total=True)
            else:
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

    def _length(self) -> int:
        return len(self.block.rows) + len(self.block.footer)

    def wrap(self, aw, ah):
        page, count = self._page(aw, ah)
        if page is not None and self.start + count >= self._length():
            return page.wrap(aw, ah)
        return aw, ah + 1  # more than fits: the frame will call split()

    def split(self, aw, ah):
        page, count = self._page(aw, ah)
        if page is None:
            return []  # not even one row fits here: go to the next frame
        if self.start + count >= self._length():
            return [page]
        return [page, RowStream(self.block, self.accent, self.start + count, self._cells)]

    def draw(self) -> None:
        self._page_cache[1].drawOn(self.canv, 0, 0)
