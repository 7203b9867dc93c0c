"""The executive summary as a PowerPoint deck, for the review meeting.

Slides: title (both logos), key figures with a chart of recommendations by category, the
consultant's notes (when there are any), top actions, savings by lever, changes since the last
review (with a baseline), retirements, then each pillar's top actions. Charts are native
PowerPoint charts, editable in PowerPoint, not pictures. Deterministic: the same report gives
the same bytes (the package's dates are the report's and its zip entries carry one fixed time).
"""

from __future__ import annotations

import io
import re
import zipfile
from collections.abc import Sequence
from datetime import datetime

from pptx import Presentation
from pptx.chart.data import CategoryChartData
from pptx.dml.color import RGBColor
from pptx.enum.chart import XL_CHART_TYPE, XL_LABEL_POSITION, XL_LEGEND_POSITION
from pptx.enum.text import PP_ALIGN
from pptx.util import Emu, Inches, Pt

from shared.advisor.model import CATEGORY_RANK, UNRANKED
from shared.advisor.savings import LEVER_LABELS, LEVERS
from shared.rendering import formatting as fmt
from shared.rendering import theme
from shared.rendering.document import Image
from shared.rendering.notes import parse_notes
from shared.rendering.pptx_tracking import tracking_slide
from shared.rendering.report_types.base import (
    ReportContext,
    ReportInput,
    ReportType,
    context_of,
    cover_of,
    generated_at,
)
from shared.rendering.report_types.components import (
    KEY_FIGURES,
    action_scope,
    change_money_lines,
    figures_note,
    has_savings,
    reconciliation,
    reconciling_text,
    retirement_when,
    savings_text,
    trend_categories,
    trend_count,
    trend_label,
)
from shared.rendering.report_types.executive import summary_paragraph

WIDTH, HEIGHT = Inches(13.333), Inches(7.5)  # 16:9
MARGIN = Inches(0.6)
BODY_W = WIDTH - 2 * MARGIN
TOP = Inches(1.35)  # below a slide's title
_ZIP_TIME = (2000, 1, 1, 0, 0, 0)
_BLANK = 6  # the default template's blank layout
_TABLE_ROWS = 8
_PILLAR_ROWS = 6


def _rgb(colour: str) -> RGBColor:
    return RGBColor.from_string(colour.lstrip("#").upper())


class _Deck:
    margin, body_width = MARGIN, BODY_W  # for the slides drawn outside this module

    def __init__(self, accent: str) -> None:
        self.prs = Presentation()
        self.prs.slide_width, self.prs.slide_height = WIDTH, HEIGHT
        self.accent = accent

    def slide(self, title: str | None = None):
        slide = self.prs.slides.add_slide(self.prs.slide_layouts[_BLANK])
        if title:
            bar = slide.shapes.add_shape(1, 0, 0, Inches(0.18), HEIGHT)  # 1: rectangle
            bar.fill.solid()
            bar.fill.fore_color.rgb = _rgb(self.accent)
            bar.line.fill.background()
            self.text(slide, title, MARGIN, Inches(0.35), BODY_W, Inches(0.8), size=28,
                      bold=True, colour=self.accent)
        return slide

    def card(self, slide, left, top, width, height) -> None:
        """The box a key figure sits in: the surface colour, outlined in the accent."""
        box = slide.shapes.add_shape(1, left, top, width, height)  # 1: rectangle
        box.fill.solid()
        box.fill.fore_color.rgb = _rgb(theme.SURFACE)
        box.line.color.rgb = _rgb(self.accent)

    def text(self, slide, text: str, left, top, width, height, size: float = 16,
             bold: bool = False, colour: str = theme.INK, align=PP_ALIGN.LEFT):
        box = slide.shapes.add_textbox(left, top, width, height)
        frame = box.text_frame
        frame.word_wrap = True
        for i, line in enumerate(text.split("\n")):
            paragraph = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
            paragraph.alignment = align
            run = paragraph.add_run()
            run.text = line
            run.font.size, run.font.bold = Pt(size), bold
            run.font.color.rgb = _rgb(colour)
        return box

    def picture(self, slide, image: Image, left, top, box_w, box_h, right: bool = False):
        scale = min(box_w / image.width, box_h / image.height)
        width, height = int(image.width * scale), int(image.height * scale)
        if right:
            left = left + box_w - width
        slide.shapes.add_picture(io.BytesIO(image.data), Emu(left), Emu(top), Emu(width),
                                 Emu(height))

    def table(self, slide, headers: Sequence[str], rows: Sequence[Sequence[str]],
              widths: Sequence[float], top: int = TOP, numeric: Sequence[int] = (),
              totals: int = 0):
        """A native table; widths are shares of the body width; the last `totals` rows are
        its footer, in bold (what makes a column of savings add up to the headline)."""
        shape = slide.shapes.add_table(len(rows) + 1, len(headers), MARGIN, top, BODY_W,
                                       Inches(0.4) * (len(rows) + 1))
        table = shape.table
        for col, share in enumerate(widths):
            table.columns[col].width = int(BODY_W * share)
        for r, values in enumerate([headers, *rows]):
            for c, value in enumerate(values):
                cell = table.cell(r, c)
                cell.text = value
                paragraph = cell.text_frame.paragraphs[0]
                paragraph.alignment = PP_ALIGN.RIGHT if c in numeric else PP_ALIGN.LEFT
                font = paragraph.runs[0].font if paragraph.runs else paragraph.font
                font.size = Pt(12)
                font.bold = r == 0 or r > len(rows) - totals
                cell.fill.solid()
                if r == 0:
                    cell.fill.fore_color.rgb = _rgb(self.accent)
                    font.color.rgb = RGBColor(0xFF, 0xFF, 0xFF)
                else:
                    cell.fill.fore_color.rgb = _rgb("#ffffff" if r % 2 else "#f4f6f8")
                    font.color.rgb = _rgb(theme.INK)
        return table

    def save(self, created: datetime) -> bytes:
        props = self.prs.core_properties
        props.created = props.modified = created
        props.last_modified_by = props.author = "Advisor Reports"
        props.revision = 1
        raw = io.BytesIO()
        self.prs.save(raw)
        return _fixed_times(raw.getvalue(), created)


_CORE_DATES = re.compile(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)")


def _fixed_times(package: bytes, stamp: datetime, nested: bool = False) -> bytes:
    """The same package with the wall clock taken out: python-pptx dates its zip entries, and
    the workbook embedded in each chart (its data, for editing in PowerPoint) dates its
    properties when it is written. Both get the report's time."""
    out = io.BytesIO()
    when = stamp.strftime("%Y-%m-%dT%H:%M:%SZ").encode()
    with zipfile.ZipFile(io.BytesIO(package)) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info)
            if info.filename.endswith(".xlsx"):
                data = _fixed_times(data, stamp, nested=True)
            elif nested and info.filename == "docProps/core.xml":
                data = _CORE_DATES.sub(rb"\g<1>" + when + rb"\g<2>", data)
            target.writestr(zipfile.ZipInfo(info.filename, _ZIP_TIME), data,
                            compress_type=zipfile.ZIP_DEFLATED)
    return out.getvalue()


def _style(chart, title: str, legend: bool = False) -> None:
    """Text at a size that reads from the back of a meeting room, a modest title, and the
    legend (when there are series to tell apart) under the plot."""
    chart.has_legend = legend
    if legend:
        chart.legend.position = XL_LEGEND_POSITION.BOTTOM
        chart.legend.include_in_layout = False
    chart.font.size = Pt(12)
    chart.font.color.rgb = _rgb(theme.INK)
    chart.has_title = True
    chart.chart_title.text_frame.text = title
    chart.chart_title.text_frame.paragraphs[0].runs[0].font.size = Pt(14)
    chart.chart_title.text_frame.paragraphs[0].runs[0].font.bold = True


# -- slides ----------------------------------------------------------------------------------------


def _title_slide(deck: _Deck, kind: ReportType, data: ReportInput, ctx: ReportContext) -> None:
    cover = cover_of(kind, data, ctx)
    slide = deck.slide()
    brand = data.branding
    if brand.client_logo:
        deck.picture(slide, brand.client_logo, MARGIN, Inches(0.5), Inches(3.6), Inches(1.3))
    if brand.partner_logo:
        deck.picture(slide, brand.partner_logo, WIDTH - MARGIN - Inches(3), Inches(0.5),
                     Inches(3), Inches(0.9), right=True)
    band = slide.shapes.add_shape(1, 0, Inches(2.35), WIDTH, Inches(0.08))
    band.fill.solid()
    band.fill.fore_color.rgb = _rgb(deck.accent)
    band.line.fill.background()
    deck.text(slide, cover.report_label.upper(), MARGIN, Inches(2.7), BODY_W, Inches(0.4), size=14,
              bold=True, colour=deck.accent)
    deck.text(slide, data.title, MARGIN, Inches(3.1), BODY_W, Inches(1.2), size=36, bold=True)
    lines = [f"Prepared for {data.client}"]
    if brand.partner_name:
        lines.append(f"Prepared by {brand.partner_name}")
    lines.append(f"Scope: {cover.scope}")
    lines.append(f"Export date {cover.export_date or 'not given'} · "
                 f"generated {cover.generated_date}")
    deck.text(slide, "\n".join(lines), MARGIN, Inches(4.5), BODY_W, Inches(1.6), size=16,
              colour=theme.MUTED)
    if brand.partner_contact:
        deck.text(slide, brand.partner_contact, MARGIN, Inches(6.6), BODY_W, Inches(0.4),
                  size=12, colour=theme.MUTED)


_TONES = {"better": "#107c10", "worse": "#c50f1f", "": theme.MUTED}


def _figure_boxes(deck: _Deck, slide, ctx: ReportContext) -> None:
    """The executive summary's key figures, as its PDF shows them (with their changes)."""
    figures = [f for name in ctx.kind.key_figures for f in KEY_FIGURES[name](ctx)]
    width, gap = Inches(2.9), Inches(0.15)
    for i, figure in enumerate(figures[:4]):
        left, top = MARGIN + (i % 2) * (width + gap), Inches(1.35) + (i // 2) * Inches(1.35)
        deck.card(slide, left, top, width, Inches(1.2))
        deck.text(slide, figure.label, left + Inches(0.1), top + Inches(0.05),
                  width - Inches(0.2), Inches(0.35), size=12, colour=theme.MUTED)
        deck.text(slide, figure.value, left + Inches(0.1), top + Inches(0.32),
                  width - Inches(0.2), Inches(0.5), size=22 if len(figure.value) <= 12 else 17,
                  bold=True)
        if figure.change:
            deck.text(slide, figure.change, left + Inches(0.1), top + Inches(0.8),
                      width - Inches(0.2), Inches(0.35), size=10, bold=True,
                      colour=_TONES[figure.tone])


def _key_figures(deck: _Deck, data: ReportInput, ctx: ReportContext) -> None:
    slide = deck.slide("Key figures")
    _figure_boxes(deck, slide, ctx)
    deck.text(slide, summary_paragraph(ctx.stats, ctx.plan, ctx.changes), MARGIN,
              Inches(4.2), Inches(5.95), Inches(2.2), size=14)
    deck.text(slide, figures_note(ctx, data.client), MARGIN, Inches(6.5), Inches(5.95),
              Inches(0.6), size=11, colour=theme.MUTED)
    rows = ctx.stats["byCategory"]
    if rows:
        chart_data = CategoryChartData(number_format="#,##0")  # 1,234 as on the cards
        chart_data.categories = [theme.category_label(r["category"]) for r in rows]
        chart_data.add_series("Recommendations", [r["count"] for r in rows])
        chart = slide.shapes.add_chart(
            XL_CHART_TYPE.BAR_CLUSTERED, Inches(6.9), Inches(1.35), Inches(5.8), Inches(5.2),
            chart_data).chart
        _style(chart, "Recommendations by category")
        chart.value_axis.visible = False  # the bars carry their numbers
        chart.value_axis.has_major_gridlines = False
        plot = chart.plots[0]
        plot.has_data_labels = True
        plot.data_labels.position = XL_LABEL_POSITION.OUTSIDE_END
        plot.data_labels.number_format, plot.data_labels.number_format_is_linked = "#,##0", False
        chart.category_axis.reverse_order = True  # the largest at the top, as in the reports
        for point, row in zip(plot.series[0].points, rows, strict=True):
            point.format.fill.solid()
            point.format.fill.fore_color.rgb = _rgb(theme.category_colour(row["category"]))


def _notes(deck: _Deck, data: ReportInput) -> None:
    if not data.notes.strip():
        return
    slide = deck.slide("Consultant's notes")
    # Short notes in larger type: a few lines fill the slide instead of its top fifth.
    length = len(data.notes)
    size = 24 if length <= 500 else 20 if length <= 900 else 16
    box = slide.shapes.add_textbox(MARGIN, Inches(1.35), BODY_W, Inches(5.6))
    frame = box.text_frame
    frame.word_wrap = True
    for i, paragraph in enumerate(parse_notes(data.notes).paragraphs):
        out = frame.paragraphs[0] if i == 0 else frame.add_paragraph()
        out.space_after = Pt(8)
        pieces = [(r.text, r.bold) for r in paragraph.runs]
        if paragraph.bullet:
            pieces.insert(0, ("•  ", False))
        for text, bold in pieces:
            added = out.add_run()
            added.text = text
            added.font.size, added.font.bold = Pt(size), bold
            added.font.color.rgb = _rgb(theme.INK)


def _action_table(deck: _Deck, slide, ctx: ReportContext, actions: Sequence[dict],
                  category: bool) -> None:
    """Actions as a table; with savings in the report, their column and the rows that make it
    add up to the headline (the actions not listed, the overlap, the estimate)."""
    money = has_savings(ctx) and any(a["savingsByCurrency"] for a in actions)
    headers = ["Impact", "Action", *(["Category"] if category else []), "Scope",
               *(["Annual savings"] if money else [])]
    rows = [[a["impact"], a["recommendation"],
             *([theme.category_label(a["category"])] if category else []), action_scope(a),
             *([savings_text(a["savingsByCurrency"])] if money else [])] for a in actions]
    footer = []
    if money:
        lines = reconciliation(ctx, (a["savingsByCurrency"] for a in actions),
                               len(ctx.plan) - len(actions), "action")
        footer = [["", text, *([""] if category else []), "",
                   reconciling_text(amounts, text)] for text, amounts in lines]
    widths = [0.08, 0.46, 0.14, 0.16, 0.16] if category else [0.09, 0.57, 0.17, 0.17]
    if not money:  # the action's text takes the room of an empty column
        widths = [*widths[:1], widths[1] + widths[-1], *widths[2:-1]]
    deck.table(slide, headers, rows + footer, widths,
               numeric=(len(headers) - 1,) if money else (), totals=len(footer))


def _top_actions(deck: _Deck, ctx: ReportContext) -> None:
    slide = deck.slide("Top actions")
    actions = ctx.plan[:_TABLE_ROWS]
    if not actions:
        deck.text(slide, "Nothing to act on.", MARGIN, Inches(1.4), BODY_W, Inches(0.5))
        return
    _action_table(deck, slide, ctx, actions, True)


def _savings_by_lever(deck: _Deck, ctx: ReportContext) -> None:
    slide = deck.slide("Savings by lever")
    savings = ctx.stats["savingsByCurrency"]
    if not savings:
        deck.text(slide, "No recommendation in this export estimates a saving.", MARGIN,
                  Inches(1.4), BODY_W, Inches(0.5))
        return
    first = savings[0]
    chart_data = CategoryChartData(number_format='#,##0')
    chart_data.categories = [LEVER_LABELS[lever] for lever in LEVERS]
    chart_data.add_series(f"Annual savings ({first['currency']})",
                          [float(first["byLever"][lever]) for lever in LEVERS])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, MARGIN, Inches(1.35),
                                   Inches(7.6), Inches(5.4), chart_data).chart
    _style(chart, f"Estimated annual savings by lever ({first['currency']})")
    chart.value_axis.tick_labels.number_format = "#,##0"
    chart.value_axis.tick_labels.number_format_is_linked = False
    plot = chart.plots[0]
    plot.has_data_labels = True
    plot.data_labels.number_format, plot.data_labels.number_format_is_linked = "#,##0", False
    plot.series[0].format.fill.solid()
    plot.series[0].format.fill.fore_color.rgb = _rgb(deck.accent)
    lines = [f"Estimate: {fmt.compact_money(s['estimatedAnnualSavings'], s['currency'])} a year "
             f"({fmt.compact_money(s['estimatedMonthlySavings'], s['currency'])} a month)"
             for s in savings]
    lines.append("Savings plans and reservations are alternatives: the estimate counts the "
                 "larger of the two per subscription. Amounts in different currencies are never "
                 "added.")
    deck.text(slide, "\n\n".join(lines), Inches(8.5), Inches(1.6), Inches(4.2), Inches(5),
              size=14)


def _changes(deck: _Deck, ctx: ReportContext) -> None:
    changes = ctx.changes
    if changes is None:
        return
    slide = deck.slide(f"Changes since {ctx.baseline_name}")
    counts = changes["counts"]
    rows = changes["byCategory"]
    if rows:
        chart_data = CategoryChartData(number_format="#,##0")
        chart_data.categories = [theme.category_label(r["category"]) for r in rows]
        chart_data.add_series("New", [r["new"] for r in rows])
        chart_data.add_series("Resolved", [r["resolved"] for r in rows])
        chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, MARGIN, Inches(1.35),
                                       Inches(7.6), Inches(5.4), chart_data).chart
        _style(chart, "New and resolved findings by category", legend=True)
        plot = chart.plots[0]
        plot.has_data_labels = True
        plot.data_labels.number_format, plot.data_labels.number_format_is_linked = "#,##0", False
        for series, colour in zip(plot.series, (theme.IMPACT_COLOURS["High"],
                                                theme.CATEGORY_COLOURS["Reliability"]),
                                  strict=True):
            series.format.fill.solid()
            series.format.fill.fore_color.rgb = _rgb(colour)
    money = "".join(f"\n\n{line}" for line in change_money_lines(changes, compact=True))
    deck.text(slide, f"{fmt.plural(counts['new'], 'new finding')}\n"
                     f"{fmt.count(counts['resolved'])} resolved\n"
                     f"{fmt.count(counts['persisting'])} still open{money}",
              Inches(8.5), Inches(1.6), Inches(4.2), Inches(5), size=18)


def _trend(deck: _Deck, ctx: ReportContext) -> None:
    """The client's last reports: open findings by category (stacked) and the estimate."""
    points = list(ctx.trend)
    if len(points) < 2:
        return
    slide = deck.slide(f"Trend over the last {len(points)} reviews")
    labels = [trend_label(p, points) for p in points]
    chart_data = CategoryChartData(number_format="#,##0")
    chart_data.categories = labels
    categories = trend_categories(points)
    for category in categories:
        chart_data.add_series(theme.category_label(category) if category else "Not broken down",
                              [trend_count(p, category) for p in points])
    chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_STACKED, MARGIN, Inches(1.35),
                                   Inches(7.4), Inches(5.6), chart_data).chart
    _style(chart, "Open findings by category", legend=True)
    chart.value_axis.tick_labels.number_format = "#,##0"
    chart.value_axis.tick_labels.number_format_is_linked = False
    for series, category in zip(chart.plots[0].series, categories, strict=True):
        series.format.fill.solid()
        series.format.fill.fore_color.rgb = _rgb(theme.category_colour(category) if category
                                                 else theme.MUTED)
    savings = ctx.stats["savingsByCurrency"]
    if savings:
        currency = savings[0]["currency"]
        money = CategoryChartData(number_format="#,##0")
        money.categories = labels
        money.add_series(f"Estimated annual savings ({currency})",
                         [float(p["estimatedSavingsByCurrency"].get(currency) or 0)
                          for p in points])
        chart = slide.shapes.add_chart(XL_CHART_TYPE.COLUMN_CLUSTERED, Inches(8.2),
                                       Inches(1.35), Inches(4.5), Inches(5.6), money).chart
        _style(chart, f"Estimated annual savings ({currency})")
        chart.value_axis.tick_labels.number_format = "#,##0"
        chart.value_axis.tick_labels.number_format_is_linked = False
        chart.plots[0].series[0].format.fill.solid()
        chart.plots[0].series[0].format.fill.fore_color.rgb = _rgb(deck.accent)


_SLIDE_RETIREMENTS = 3  # fewer: the key figures' card and paragraph say it, no slide


def _retirements(deck: _Deck, ctx: ReportContext) -> None:
    rows = ctx.stats["retirements"]
    if len(rows) < _SLIDE_RETIREMENTS:
        return
    slide = deck.slide("Retirements")
    deck.table(slide, ["When", "Date", "Feature", "Resources"],
               [[retirement_when(r), r["date"] or "not given", r["feature"] or "not given",
                 fmt.count(r["count"])] for r in rows[:_TABLE_ROWS]],
               [0.2, 0.14, 0.54, 0.12], numeric=(3,))
    if len(rows) > _TABLE_ROWS:
        deck.text(slide, f"And {fmt.plural(len(rows) - _TABLE_ROWS, 'more retirement')}: "
                         "see the reports.", MARGIN, Inches(6.8), BODY_W, Inches(0.4), size=12,
                  colour=theme.MUTED)


def _pillars(deck: _Deck, ctx: ReportContext) -> None:
    by_category: dict[str, list[dict]] = {}
    for action in ctx.plan:
        by_category.setdefault(action["category"], []).append(action)
    for category in sorted(by_category, key=lambda c: (CATEGORY_RANK.get(c, UNRANKED), c)):
        actions = by_category[category]
        slide = deck.slide(f"{theme.category_label(category)}: top actions")
        _action_table(deck, slide, ctx, actions[:_PILLAR_ROWS], False)
        findings = sum(a["findings"] for a in actions)
        deck.text(slide, f"{fmt.plural(len(actions), 'action')} in all, covering "
                         f"{fmt.plural(findings, 'finding')}.", MARGIN, Inches(6.8), BODY_W,
                  Inches(0.4), size=12, colour=theme.MUTED)


def render_pptx(kind: ReportType, data: ReportInput) -> bytes:
    """The deck of the executive summary (the only type a deck is made for)."""
    ctx = context_of(kind, data)
    deck = _Deck(ctx.accent)
    _title_slide(deck, kind, data, ctx)
    _key_figures(deck, data, ctx)
    _notes(deck, data)
    _top_actions(deck, ctx)
    _savings_by_lever(deck, ctx)
    _changes(deck, ctx)
    _trend(deck, ctx)
    tracking_slide(deck, ctx, data.facts)  # the client's tracked actions, if any
    _retirements(deck, ctx)
    _pillars(deck, ctx)
    return deck.save(generated_at(data))
