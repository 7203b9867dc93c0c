"""Every table adds up (issue 32): each breakdown of savings (by action, subscription,
resource type, lever, commitment) in every report type and format, read back from the
artifact itself (PDF text, HTML tables, workbook cells, deck tables), sums to the headline
estimate it stands beside, with the lines that reconcile them ("The other 40 actions",
"Savings plans and reservations overlap") in its footer."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from decimal import Decimal
from html.parser import HTMLParser

import openpyxl
import pytest
from pptx import Presentation
from pypdf import PdfReader

from shared.advisor.savings import savings_by_currency
from shared.rendering.render import render_report
from shared.rendering.report_types import REPORT_TYPES
from shared.rendering.report_types.base import records_of
from tests.support.months import two_months

MONEY = re.compile(r"(−|-)?(\d{1,3}(?:,\d{3})*\.\d\d) ([A-Z]{3})")
ESTIMATE = "Estimated annual savings"
PAIRS = [(t, f) for t in REPORT_TYPES for f in ("pdf", "html", "xlsx")] + [
    ("executive", "pptx")]


def amounts(text: str) -> dict[str, Decimal]:
    """The money in a cell or line, per currency (the last amount of each currency)."""
    out = {}
    for sign, number, currency in MONEY.findall(text or ""):
        value = Decimal(number.replace(",", ""))
        out[currency] = -value if sign else value
    return out


def check(body: list[dict], footer: list[dict], headline: dict[str, Decimal], where: str):
    """Body rows plus every footer line but the last give the last, the headline."""
    total = defaultdict(Decimal)
    for row in body + footer[:-1]:
        for currency, value in row.items():
            total[currency] += value
    assert footer, f"{where}: no footer reconciles the savings with the headline"
    for currency, value in footer[-1].items():
        assert value == headline[currency], f"{where}: the footer's total is not the headline"
        assert total[currency] == value, f"{where}: {total[currency]} ≠ {value} {currency}"
    return len(body)


@pytest.fixture(scope="module")
def data():
    return two_months(600)


def headline(data, key: str) -> dict[str, Decimal]:
    found = savings_by_currency(records_of(REPORT_TYPES[key], data.records))
    return {s["currency"]: Decimal(str(s["estimatedAnnualSavings"])) for s in found}


# -- reading each format's tables --------------------------------------------------------------


class _Tables(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict] = []
        self.part, self.cell = "", None

    def handle_starttag(self, tag, attrs):
        if tag == "table":
            self.tables.append({"head": [], "body": [], "foot": []})
        elif tag in ("thead", "tbody", "tfoot"):
            self.part = {"thead": "head", "tbody": "body", "tfoot": "foot"}[tag]
        elif tag == "tr" and self.tables:
            self.tables[-1][self.part].append([])
        elif tag in ("td", "th"):
            self.cell = ""

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.tables[-1][self.part][-1].append(self.cell)
            self.cell = None


def _breakdowns_html(raw: bytes) -> list[tuple[list, list]]:
    parser = _Tables()
    parser.feed(raw.decode())
    found = []
    for table in parser.tables:
        head = table["head"][0]
        if "Plain sum" in head:  # by lever, across: the levers add up to the estimate
            found.append(_across(head, table["body"]))
            continue
        money = [i for i, h in enumerate(head) if any(
            MONEY.fullmatch(row[i].strip()) for row in table["body"])]
        if not money:
            continue
        counted = [i for i in money if not table["foot"] or table["foot"][-1][i]]
        found.append(([amounts(" ".join(r[i] for i in counted)) for r in table["body"]],
                      [amounts(" ".join(r[i] for i in counted)) for r in table["foot"]]))
    return found


def _across(head: list[str], rows: list[list[str]]) -> tuple[list, list]:
    levers = [head.index(h) for h in ("Savings plans", "Reservations",
                                      "Right-size or shut down", "Other")]
    return ([amounts(row[i]) for row in rows for i in levers],
            [amounts(row[head.index("Estimate")]) for row in rows])


def _breakdowns_pdf(raw: bytes) -> list[tuple[list, list]]:
    """From the text: a table of savings runs from its header line to its footer's estimate;
    a body line's amount is its last of each currency (the counted column)."""
    lines = [line.strip() for page in PdfReader(io.BytesIO(raw)).pages
             for line in page.extract_text().split("\n")]
    found, current, footer = [], None, False
    header = re.compile(r"^Impact .*Annual savings|Sum of savings|Counted in the|^Lever\b")
    for index, line in enumerate(lines):
        if line.startswith("Currency Estimate Savings plans"):
            row = next(text for text in lines[index + 1:] if MONEY.search(text))
            values = [amounts(m.group(0)) for m in MONEY.finditer(row)]
            found.append((values[1:5], [values[0]]))
        elif current is None and header.search(line) and "Benefit" not in line:
            current = ([], [])
        elif current is not None:
            if line.startswith(ESTIMATE) and MONEY.search(line):
                current[1].append(amounts(line))
                found.append(current)
                current, footer = None, False
            elif re.match(r"(The other \d|Savings plans and reservations|Rounding|"
                          r"Right-size or shut down and other)", line):
                footer = True  # the footer's lines, its label perhaps wrapped
                if MONEY.search(line):
                    current[1].append(amounts(line))
            elif MONEY.search(line):
                current[1 if footer else 0].append(amounts(line))
    assert current is None, "a table of savings with no footer"
    return found


def _breakdowns_xlsx(raw: bytes) -> list[tuple[list, list]]:
    book = openpyxl.load_workbook(io.BytesIO(raw))
    found = []
    for name in ("Action plan", "By subscription"):
        rows = list(book[name].iter_rows(values_only=True))
        money = [i for i, h in enumerate(rows[0]) if h and "savings (" in h]
        if not money:
            continue
        currency = {i: rows[0][i].rsplit("(", 1)[1].rstrip(")") for i in money}
        end = next(n for n, r in enumerate(rows) if n and not any(r))
        body = [{currency[i]: Decimal(str(r[i])) for i in money if r[i] is not None}
                for r in rows[1:end]]
        foot = [{currency[i]: Decimal(str(r[i])).quantize(Decimal("0.01")) for i in money
                 if r[i] is not None} for r in rows[end + 1:] if any(r)]
        found.append((body, foot))
    summary = list(book["Summary"].iter_rows(values_only=True))
    head = next((r for r in summary if r[0] == ESTIMATE), None)
    if head:  # by lever, across
        for row in summary[summary.index(head) + 1:]:
            if not row[0] or len(row[0]) != 3:
                break
            levers = [head.index(h) for h in ("Savings plans", "Reservations",
                                              "Right-size or shut down", "Other")]
            found.append(([{row[0]: Decimal(str(row[i]))} for i in levers],
                          [{row[0]: Decimal(str(row[1]))}]))
    return found


def _breakdowns_pptx(raw: bytes) -> list[tuple[list, list]]:
    found = []
    for slide in Presentation(io.BytesIO(raw)).slides:
        for shape in slide.shapes:
            if not shape.has_table:
                continue
            rows = [[c.text for c in r.cells] for r in shape.table.rows]
            if "Annual savings" not in rows[0]:
                continue
            col = rows[0].index("Annual savings")
            footer = [r for r in rows[1:] if r[1].startswith((
                "The other", "Savings plans and reservations overlap", ESTIMATE, "Rounding"))]
            body = [r for r in rows[1:] if r not in footer]
            found.append(([amounts(r[col]) for r in body], [amounts(r[col]) for r in footer]))
    return found


READ = {"pdf": _breakdowns_pdf, "html": _breakdowns_html, "xlsx": _breakdowns_xlsx,
        "pptx": _breakdowns_pptx}


@pytest.mark.parametrize(("report_type", "fmt"), PAIRS)
def test_every_savings_breakdown_adds_up_to_its_headline(data, report_type, fmt):
    expected = headline(data, report_type)
    breakdowns = READ[fmt](render_report(report_type, fmt, data))
    if not expected:  # security and operations hold no savings: no column of them either
        assert breakdowns == [], f"{report_type}.{fmt}: a column of savings with none"
        return
    assert breakdowns, f"{report_type}.{fmt}: no breakdown found"
    rows = sum(check(body, foot, expected, f"{report_type}.{fmt} #{n}")
               for n, (body, foot) in enumerate(breakdowns))
    assert rows >= len(breakdowns)


def test_a_list_cut_short_adds_the_rest_on_its_own_line(data):
    # The executive's top ten actions of many: "The other N actions" carries the rest.
    text = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(
        render_report("executive", "pdf", data))).pages)
    assert re.search(r"The other \d+ actions [\d,]+\.\d\d USD", text)
    assert "Savings plans and reservations overlap −" in text
