"""Render a ReportDocument as a PDF with reportlab, in one pass.

- Cover page, table of contents, "Page X of Y" footers. The total page count and the page
  numbers in the contents are only known at the end, so they are drawn as PDF form XObjects
  that pages reference first and that are defined just before the file is saved: one layout
  pass instead of reportlab's multi-pass build.
- Charts are the same primitives as the HTML's SVG, drawn as vector shapes.
- Long tables are laid out a page at a time (RowStream): the header repeats on every page and
  memory stays bounded by one page of cells, however many rows there are.
- DejaVu Sans is embedded so names in Greek, Cyrillic or with accents print as themselves.

This module lays out the story (cover, contents, key figures, sections) from the pieces beside
it: pdf_pages.py (page templates and footer, cover, contents, the canvas), pdf_tables.py,
pdf_charts.py, pdf_styles.py (fonts, colours, paragraph styles) and pdf_file.py (the file,
written as it is made).
"""

from __future__ import annotations

from typing import BinaryIO

from reportlab.lib import colors
from reportlab.lib.units import mm
from reportlab.platypus import (
    CondPageBreak,
    Flowable,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)

from shared.advisor.safety import escape_paragraph
from shared.rendering import theme
from shared.rendering.document import ChartBlock, Prose, ReportDocument, Section, Text
from shared.rendering.document import Table as TableBlock
from shared.rendering.pdf_charts import chart_drawing
from shared.rendering.pdf_pages import (
    FRAME_W,
    _band,
    _canvas_class,
    _cover,
    _facts,
    _facts_table,
    _Heading,
    _Marks,
    _page_template,
    _TocPlaceholder,
)
from shared.rendering.pdf_styles import _c, _p, _register_fonts, _styles
from shared.rendering.pdf_tables import RowStream

_KEEP_TOGETHER_ROWS = 15


def _key_figures(doc: ReportDocument, marks: _Marks, accent: str) -> list[Flowable]:
    out: list[Flowable] = [_Heading("Key figures", _styles(accent)["h1"], "key-figures", 1,
                                    marks)]
    per_row = min(max(len(doc.key_figures), 1), 4)
    cells = [[_p(f.label, "kpi_label"), _p(f.value, "kpi_value"),
              *([_p(f.note, "kpi_note")] if f.note else []),
              *([_p(f.change, f"kpi_{f.tone or 'change'}")] if f.change else [])]
             for f in doc.key_figures]
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
    if doc.figures_note:
        out.append(_p(doc.figures_note, "muted_small"))
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
    out: list[Flowable] = [CondPageBreak(60 * mm if section.level == 1 else 35 * mm)]
    # The heading and the sentences that introduce a block go with the block: no heading or
    # introduction is left at the foot of a page with what it introduces on the next.
    pending: list[Flowable] = [_Heading(section.title, style, key, section.level, marks)]
    for block in section.blocks:
        if isinstance(block, Text):
            pending.append(_p(block.text, block.kind if block.kind in ("caveat", "empty")
                              else "body"))
        elif isinstance(block, Prose):
            out.extend([*pending, *_prose(block, accent)])
            pending = []
        elif isinstance(block, ChartBlock):
            if block.chart.is_empty:
                pending.append(_p(block.empty_text, "empty"))
            else:
                out.append(KeepTogether([*pending, _p(block.chart.title, "caption"),
                                         chart_drawing(block.chart), Spacer(1, 8)]))
                pending = []
        elif isinstance(block, TableBlock):
            parts = [_p(block.caption, "caption"),
                     RowStream(block, accent) if block.rows else _p(block.empty_text, "empty"),
                     Spacer(1, 8)]
            # A short table is read at a glance: never split it across two pages.
            if len(block.rows) + len(block.footer) <= _KEEP_TOGETHER_ROWS:
                out.append(KeepTogether([*pending, *parts]))
            else:  # a long one starts where its caption, header and first rows fit
                out += [CondPageBreak(40 * mm), *pending, *parts]
            pending = []
    return out + pending


def _about(doc: ReportDocument, marks: _Marks, accent: str) -> list[Flowable]:
    """A compact report ends with where it comes from (its cover's facts, elsewhere)."""
    heading = _Heading("About this report", _styles(accent)["h1"], "about", 1, marks)
    return [CondPageBreak(70 * mm), heading, _p(doc.cover.purpose, "muted"), Spacer(1, 4),
            _facts_table(_facts(doc))]


def render_pdf(doc: ReportDocument, out: BinaryIO) -> None:
    _register_fonts()
    marks = _Marks()
    keys = [f"s{i}" for i in range(len(doc.sections))]
    toc_entries = [("Key figures", 1, "key-figures")] + [
        (s.title, s.level, key) for s, key in zip(doc.sections, keys, strict=True)]
    accent = doc.branding.accent or theme.ACCENT
    template = _page_template(doc, marks, out)
    if doc.compact:
        story: list[Flowable] = [*_band(doc, accent), *_key_figures(doc, marks, accent)]
    else:
        story = [*_cover(doc, accent), NextPageTemplate("body"), PageBreak(),
                 Paragraph("Contents", _styles(accent)["h1"]), Spacer(1, 4),
                 _TocPlaceholder(toc_entries), Spacer(1, 14), *_key_figures(doc, marks, accent)]
    for section, key in zip(doc.sections, keys, strict=True):
        story.extend(_section(section, key, marks, accent))
    if doc.compact:
        story.extend(_about(doc, marks, accent))
    template.build(story, canvasmaker=_canvas_class(marks, toc_entries))
