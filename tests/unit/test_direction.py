"""Direction on every key figure (issue 32): each headline card says how far it moved since
the baseline, named by its title or period; the money of the changes; the trend of the
client's last reports; a first report says it is the baseline of the next."""

from __future__ import annotations

import io
import re
from decimal import Decimal

import openpyxl
import pytest
from pptx import Presentation
from pypdf import PdfReader

from shared.advisor.headlines import HeadlineTally, headline, period, review_name
from shared.advisor.stats import compute_statistics
from shared.rendering.formatting import MINUS, compact_money, signed
from shared.rendering.render import render_report
from shared.rendering.report_types import REPORT_TYPES
from shared.rendering.report_types.base import context_of
from shared.storage.trend import trend_before
from tests.support.months import first_month, two_months


def pdf_text(data: bytes) -> str:
    return re.sub(r"\s+", " ", " ".join(
        p.extract_text() for p in PdfReader(io.BytesIO(data)).pages))


def deck_text(data: bytes) -> str:
    deck = Presentation(io.BytesIO(data))
    return re.sub(r"\s+", " ", " ".join(
        shape.text_frame.text for slide in deck.slides for shape in slide.shapes
        if shape.has_text_frame))


@pytest.fixture(scope="module")
def months():
    return two_months(240)


def _moves(data, key: str) -> dict:
    ctx = context_of(REPORT_TYPES[key], data)
    now, then = headline(ctx.stats), ctx.changes["baseline"]["headlines"][key]
    return {"recommendations": now["recommendations"] - then["recommendations"],
            "highImpact": now["highImpact"] - then["highImpact"],
            "overdueRetirements": now["overdueRetirements"] - then["overdueRetirements"],
            "savings": now["estimatedSavings"]["USD"] - then["estimatedSavings"]["USD"]}


def test_the_baselines_figures_are_counted_as_the_statistics_count_them(months):
    stats = compute_statistics(months.records, as_of="2026-11-19")
    tally = HeadlineTally()
    for rec in months.records:
        tally.add(rec)
    assert tally.result("2026-11-19") == headline(stats)


def test_a_review_is_named_by_its_title_else_its_period():
    assert period("2026-11-18") == "November 2026"
    assert review_name({"title": "Q4 review", "fileName": "m.csv"}) == "Q4 review"
    # The default title is the file's name: the period names it better.
    assert review_name({"title": "m.csv", "fileName": "m.csv",
                        "exportDate": "2026-11-18"}) == "November 2026"
    assert review_name({"title": "", "exportDate": "", "createdAt": "2026-12-06T09:00Z"}) \
        == "December 2026"


def test_every_headline_card_shows_its_change_in_pdf_html_deck_and_workbook(months):
    moves = _moves(months, "executive")
    name = "October 2026"
    expected = [f"{signed(moves['recommendations'])} since {name}",
                f"{signed(moves['highImpact'])} since {name}",
                f"{signed(moves['overdueRetirements'])} since {name}"]
    savings = compact_money(abs(moves["savings"]), "USD")
    expected.append(f"{'+' if moves['savings'] > 0 else MINUS}{savings} since {name}")
    pdf = pdf_text(render_report("executive", "pdf", months))
    html = render_report("executive", "html", months).decode()
    deck = deck_text(render_report("executive", "pptx", months))
    for text in expected:
        assert text in pdf and text in html and text in deck, text
    book = openpyxl.load_workbook(io.BytesIO(render_report("executive", "xlsx", months)))
    rows = {r[0]: r for r in book["Summary"].iter_rows(values_only=True) if r[0]}
    assert rows["Key figures"][2] == f"Change since {name}"
    assert rows["Recommendations"][2] == moves["recommendations"]
    assert rows["High impact"][2] == moves["highImpact"]
    assert rows["Overdue retirements"][2] == moves["overdueRetirements"]
    assert rows["Estimated annual savings (USD)"][2] == pytest.approx(moves["savings"])


def test_a_titled_baseline_is_named_by_its_title():
    data = two_months(240, title="Autumn review")
    assert "since Autumn review" in pdf_text(render_report("cost", "pdf", data))


def test_the_money_of_the_changes_in_executive_cost_deck_and_workbook(months):
    # Summed here from every changed finding, apart from how the renders get them.
    items = [i for i in months.changes["results"] if i.get("annualSavings") is not None]
    assert {i["currency"] for i in items} == {"USD"}
    currency = "USD"
    resolved, new = (sum((Decimal(str(i["annualSavings"])) for i in items
                          if i["change"] == change), Decimal(0)) for change in ("resolved", "new"))
    exact = (f"Resolved findings were worth {resolved:,.2f} USD a year; new ones "
             f"{new:,.2f} USD.")
    short = (f"Resolved findings were worth {compact_money(resolved, 'USD')} a year; new ones "
             f"{compact_money(new, 'USD')}.")
    assert short in pdf_text(render_report("executive", "pdf", months))
    assert exact in pdf_text(render_report("cost", "pdf", months))
    assert short in deck_text(render_report("executive", "pptx", months))
    book = openpyxl.load_workbook(io.BytesIO(render_report("cost", "xlsx", months)))
    cells = {r[3]: r[6] for r in book["Changes"].iter_rows(values_only=True) if r[3]}
    assert cells[f"Annual savings of the resolved findings ({currency})"] == float(resolved)
    assert cells[f"Annual savings of the new findings ({currency})"] == float(new)


def test_the_trend_of_the_last_reports_in_executive_deck_and_workbook(months):
    assert "Open findings by category, last 3 reviews" in pdf_text(
        render_report("executive", "pdf", months))
    assert "Open findings by category, last 3 reviews" in render_report(
        "executive", "html", months).decode()
    deck = Presentation(io.BytesIO(render_report("executive", "pptx", months)))
    trend = [s for s in deck.slides if any(
        sh.has_text_frame and sh.text_frame.text.startswith("Trend") for sh in s.shapes)]
    assert len(trend) == 1 and sum(sh.has_chart for sh in trend[0].shapes) == 2
    book = openpyxl.load_workbook(io.BytesIO(render_report("executive", "xlsx", months)))
    rows = list(book["Trend"].iter_rows(values_only=True))
    assert rows[0][:4] == ("Review", "Title", "Export date", "Open findings")
    assert [r[3] for r in rows[1:4]] == [p["recommendations"] for p in months.trend]


def test_a_first_report_says_it_is_the_baseline_of_the_next():
    data = first_month(240)
    line = "This is the first report for Contoso Ltd: it is the baseline the next review"
    for fmt in ("pdf", "html", "pptx"):
        raw = render_report("executive", fmt, data)
        text = pdf_text(raw) if fmt == "pdf" else deck_text(raw) if fmt == "pptx" \
            else raw.decode()
        assert line in text and "since" not in text.split("Key figures")[1][:300], fmt
    book = openpyxl.load_workbook(io.BytesIO(render_report("executive", "xlsx", data)))
    assert "Trend" not in book.sheetnames
    assert any(line in (r[1] or "") for r in book["Summary"].iter_rows(values_only=True))


def test_the_trend_reads_the_clients_earlier_completed_reports():
    def row(n: int, **extra):
        return {"reportId": f"r{n:02d}", "createdAt": f"2026-{n:02d}-01T00:00:00Z",
                "status": "completed", "totals": {"recommendations": n, "highImpact": 0,
                                                  "savingsByCurrency": []}, **extra}
    reports = [row(n) for n in range(1, 15)] + [row(15, deletedAt="x"), row(16)]
    current = row(13)
    points = trend_before(reports, current)
    assert [p["reportId"] for p in points] == [f"r{n:02d}" for n in range(2, 14)]
    assert trend_before([row(1, status="failed")], row(2))[0]["reportId"] == "r02"
