"""Every format shows the client's tracked actions: the review's figures, owners, statuses and
due dates, "marked done, still reported by Advisor", and actions resolved by the data; and a
client that tracks nothing gets the reports it always had."""

from __future__ import annotations

import io
import warnings
import zipfile

import openpyxl
from pypdf import PdfReader

from shared.advisor.parse import parse_export
from shared.advisor.tracking import action_key
from shared.rendering.render import render_report
from shared.rendering.report_types import report_facts
from shared.rendering.report_types.base import ReportInput
from tests.support.exports import sample_export

RECORDS = parse_export(sample_export(80, seed=9)).records
GONE = action_key("Cost", "A recommendation this export no longer has")


def data(states: dict | None) -> ReportInput:
    facts = report_facts(RECORDS, "2026-11-20")
    plan = facts["types"]["executive"]["plan"]
    facts["tracking"] = {"clientId": "contoso", "reportId": "r2", "asOf": "2026-12-07",
                         "since": "2026-11-01T00:00:00Z", "states": {}}
    if states is not None:
        done, late, owned = plan[0]["key"], plan[1]["key"], plan[2]["key"]
        facts["tracking"]["states"] = {
            done: {"status": "done", "owner": "Ana Lima", "statusChangedAt": "2026-11-20"},
            late: {"status": "in-progress", "owner": "Bo Chen", "dueDate": "2026-11-30"},
            owned: {"status": "open", "owner": "Chidi Okafor"},
            GONE: {"status": "open", "owner": "Dana Ruiz", "category": "Cost",
                   "recommendation": "A recommendation this export no longer has"},
            **(states or {})}
    return ReportInput(RECORDS, "Contoso", "December", "dec.csv", "2026-12-07T09:00:00Z",
                       facts=facts)


def pdf_text(raw: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(raw)).pages)


def pptx_text(raw: bytes) -> str:
    with zipfile.ZipFile(io.BytesIO(raw)) as z:
        return " ".join(z.read(n).decode() for n in z.namelist()
                        if n.startswith("ppt/slides/slide"))


def test_the_executive_pdf_html_and_deck_summarise_and_reconcile():
    tracked = data({})
    for text in (pdf_text(render_report("executive", "pdf", tracked)),
                 render_report("executive", "html", tracked).decode(),
                 pptx_text(render_report("executive", "pptx", tracked))):
        flat = " ".join(text.split())
        assert "Action tracking" in flat
        for owner in ("Ana Lima", "Bo Chen", "Chidi Okafor", "Dana Ruiz"):
            assert owner in flat, owner
        assert "Marked done, still reported by Advisor" in flat
        assert "overdue" in flat.lower()
    html = " ".join(render_report("executive", "html", tracked).decode().split())
    assert "Since the last review (2026-11-01), 1 action was done; 1 in progress, 1 overdue" \
        in html
    assert "1 tracked action no longer appears in the export: resolved" in html
    deck = pptx_text(render_report("executive", "pptx", tracked))
    assert "Done since the last review" in deck and "Open without an owner" in deck


def test_the_workbook_has_the_review_and_every_type_shows_the_states():
    tracked = data({})
    book = openpyxl.load_workbook(io.BytesIO(render_report("cost", "xlsx", tracked)))
    review = book["Action review"]
    values = [[c for c in row] for row in review.iter_rows(values_only=True)]
    flat = " ".join(str(v) for row in values for v in row if v is not None)
    assert "Dana Ruiz" in flat and "Resolved: Advisor no longer reports it" in flat
    assert "Done since the last review" in flat
    for kind in ("detailed", "security", "operations"):
        html = render_report(kind, "html", tracked).decode()
        assert "Action tracking" in html, kind


def test_a_client_that_tracks_nothing_gets_the_reports_it_had():
    untracked = data(None)
    assert "Action tracking" not in render_report("executive", "html", untracked).decode()
    assert "Action tracking" not in pptx_text(render_report("executive", "pptx", untracked))
    book = openpyxl.load_workbook(io.BytesIO(render_report("executive", "xlsx", untracked)))
    assert "Action review" not in book.sheetnames
    again = render_report("executive", "xlsx", untracked)
    assert again == render_report("executive", "xlsx", untracked)  # still deterministic


INJECTED = ('<r><t>a</t></r></is></c><c r="Z1"><f>HYPERLINK("https://evil.example","x")</f>'
            '</c><c r="Z2" t="inlineStr"><is><r><t>b</t></r>')


def test_text_shaped_like_the_sheets_xml_stays_text_in_every_cell():
    """XlsxWriter's constant-memory mode writes a text that starts with <r> and ends with </r>
    into the sheet as raw XML; an owner, a comment, a title or an export's cell so shaped
    would have written a formula into the client's workbook."""
    facts = data({}).facts
    key = facts["types"]["executive"]["plan"][0]["key"]
    facts["tracking"]["states"][key] = {"status": "open", "owner": INJECTED,
                                        "comment": INJECTED}
    tracked = ReportInput(RECORDS, INJECTED, INJECTED, "dec.csv", "2026-12-07T09:00:00Z",
                          facts=facts)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # XlsxWriter warns when it drops a cell
        raw = render_report("executive", "xlsx", tracked)
    book = openpyxl.load_workbook(io.BytesIO(raw))
    assert book["Summary"]["B3"].value == INJECTED  # the client
    meta = [c.value for row in book["Tracking"].iter_rows() for c in row]
    assert meta.count(INJECTED) == 2  # the owner and the comment, as pre-filled
    plan = [c.value for row in book["Action plan"].iter_rows() for c in row]
    assert plan.count(INJECTED) == 2
    found = [cell.value for sheet in book.worksheets for row in sheet.iter_rows()
             for cell in row if isinstance(cell.value, str) and "evil" in cell.value]
    assert all(INJECTED in value for value in found)
    assert not any(str(cell.value).startswith("=") for sheet in book.worksheets
                   for row in sheet.iter_rows() for cell in row)
