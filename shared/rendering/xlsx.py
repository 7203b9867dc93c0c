"""A report as an Excel workbook: the sheets a consultant filters, sorts and pivots.

Sheets: Summary (key figures), Action plan (with the tracked columns of xlsx_tracking, which
the client may edit and upload back), Recommendations (every row of the report's scope),
By subscription, Retirements, Changes when the report has a baseline, and the hidden Tracking.

- XlsxWriter in constant-memory mode: each row goes to a temporary file as it is written, so a
  workbook of a million rows needs the memory of one row. The long sheets' rows are serialised
  a row at a time by xlsx_rows (XlsxWriter's own XML, four times faster than cell by cell).
- Text is written as text (xlsx_rows: write_text, SheetRows.text), never with write(): a value
  that starts with =, +, -, @, a tab or a carriage return stays text (and carries Excel's quote
  prefix, so editing the cell keeps it text), and one shaped like the sheet's XML is escaped.
  An export, a name or a comment cannot put a formula into a consultant's workbook.
- Deterministic: the document's dates are the report's, so the same report gives the same
  bytes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any, BinaryIO

import xlsxwriter
from xlsxwriter.worksheet import Worksheet

from shared.advisor.headlines import headline
from shared.advisor.model import Recommendation
from shared.advisor.savings import LEVER_LABELS, LEVERS
from shared.advisor.stats import SAVINGS_CAVEAT
from shared.rendering import formatting as fmt
from shared.rendering import theme
from shared.rendering import xlsx_tracking as tracking
from shared.rendering.notes import parse_notes, plain
from shared.rendering.report_types.base import (
    ReportContext,
    ReportInput,
    ReportType,
    change_items,
    context_of,
    cover_of,
    generated_at,
)
from shared.rendering.report_types.components import (
    baseline_headline,
    change_money,
    figures_note,
    portal_url,
    reconciliation,
    retirement_when,
    trend_categories,
    trend_count,
    trend_label,
)
from shared.rendering.xlsx_rows import SheetRows, write_text

MAX_CELL = 32_767  # Excel's limit for the text of a cell
MAX_URL = 2_079  # Excel's limit for a link's address
_FORMULA_STARTS = frozenset("=+-@\t\r")


class _Book:
    """The workbook with the formats its sheets share."""

    def __init__(self, output: BinaryIO, accent: str, created: datetime) -> None:
        self.book = xlsxwriter.Workbook(output, {
            "constant_memory": True, "strings_to_formulas": False, "strings_to_urls": False,
            "strings_to_numbers": False, "max_url_length": MAX_URL})
        self.book.set_properties({"created": created, "author": "Advisor Reports",
                                  "comments": "Made by Advisor Reports from an Azure Advisor "
                                              "export."})
        add = self.book.add_format
        self.header = add({"bold": True, "font_color": "#ffffff", "bg_color": accent,
                           "valign": "top", "text_wrap": True, "border": 0})
        self.quoted = add({"quote_prefix": True})
        self.title = add({"bold": True, "font_size": 16, "font_color": accent})
        self.label = add({"font_color": theme.MUTED, "valign": "top"})
        self.bold = add({"bold": True, "valign": "top"})
        self.figure = add({"num_format": "#,##0", "align": "left"})
        self.wrap = add({"text_wrap": True, "valign": "top"})
        self.link = add({"font_color": accent, "underline": 1})
        self.count = add({"num_format": "#,##0"})
        self.date = add({"num_format": "yyyy-mm-dd", "align": "left"})
        self.change = add({"num_format": "+#,##0;\u2212#,##0;0", "align": "left"})
        self._money: dict[tuple[str, bool, bool, bool], Any] = {}
        self.written = 0  # rows the last table() wrote

    def money(self, currency: str, signed: bool = False, left: bool = False,
              bold: bool = False):
        """Amounts keep their number; the format shows the currency (ISO codes only: the
        parser refuses others), a change its sign, a negative amount a minus sign."""
        key = (currency, signed, left, bold)
        found = self._money.get(key)
        if found is None:
            code = f' "{currency}"' if currency.isalpha() else ""
            number = f"#,##0.00{code}"
            found = self._money[key] = self.book.add_format(
                {"num_format": f"+{number};\u2212{number};0.00{code}" if signed
                 else f"{number};\u2212{number}",
                 **({"align": "left"} if left else {}), **({"bold": True} if bold else {})})
        return found

    def sheet(self, name: str, columns: Sequence[tuple[str, float]]) -> Worksheet:
        """A sheet whose first row is a frozen header over columns of the given widths."""
        sheet = self.printable(self.book.add_worksheet(name))
        sheet.repeat_rows(0)  # the header on every printed page
        for col, (header, width) in enumerate(columns):
            if width:
                sheet.set_column(col, col, width)
            else:  # a column for the app, not the reader (the tracked actions' keys)
                sheet.set_column(col, col, 18, None, {"hidden": True})
            write_text(sheet, 0, col, header, self.header)
        sheet.freeze_panes(1, 0)
        return sheet

    @staticmethod
    def printable(sheet: Worksheet) -> Worksheet:
        """Printed landscape, one page wide: columns never spill onto pages of their own."""
        sheet.set_landscape()
        sheet.set_paper(9)  # A4
        sheet.fit_to_pages(1, 0)
        return sheet

    def text(self, sheet: Worksheet, row: int, col: int, value: str, style=None) -> None:
        value = value[:MAX_CELL]
        write_text(sheet, row, col, value,
                   self.quoted if value[:1] in _FORMULA_STARTS else style)

    def row_text(self, rows: SheetRows, col: int, value: str, style=None) -> None:
        """`text` for a cell of a table's rows."""
        value = value[:MAX_CELL]
        rows.text(col, value, self.quoted if value[:1] in _FORMULA_STARTS else style)

    def table(self, name: str, columns: Sequence[tuple[str, float]],
              rows: Iterable[Sequence[Any]], kinds: str) -> Worksheet:
        """A sheet of rows; `kinds` has one letter per column: t text, n count, m money
        (the value is (amount, currency)), d date (YYYY-MM-DD, or ""), u a web address shown
        as a link (as text past Excel's limits). `rows` may be read
        as it is written (the sheet's row count is then `self.written`)."""
        sheet = self.sheet(name, columns)
        out = SheetRows(sheet)
        self.written = 0
        for r, values in enumerate(rows, start=1):
            out.start(r)
            for c, (kind, value) in enumerate(zip(kinds, values, strict=True)):
                self._cell(out, c, kind, value)
            out.end()
            self.written = r
        out.close()
        sheet.autofilter(0, 0, max(self.written, 1), len(columns) - 1)
        return sheet

    def link_cell(self, rows: SheetRows, col: int, url: str, shown: str) -> None:
        """`shown` linking to `url`; as text past Excel's limits or without an address."""
        if not (url and len(url) <= MAX_URL and rows.link(col, url, shown[:MAX_CELL], self.link)) \
                and shown:
            self.row_text(rows, col, shown)

    def _cell(self, rows: SheetRows, col: int, kind: str, value: Any) -> None:
        if kind == "n":
            rows.number(col, value, self.count)
        elif kind == "m":
            amount, currency = value
            if amount is not None:
                rows.number(col, float(amount), self.money(currency))
        elif kind == "d":
            if value and value < "1900":  # no spreadsheet date: stays text
                self.row_text(rows, col, value)
            elif value:
                rows.date(col, datetime.combine(date.fromisoformat(value), datetime.min.time()),
                          self.date)
        elif kind == "u":
            self.link_cell(rows, col, value, value)
        elif value:
            self.row_text(rows, col, str(value))


# -- sheets ----------------------------------------------------------------------------------------


def _summary(book: _Book, kind: ReportType, data: ReportInput, ctx: ReportContext) -> None:
    cover = cover_of(kind, data, ctx)
    sheet = book.printable(book.book.add_worksheet("Summary"))
    sheet.set_column(0, 0, 34)
    sheet.set_column(1, 1, 60)
    sheet.set_column(2, 7, 22)
    book.text(sheet, 0, 0, f"{cover.title} · {kind.label}", book.title)
    facts = [("Client", data.client),
             *([("Prepared by", data.branding.partner_name)] if data.branding.partner_name
               else []),
             *([("Contact", data.branding.partner_contact)] if data.branding.partner_contact
               else []),
             ("Scope", cover.scope), ("Source file", cover.source_file),
             ("Export date", cover.export_date or "not given"),
             ("Generated", cover.generated_date), ("Prepared for", cover.audience),
             ("Purpose", cover.purpose)]
    if data.exclusions:
        hidden = sum(r["rows"] for r in data.exclusions)
        facts.append(("Exclusions", f"{fmt.plural(hidden, 'finding')} left out of every figure "
                                    f"by {fmt.plural(len(data.exclusions), 'rule')} in force"))
    row = 2
    for label, value in facts:
        book.text(sheet, row, 0, label, book.label)
        book.text(sheet, row, 1, value)
        row += 1
    if ctx.changes is None:
        book.text(sheet, row, 0, "Baseline", book.label)
        book.text(sheet, row, 1, figures_note(ctx, data.client))
        row += 1
    row = _key_figures(book, sheet, row + 1, ctx)
    savings = ctx.stats["savingsByCurrency"]
    if savings:
        row += 1
        headers = ["Estimated annual savings", "Estimate", "Monthly",
                   *(LEVER_LABELS[lever] for lever in LEVERS), "Plain sum (overstates)"]
        for col, header in enumerate(headers):
            book.text(sheet, row, col, header, book.bold)
        for saving in savings:
            row += 1
            money = book.money(saving["currency"])
            book.text(sheet, row, 0, saving["currency"])
            values = [saving["estimatedAnnualSavings"], saving["estimatedMonthlySavings"],
                      *(saving["byLever"][lever] for lever in LEVERS), saving["annualSavings"]]
            for col, value in enumerate(values, start=1):
                sheet.write_number(row, col, float(value), money)
        row += 1
        book.text(sheet, row, 0, "Caveat", book.label)
        _wrapped(book, sheet, row, SAVINGS_CAVEAT)
        row += 1
    if kind.key == "executive" and data.notes.strip():
        row += 1
        book.text(sheet, row, 0, "Consultant's notes", book.bold)
        _wrapped(book, sheet, row, plain(parse_notes(data.notes)))


def _key_figures(book: _Book, sheet: Worksheet, row: int, ctx: ReportContext) -> int:
    """The headline figures, each with its change since the baseline (column C); the row
    after them."""
    totals, now, then = ctx.stats["totals"], headline(ctx.stats), baseline_headline(ctx)
    book.text(sheet, row, 0, "Key figures", book.bold)
    if then is not None:
        book.text(sheet, row, 2, f"Change since {ctx.baseline_name}", book.bold)
    row += 1
    counts = (("Recommendations", now["recommendations"], "recommendations"),
              ("High impact", now["highImpact"], "highImpact"),
              ("Overdue retirements", now["overdueRetirements"], "overdueRetirements"),
              ("Subscriptions", totals["subscriptions"], ""),
              ("Resources", totals["resources"], ""),
              ("Actions in the action plan", len(ctx.plan), ""))
    for label, value, name in counts:
        if name == "overdueRetirements" and not ({"overdue", "retirements"}
                                                 & set(ctx.kind.key_figures)):
            continue  # a type about costs or security has no retirements to count
        book.text(sheet, row, 0, label, book.label)
        sheet.write_number(row, 1, value, book.figure)
        if then is not None and name:
            sheet.write_number(row, 2, value - then[name], book.change)
        row += 1
    for saving in ctx.stats["savingsByCurrency"]:
        currency, amount = saving["currency"], saving["estimatedAnnualSavings"]
        book.text(sheet, row, 0, f"Estimated annual savings ({currency})", book.label)
        sheet.write_number(row, 1, amount, book.money(currency, left=True))
        if then is not None:
            before = then["estimatedSavings"].get(currency) or 0
            sheet.write_number(row, 2, amount - before, book.money(currency, signed=True))
        row += 1
    return row


_SUMMARY_CHARS = 70  # characters a line of the Summary's wide column holds


def _wrapped(book: _Book, sheet: Worksheet, row: int, text: str) -> None:
    """Long text in the wide column, its row as tall as its lines (a workbook written as it
    goes cannot leave that to Excel)."""
    lines = sum(max(1, -(-len(line) // _SUMMARY_CHARS)) for line in text.split("\n"))
    sheet.set_row(row, min(409, 15 * lines))  # 409 points: Excel's tallest row
    book.text(sheet, row, 1, text, book.wrap)


def _currency_columns(items: Sequence[dict], key: str = "savingsByCurrency") -> list[str]:
    return sorted({c for item in items for c in item[key]})


def _action_plan(book: _Book, ctx: ReportContext, tracked_facts: dict) -> list[dict]:
    """The plan with each action's tracked cells (xlsx_tracking); the actions as tracked."""
    plan = tracking.tracked(ctx.plan, tracked_facts)
    currencies = _currency_columns(plan)
    columns = [("Impact", 9), ("Category", 16), ("Action", 60), ("Findings", 10),
               ("Resources", 11), ("Subscriptions", 13),
               *((f"Annual savings ({c})", 18) for c in currencies), ("Retires", 12),
               ("Resource types", 40), ("For example", 50), ("How to fix", 60),
               ("Learn more", 40), *tracking.COLUMNS]
    rows = [(a["impact"], theme.category_label(a["category"]), a["recommendation"],
             a["findings"], a["resources"], a["subscriptions"],
             *((a["savingsByCurrency"].get(c), c) for c in currencies),
             a["retirementDate"] or "", ", ".join(a["resourceTypes"]),
             ", ".join(e["resourceName"] for e in a["examples"]), a.get("solution", ""),
             a.get("learnMoreLink", ""), *tracking.cells(a))
            for a in plan]
    sheet = book.table("Action plan", columns, rows,
                       "tttnnn" + "m" * len(currencies) + "ttttu" + tracking.KINDS)
    tracking.finish_sheet(sheet, len(plan), len(columns) - len(tracking.COLUMNS))
    _reconciled(book, sheet, len(rows) + 2, 2, 6, currencies,
                reconciliation(ctx, (a["savingsByCurrency"] for a in plan), 0, "action"))
    return plan


_REC_COLUMNS = (("Line", 7), ("Category", 16), ("Impact", 9), ("Recommendation", 60),
                ("Resource", 28), ("Resource type", 30), ("Resource group", 24),
                ("Subscription", 26), ("Subscription id", 38), ("Annual savings", 16),
                ("Potential benefits", 40), ("Retirement date", 14), ("Retiring feature", 30),
                ("Updated", 20), ("Resource id (opens the Azure portal)", 60))


def _recommendations(book: _Book, records: Sequence[Recommendation]) -> None:
    """Every row of the report's scope, in the source file's order (Line finds it there)."""
    sheet = book.sheet("Recommendations", _REC_COLUMNS)
    out = SheetRows(sheet)
    text, money, link_cell = book.row_text, book.money, book.link_cell
    for row, rec in enumerate(records, start=1):  # the hot loop: 50,000 rows x 15 columns
        out.start(row)
        out.number(0, rec.line)
        for col, value in ((1, theme.category_label(rec.category)), (2, rec.impact),
                           (3, rec.recommendation), (4, rec.resource_name),
                           (5, rec.resource_type), (6, rec.resource_group),
                           (7, rec.subscription_name), (8, rec.subscription_id)):
            if value:
                text(out, col, value)
        if rec.annual_savings is not None:
            out.number(9, float(rec.annual_savings), money(rec.currency))
        for col, value in ((10, rec.potential_benefits), (11, rec.retirement_date),
                           (12, rec.retiring_feature), (13, rec.updated)):
            if value:
                text(out, col, value)
        resource_id = rec.resource_id
        link_cell(out, 14, portal_url(resource_id), resource_id)
        out.end()
    out.close()
    sheet.autofilter(0, 0, max(len(records), 1), len(_REC_COLUMNS) - 1)


def _by_subscription(book: _Book, ctx: ReportContext) -> None:
    rows = ctx.stats["bySubscription"]
    currencies = _currency_columns(rows)
    columns = [("Subscription", 30), ("Subscription id", 38), ("Recommendations", 16),
               ("High impact", 12), *((f"Sum of savings ({c})", 20) for c in currencies)]
    sheet = book.table("By subscription", columns,
                       [(r.get("subscriptionName") or "", r["subscriptionId"], r["count"],
                         r["high"], *((r["savingsByCurrency"].get(c), c) for c in currencies))
                        for r in rows], "ttnn" + "m" * len(currencies))
    _reconciled(book, sheet, len(rows) + 2, 0, 4, currencies,
                reconciliation(ctx, (r["savingsByCurrency"] for r in rows), 0, "subscription"))


def _reconciled(book: _Book, sheet: Worksheet, row: int, label_col: int, first_col: int,
                currencies: list[str], lines: list[tuple[str, dict]]) -> None:
    """Under a sheet's rows, after a blank row (outside the filter), the lines that make its
    savings columns add up to the headline estimate: the overlap of savings plans and
    reservations (negative), then the estimate."""
    for label, amounts in lines:
        book.text(sheet, row, label_col, label, book.bold)
        for col, currency in enumerate(currencies, start=first_col):
            if currency in amounts:
                sheet.write_number(row, col, float(amounts[currency]),
                                   book.money(currency, bold=True))
        row += 1


def _retirements(book: _Book, ctx: ReportContext) -> None:
    rows = ctx.stats["retirements"]
    book.table("Retirements", [("When", 20), ("Retirement date", 15), ("Feature", 50),
                               ("Resources", 11), ("For example", 60)],
               [(retirement_when(r), r["date"] or "not given", r["feature"] or "not given",
                 r["count"], ", ".join(r["resources"][:5])) for r in rows], "tttnt")


def _changes(book: _Book, ctx: ReportContext, data: ReportInput) -> None:
    changes = ctx.changes
    if changes is None:
        return
    # Every new and resolved finding, read as written: a large report has 200,000 of them.
    items = change_items(ctx.kind, data)
    sheet = book.table("Changes", [("Change", 10), ("Impact", 9), ("Category", 16),
                           ("Recommendation", 60), ("Resource", 28), ("Subscription", 26),
                           ("Annual savings", 16), ("Resource id", 60)],
               [(i["change"], i["impact"], theme.category_label(i["category"]),
                 i["recommendation"], i["resourceName"],
                 i.get("subscriptionName") or i["subscriptionId"],
                 (i.get("annualSavings"), i.get("currency") or ""), i["resourceId"])
                for i in items], "ttttttmt")
    # Under the list, after a blank row (outside its filter): what the changes were worth.
    row = book.written + 2
    book.text(sheet, row, 0, f"Since {ctx.baseline_name}", book.bold)
    for currency, resolved, new in change_money(changes):
        for label, amount in ((f"Annual savings of the resolved findings ({currency})",
                               resolved),
                              (f"Annual savings of the new findings ({currency})", new)):
            row += 1
            book.text(sheet, row, 3, label, book.label)
            sheet.write_number(row, 6, float(amount), book.money(currency))


def _trend(book: _Book, ctx: ReportContext) -> None:
    """The client's last reports, a row each, and a chart of open findings by category."""
    points = list(ctx.trend)
    if len(points) < 2 or ctx.kind.categories is not None:
        return  # the trend counts every category: the workbooks of every recommendation
    categories = trend_categories(points)
    currencies = [s["currency"] for s in ctx.stats["savingsByCurrency"][:2]]
    columns = [("Review", 16), ("Title", 36), ("Export date", 12), ("Open findings", 14),
               *((theme.category_label(c) if c else "Not broken down", 16)
                 for c in categories),
               *((f"Estimated annual savings ({c})", 24) for c in currencies)]
    sheet = book.table("Trend", columns, [
        (trend_label(p, points), p.get("title") or "", fmt.date(p.get("exportDate") or ""),
         p["recommendations"], *(trend_count(p, c) for c in categories),
         *((p["estimatedSavingsByCurrency"].get(c), c) for c in currencies))
        for p in points], "tttn" + "n" * len(categories) + "m" * len(currencies))
    chart = book.book.add_chart({"type": "column", "subtype": "stacked"})
    for index, category in enumerate(categories):
        chart.add_series({
            "name": ["Trend", 0, 4 + index], "categories": ["Trend", 1, 0, len(points), 0],
            "values": ["Trend", 1, 4 + index, len(points), 4 + index],
            "fill": {"color": theme.category_colour(category) if category else theme.MUTED}})
    chart.set_title({"name": "Open findings by category"})
    chart.set_y_axis({"num_format": "#,##0", "major_gridlines": {"visible": False}})
    chart.set_legend({"position": "bottom"})
    sheet.insert_chart(len(points) + 3, 0, chart, {"x_scale": 1.6, "y_scale": 1.2})


def render_xlsx(kind: ReportType, data: ReportInput, out: BinaryIO) -> None:
    """Write the workbook of one report type to `out`. Deterministic: the same input gives the
    same bytes."""
    ctx = context_of(kind, data)
    book = _Book(out, ctx.accent, generated_at(data))
    tracked_facts = tracking.tracking_of(data.facts)
    _summary(book, kind, data, ctx)
    plan = _action_plan(book, ctx, tracked_facts)
    _recommendations(book, ctx.records.sorted_by("line"))
    _by_subscription(book, ctx)
    _retirements(book, ctx)
    _changes(book, ctx, data)
    _trend(book, ctx)
    tracking.write_review(book, ctx, data.facts)
    tracking.write_meta(book.book, tracked_facts, plan)
    book.book.close()
