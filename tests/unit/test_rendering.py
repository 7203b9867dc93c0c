"""Reports: five types as self-contained HTML and PDF, from real-looking and hostile data."""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import tempfile
from dataclasses import replace
from html import escape
from html.parser import HTMLParser
from pathlib import Path

import pytest
from pypdf import PdfReader

from shared.advisor.parse import parse_export
from shared.advisor.stats import SAVINGS_CAVEAT, compute_statistics, export_date
from shared.rendering.formatting import compact_money
from shared.rendering.render import render_report, write_report
from shared.rendering.report_types import REPORT_TYPES, report_facts
from shared.rendering.report_types.base import ReportInput
from shared.storage.layout import FORMATS, artifact_pairs
from tests.support.exports import build_rows, sample_export, to_csv

ROOT = Path(__file__).resolve().parents[2]
TYPES = list(REPORT_TYPES)


@pytest.fixture(scope="module")
def sample() -> ReportInput:
    records = parse_export(sample_export(240)).records
    return ReportInput(records, "Contoso Ltd", "November 2026 Advisor review",
                       "advisor-2026-11.csv", "2026-11-21T10:00:00Z")


def pdf_text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


def squash(text: str) -> str:
    return re.sub(r"\s+", " ", text)


@pytest.mark.parametrize("report_type", TYPES)
def test_pdf_holds_the_key_figures_and_names(sample, report_type):
    kind = REPORT_TYPES[report_type]
    records = [r for r in sample.records if kind.categories is None
               or r.category in kind.categories]
    stats = compute_statistics(records)
    text = squash(pdf_text(render_report(report_type, "pdf", sample)))
    assert "Contoso Ltd" in text and "November 2026 Advisor review" in text
    assert "advisor-2026-11.csv" in text and "2026-11-21" in text
    assert kind.label in text
    assert f"Recommendations {stats['totals']['recommendations']:,}" in text
    assert f"High impact {stats['totals']['highImpact']:,}" in text
    if "savings" in kind.key_figures and stats["savingsByCurrency"]:
        for s in stats["savingsByCurrency"]:  # the headline is the estimate, not the sum,
            # compact on its card ("227.4 k USD")
            assert "Estimated annual savings " \
                   f"{compact_money(s['estimatedAnnualSavings'], s['currency'])}" in text
            assert f"{compact_money(s['estimatedMonthlySavings'], s['currency'])} a month" \
                in text
            # and exact where a table of savings adds up to it
            assert f"Estimated annual savings {s['estimatedAnnualSavings']:,.2f} " \
                   f"{s['currency']}" in text
        assert text.count(squash(SAVINGS_CAVEAT)) == 1  # once per report
    if report_type in ("detailed", "security", "operations", "executive"):
        # Names outside Latin-1 print as themselves (the font is embedded).
        assert "Sandbox (Ω)" in text and "Zürich-Prod" in text and "Тестовая подписка" in text


@pytest.mark.parametrize("report_type", TYPES)
def test_html_is_self_contained_and_holds_the_figures(sample, report_type):
    html = render_report(report_type, "html", sample).decode("utf-8")
    assert html.startswith("<!doctype html>")
    assert "<script" not in html and "<link" not in html and " src=" not in html
    urls = set(re.findall(r"https?://[^\s\"'<>]+", html))
    # Nothing is loaded from elsewhere; the only links go to resources in the Azure portal.
    assert {u for u in urls if not u.startswith("https://portal.azure.com/#resource/")} \
        <= {"http://www.w3.org/2000/svg"}
    assert "<style>" in html and "@media print" in html
    assert "Contoso Ltd" in html and "Sandbox (Ω)" in html
    assert '<th scope="col"' in html
    assert html.count("<figure") == html.count("<figcaption>")
    assert re.search(r'<svg [^>]*role="img" aria-labelledby="chart-1-t chart-1-d"', html)
    WellFormed.check(html)


def test_pdf_structure_metadata_contents_and_page_numbers(sample):
    # A specialist report: a cover, then the contents (the executive summary has neither:
    # test_leadership.py).
    data = render_report("cost", "pdf", sample)
    reader = PdfReader(io.BytesIO(data))
    meta = reader.metadata
    assert meta.title == "November 2026 Advisor review · Cost optimisation"
    assert meta.author == "Contoso Ltd"
    assert "advisor-2026-11.csv" in meta.subject
    pages = [page.extract_text() for page in reader.pages]
    total = len(pages)
    for number, text in enumerate(pages[1:], start=2):
        assert squash(text).count(f"Page {number} of {total}") == 1
    contents = squash(pages[1])
    assert re.search(r"Contents Key figures 2 Action plan 2 Savings by lever \d", contents)
    assert [o.title for o in reader.outline if not isinstance(o, list)][:3] == [
        "Key figures", "Action plan", "Savings by lever"]
    fonts = {str(f) for page in reader.pages
             for f in (page["/Resources"].get("/Font") or {}).values()}
    assert fonts, "fonts are embedded"
    assert b"DejaVuSans" in data


def test_long_tables_split_across_pages_with_the_header_repeated():
    records = parse_export(to_csv(build_rows(600, seed=12, categories=["Security"]))).records
    data = render_report("security", "pdf", ReportInput(records, "C", "T", "f.csv",
                                                        "2026-11-21"))
    pages = [squash(p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]
    table_pages = [p for p in pages if "All 600 recommendations" in p or
                   "Impact Recommendation Resource Resource group Subscription" in p]
    assert len(table_pages) > 5
    assert all("Impact Recommendation Resource Resource group Subscription Benefit or savings"
               in p for p in table_pages)
    assert sum(p.count("Reduce the attack surface") for p in pages) == 600


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_rendering_is_deterministic(sample, fmt):
    assert render_report("detailed", fmt, sample) == render_report("detailed", fmt, sample)


@pytest.mark.parametrize(("report_type", "fmt"), artifact_pairs(TYPES, FORMATS))
def test_facts_worked_out_by_the_summary_render_the_same_bytes(sample, report_type, fmt):
    """The renders take each type's statistics and plan from the summary's blob (JSON) instead
    of working them out again: the artifact must not change."""
    as_of = export_date(sample.records, sample.generated_date)
    facts = json.loads(json.dumps(report_facts(sample.records, as_of)))
    given = replace(sample, facts=facts)
    assert render_report(report_type, fmt, given) == render_report(report_type, fmt, sample)


def test_renders_take_the_summarys_facts_as_given(sample):
    facts = report_facts(sample.records, "2026-11-20")
    facts["types"]["executive"]["stats"]["totals"]["recommendations"] = 987654
    facts["scope"] = "Seven subscriptions said the summary"
    html = render_report("executive", "html", replace(sample, facts=facts)).decode()
    assert "987,654" in html and "Seven subscriptions said the summary" in html


LEARN = "https://learn.microsoft.com/azure/advisor/advisor-overview"


def test_the_first_actions_say_how_to_fix_them_and_link_microsofts_page(sample):
    """Imports carry Advisor's steps and Learn link: the action plan's reports list them for
    the first actions, linked; the workbook has them for every action."""
    from openpyxl import load_workbook

    guided = replace(sample, records=[
        r._replace(solution=f"Open the resource and follow: {r.recommendation.lower()}",
                   learn_more_link=LEARN) for r in sample.records])
    html = render_report("cost", "html", guided).decode()
    assert "How to fix the first actions" in html
    first = report_facts(guided.records, "2026-11-20")["types"]["cost"]["plan"][0]
    assert f'<a href="{LEARN}">{escape(first["solution"])}</a>' in html
    assert "How to fix the first actions" in squash(pdf_text(render_report("cost", "pdf",
                                                                              guided)))
    book = load_workbook(io.BytesIO(render_report("cost", "xlsx", guided)), read_only=True)
    header, top = list(book["Action plan"].iter_rows(min_row=1, max_row=2, values_only=True))
    assert top[header.index("How to fix")] == first["solution"]
    assert top[header.index("Learn more")] == LEARN
    sheet = load_workbook(io.BytesIO(render_report("cost", "xlsx", guided)))["Action plan"]
    assert sheet.cell(2, header.index("Learn more") + 1).hyperlink.target == LEARN
    # The portal's CSV carries neither: no table, and the columns stay empty.
    assert "How to fix the first actions" not in render_report("cost", "html", sample).decode()


def test_a_long_description_is_clipped_in_the_reports_and_whole_in_the_workbook(sample):
    from openpyxl import load_workbook

    long = "Steps. " * 400  # 2,800 characters: a "Long Description" column
    wordy = replace(sample, records=[r._replace(solution=long) for r in sample.records])
    html = render_report("cost", "html", wordy).decode()
    assert long.strip()[:299] + "…" in html and long.strip() not in html
    book = load_workbook(io.BytesIO(render_report("cost", "xlsx", wordy)), read_only=True)
    header, top = list(book["Action plan"].iter_rows(min_row=1, max_row=2, values_only=True))
    assert top[header.index("How to fix")] == long.strip()


def test_a_plan_summarised_before_actions_kept_advisors_steps_still_renders(sample):
    facts = json.loads(json.dumps(report_facts(sample.records, "2026-11-20")))
    for kind in facts["types"].values():
        for action in kind["plan"]:
            del action["solution"], action["learnMoreLink"]
    for fmt in ("html", "pdf", "xlsx"):
        assert render_report("detailed", fmt, replace(sample, facts=facts))


HOSTILE = [
    "<script>alert('x')</script> patch now",
    '=HYPERLINK("http://evil.example","click")',
    'Say "hello" & \'bye\' <b>bold</b>',
    "W" * 400,
    "Line one\nline two",
]


def hostile_input() -> ReportInput:
    rows = build_rows(len(HOSTILE) * 2, seed=5, categories=["Cost", "Security"])
    for row, text in zip(rows, HOSTILE * 2, strict=True):
        row["Recommendation"] = text
        row["Resource Name"] = "</td><script>x()</script>"
        row["Subscription Name"] = '"><img src=x onerror=alert(1)>'
    records = parse_export(to_csv(rows)).records
    return ReportInput(records, "<Client & Co>", "<title>Q4</title>", "a<b>.csv",
                       "2026-11-21")


@pytest.mark.parametrize("report_type", TYPES)
def test_hostile_text_is_escaped_in_html(report_type):
    html = render_report(report_type, "html", hostile_input()).decode("utf-8")
    assert "<script" not in html.lower() and "<img" not in html.lower()
    assert "<b>bold" not in html
    WellFormed.check(html)
    if report_type == "detailed":  # the one type that lists every row
        assert "&lt;script&gt;" in html and "=HYPERLINK(" in html


@pytest.mark.parametrize("report_type", TYPES)
def test_hostile_text_prints_in_pdf(report_type):
    text = pdf_text(render_report(report_type, "pdf", hostile_input()))
    assert "<Client & Co>" in text
    if report_type == "detailed":
        assert "<script>alert('x')</script>" in squash(text)
        # The long word wraps over several lines (up to the most a cell shows, then "…").
        joined = text.replace("\n", "")
        assert ("W" * 400 in joined or re.search("W{150,}…", joined)) and "W" * 40 not in text


@pytest.mark.parametrize("report_type", TYPES)
@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_each_type_says_nothing_found_for_an_empty_category(report_type, fmt):
    records = parse_export(to_csv(build_rows(30, seed=2, categories=["Performance"]))).records
    data = ReportInput(records, "C", "T", "perf-only.csv", "2026-11-21")
    out = render_report(report_type, fmt, data)
    text = out.decode() if fmt == "html" else squash(pdf_text(out))
    if report_type == "cost":
        assert "holds no cost recommendations" in text
        assert "None identified" in text
    elif report_type == "security":
        assert "holds no security recommendations" in text
    else:
        assert "Performance" in text
    if fmt == "html" and report_type in ("cost", "security"):
        assert "<svg" not in text and "<table" not in text


def test_an_export_with_no_rows_at_all_still_renders():
    data = ReportInput([], "C", "T", "empty.csv", "2026-11-21")
    for report_type in TYPES:
        assert b"no" in render_report(report_type, "html", data).lower()
        assert pdf_text(render_report(report_type, "pdf", data))


def test_money_is_per_currency_with_separators():
    rows = build_rows(40, seed=3, categories=["Cost"], currency="EUR")
    rows += build_rows(40, seed=4, categories=["Cost"], currency="USD")
    records = parse_export(to_csv(rows)).records
    html = render_report("cost", "html", ReportInput(records, "C", "T", "f.csv",
                                                     "2026-11-21")).decode()
    assert re.search(r"\d{1,3}(,\d{3})+\.\d\d EUR", html)
    assert re.search(r"\d{1,3}(,\d{3})+\.\d\d USD", html)
    assert "never added together" in html
    assert html.count("overstates what can be saved") == 2  # the caveat, the lever table


@pytest.mark.timeout(180)
def test_detailed_report_of_50k_rows_renders_in_bounded_memory(tmp_path):
    script = f"""
import sys
sys.path.insert(0, {str(ROOT)!r})
from tests.support.exports import build_rows, to_csv
from shared.advisor.parse import parse_export
from shared.rendering.formatting import compact_money
from shared.rendering.render import render_report, write_report
from shared.rendering.report_types.base import ReportInput
records = parse_export(to_csv(build_rows(50_000, seed=1))).records
data = ReportInput(records, "C", "T", "big.csv", "2026-11-21")
html = render_report("detailed", "html", data)
pdf = render_report("detailed", "pdf", data)
assert len(html) > 5_000_000 and pdf.startswith(b"%PDF")
status = open("/proc/self/status").read()  # VmHWM: ru_maxrss would count the parent's memory
print(int(status.split("VmHWM:")[1].split()[0]) // 1024)
"""
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True,
                          timeout=170)
    assert done.returncode == 0, done.stderr
    assert int(done.stdout.strip()) < 600, f"peak RSS {done.stdout.strip()} MB"


class WellFormed(HTMLParser):
    """Every element that needs closing is closed, in order."""

    VOID = frozenset({"meta", "col", "br", "img", "input", "link", "hr", "rect", "path"})

    def __init__(self) -> None:
        super().__init__()
        self.stack: list[str] = []

    def handle_starttag(self, tag, attrs):
        if tag not in self.VOID:
            self.stack.append(tag)

    def handle_startendtag(self, tag, attrs):
        pass

    def handle_endtag(self, tag):
        assert self.stack and self.stack[-1] == tag, f"</{tag}> closes {self.stack[-3:]}"
        self.stack.pop()

    @classmethod
    def check(cls, html: str) -> None:
        parser = cls()
        parser.feed(html)
        parser.close()
        assert parser.stack == [], f"unclosed: {parser.stack}"


LONG_FIELDS = ("Subscription Name", "Potential benefits", "Resource Name", "Resource Group",
               "Recommendation", "Type", "Retiring feature", "Description of changes")


@pytest.fixture(scope="module")
def long_cells() -> ReportInput:
    """Rows whose every text holds 1,000-2,000 characters, with and without break points."""
    rows = build_rows(40, seed=3)
    for i, row in enumerate(rows[:8]):
        for name in LONG_FIELDS:
            unit = "Fabrikam-Prod-WestEurope-" if i % 2 else "x"
            row[name] = (unit * 2000)[: 2000 if name == "Potential benefits" else 1000] + str(i)
    return ReportInput(parse_export(to_csv(rows)).records, "Contoso " * 25, "T" * 200,
                       "long.csv", "2026-11-21T10:00:00Z")


@pytest.mark.parametrize("report_type", TYPES)
def test_no_cell_is_too_long_to_render(long_cells, report_type):
    """A 1,000-character subscription name once failed every PDF ('too large on page 4')."""
    pdf = render_report(report_type, "pdf", long_cells)
    assert "…" in pdf_text(pdf) or report_type in ("executive", "cost")
    html = render_report(report_type, "html", long_cells).decode()
    if report_type in ("detailed", "security", "operations"):
        assert "x" * 1000 in html  # the HTML keeps every value whole


@pytest.mark.parametrize("token,lines", [
    ("Fabrikam-Prod-WestEurope", ["Fabrikam-Prod-", "WestEurope"]),
    ("(virtualMachineScaleSets)", ["(virtualMachine", "ScaleSets)"]),
    ("Microsoft.Compute/virtualMachineScaleSets",
     ["Microsoft.", "Compute/", "virtualMachine", "ScaleSets"]),
])
def test_long_tokens_wrap_at_separators_and_case_changes(token, lines):
    from shared.rendering.pdf_styles import FONT, _register_fonts
    from shared.rendering.pdf_tables import wrap_text

    _register_fonts()
    assert wrap_text(token, FONT, 60) == lines


def test_tables_of_up_to_15_rows_stay_on_one_page():
    records = parse_export(to_csv(build_rows(300, seed=9))).records
    data = render_report("security", "pdf", ReportInput(records, "C", "T", "f.csv",
                                                        "2026-11-21"))
    pages = [squash(p.extract_text()) for p in PdfReader(io.BytesIO(data)).pages]
    for caption in ("Recommendations by subscription",):
        (page,) = [p for p in pages if caption in p]
        rows = re.findall(r"3f2a1b4c-0000-4000-8000-00000000000\d\)", page)
        assert len(rows) >= 4  # every subscription row is on the caption's page


def test_resources_link_to_the_azure_portal_in_html_and_pdf(sample):
    html = render_report("detailed", "html", sample).decode()
    assert re.search(r'<a href="https://portal\.azure\.com/#resource/subscriptions/[^"]+'
                     r'/providers/Microsoft\.[^"]+">', html)
    reader = PdfReader(io.BytesIO(render_report("detailed", "pdf", sample)))
    uris = {a.get_object()["/A"]["/URI"] for page in reader.pages
            for a in page.get("/Annots") or [] if "/A" in a.get_object()
            and "/URI" in a.get_object()["/A"]}
    assert any(u.startswith("https://portal.azure.com/#resource/subscriptions/") for u in uris)


def test_mixed_lists_have_a_category_column(sample):
    text = squash(pdf_text(render_report("operations", "pdf", sample)))
    assert "Impact Category Recommendation Resource Resource group Subscription" in text
    assert "Impact Action Category Scope" in text


def test_the_remembering_font_writes_the_same_bytes_as_reportlabs(monkeypatch):
    # pdf_styles._RepeatingTextFont keeps splitString's answers per document; the PDF must not
    # change.
    from reportlab.pdfbase.ttfonts import TTFont

    from shared.rendering import pdf_styles
    records = parse_export(to_csv(build_rows(600, seed=8))).records
    data = ReportInput(records, "Zürich Ltd – 東京", "T", "f.csv", "2026-11-21")
    remembered = render_report("detailed", "pdf", data)
    monkeypatch.setattr(pdf_styles._RepeatingTextFont, "splitString", TTFont.splitString)
    assert render_report("detailed", "pdf", data) == remembered


def test_pages_deflated_early_draw_the_same(monkeypatch):
    # pdf_pages._compress_now deflates each page when it is finished instead of when saving.
    from shared.rendering import pdf_pages
    data = ReportInput(parse_export(to_csv(build_rows(600, seed=8))).records, "C", "T",
                       "f.csv", "2026-11-21")
    early = PdfReader(io.BytesIO(render_report("detailed", "pdf", data)))
    monkeypatch.setattr(pdf_pages, "_compress_now", lambda page: None)
    late = PdfReader(io.BytesIO(render_report("detailed", "pdf", data)))
    assert len(early.pages) == len(late.pages) > 10
    for mine, theirs in zip(early.pages, late.pages, strict=True):
        assert mine.get_contents().get_data() == theirs.get_contents().get_data()


def test_html_tables_written_in_pieces_keep_every_row_once():
    # html._table_body yields a thousand rows at a time; 2,500 rows cross two piece borders.
    records = parse_export(to_csv(build_rows(2_500, seed=3))).records
    html = render_report("detailed", "html", ReportInput(records, "C", "T", "f.csv",
                                                         "2026-11-21")).decode()
    WellFormed.check(html)
    links = re.findall(r'<a href="https://portal\.azure\.com/#resource([^"]+)">', html)
    assert sorted(links) == sorted(r.resource_id for r in records)
    assert "</tr><tr>" not in html and "</tr>\n\n<tr>" not in html  # one row per line


class _Spooled(tempfile.SpooledTemporaryFile):
    """Remembers the most it held in memory before moving to disk."""

    most_in_memory = 0

    def _check(self, file) -> None:
        if not self._rolled:
            self.most_in_memory = max(self.most_in_memory, file.tell())
        super()._check(file)


@pytest.mark.parametrize("fmt", ["html", "pdf"])
def test_a_report_reaches_a_spooled_file_a_piece_at_a_time(fmt):
    """The pipeline renders into a SpooledTemporaryFile, which moves to disk only when a
    write takes it over its size: a report handed over in one call (writelines) was held
    whole in memory first."""
    records = parse_export(to_csv(build_rows(5_000, seed=3))).records
    data = ReportInput(records, "C", "T", "f.csv", "2026-11-21")
    with _Spooled(max_size=64 * 1024) as out:
        write_report("detailed", fmt, data, out)
        assert out.tell() > 1_500_000
        assert out.most_in_memory < 600_000  # a piece (up to a thousand rows) at most
        out.seek(0)
        assert out.read() == render_report("detailed", fmt, data)


@pytest.mark.parametrize("xref_piece", [10_000, 4])
def test_pdf_saved_object_by_object_is_reportlabs_file(monkeypatch, xref_piece):
    # pdf_file.StreamingDocument writes each object as it is formatted, and the cross-reference
    # table a piece of lines at a time; reportlab joins them.
    from reportlab.pdfgen.canvas import Canvas

    from shared.rendering import pdf_file
    from shared.rendering.pdf_file import StreamingDocument

    monkeypatch.setattr(pdf_file, "_XREF_PIECE", xref_piece)

    def draw(streaming: bool) -> bytes:
        out = io.BytesIO()
        canvas = Canvas(out, invariant=1)
        if streaming:
            canvas._doc.__class__ = StreamingDocument
        for page in range(3):
            canvas.drawString(72, 720, f"Page {page} · ünïcode")
            canvas.linkURL(f"https://example.com/{page}", (72, 700, 200, 730))
            canvas.bookmarkPage(f"p{page}")
            canvas.showPage()
        canvas.save()
        return out.getvalue()

    assert draw(streaming=True) == draw(streaming=False)


def _xref_offsets_are_right(data: bytes) -> int:
    """Every object the cross-reference table lists starts where it says; their count."""
    start = int(data.rsplit(b"startxref", 1)[1].split()[0])
    lines = data[start:].split(b"\n")
    assert lines[0] == b"xref"
    first, count = map(int, lines[1].split())
    assert first == 0
    for number, line in enumerate(lines[3:2 + count], start=1):
        offset = int(line.split()[0])
        assert data.startswith(b"%d 0 obj" % number, offset), number
    return count - 1


def _links(reader: PdfReader, page) -> list[tuple]:
    """Each link of a page: where it is, and the URL or the page it goes to."""
    links = []
    for annotation in (a.get_object() for a in page.get("/Annots") or []):
        rect = tuple(float(v) for v in annotation["/Rect"])
        if "/A" in annotation:
            links.append((rect, annotation["/A"]["/URI"]))
        else:
            links.append((rect, reader.get_page_number(annotation["/Dest"][0].get_object())))
    return links


def _resources(page) -> dict:
    """A page's resources as a reader sees them: the fonts and graphics states by name, and
    each form it draws (the page count, the contents) by its content."""
    res = page["/Resources"]
    forms = res.get("/XObject") or {}
    return {"fonts": sorted(res.get("/Font") or {}), "states": res.get("/ExtGState"),
            "forms": {name: forms[name].get_object().get_data() for name in forms}}


def _outline(reader) -> list[tuple[str, int]]:
    return [(item.title, reader.get_destination_page_number(item))
            for item in reader.outline if not isinstance(item, list)]


def test_pdf_links_and_pages_written_as_they_are_made_read_the_same(monkeypatch):
    # Each link, each page's content and each page go into the file when made
    # (StreamingDocument.write_now, write_page_now); with that off, everything waits for the
    # save. Same pages, resources, forms, links and outline.
    from array import array

    from reportlab.pdfbase.pdfdoc import PDFObjectReference

    from shared.rendering.pdf_file import StreamingDocument
    data = ReportInput(parse_export(to_csv(build_rows(900, seed=8))).records, "C", "T",
                       "f.csv", "2026-11-21")
    held_at_save = []
    write_objects = StreamingDocument._write_objects

    def noting_pages(self, out):
        held_at_save.extend(type(p) for p in self.Pages.pages)
        return write_objects(self, out)

    monkeypatch.setattr(StreamingDocument, "_write_objects", noting_pages)
    early = {t: render_report(t, "pdf", data) for t in ("operations", "detailed")}
    # Pages written as they finished: the document kept only references to them.
    assert len(held_at_save) > 20 and set(held_at_save) == {PDFObjectReference}
    monkeypatch.setattr(StreamingDocument, "begin",
                        lambda self, out: setattr(self, "_early", array("q", [0])))
    late = {t: render_report(t, "pdf", data) for t in early}
    for report_type in early:
        assert early[report_type] != late[report_type]  # objects in another order
        assert _xref_offsets_are_right(early[report_type]) \
            == _xref_offsets_are_right(late[report_type])
        mine = PdfReader(io.BytesIO(early[report_type]), strict=True)
        theirs = PdfReader(io.BytesIO(late[report_type]), strict=True)
        assert len(mine.pages) == len(theirs.pages) > 3
        assert mine.metadata == theirs.metadata
        assert _outline(mine) == _outline(theirs) and len(_outline(mine)) > 3
        for a, b in zip(mine.pages, theirs.pages, strict=True):
            assert a.get_contents().get_data() == b.get_contents().get_data()
            assert _links(mine, a) == _links(theirs, b)
            assert a.mediabox == b.mediabox and _resources(a) == _resources(b)
        forms = [f for page in mine.pages for f in _resources(page)["forms"].values()]
        assert len(set(forms)) >= 1 and all(forms)  # the page count, filled in at the save
    reader = PdfReader(io.BytesIO(early["detailed"]))
    urls = [url for page in reader.pages for _, url in _links(reader, page)
            if isinstance(url, str)]
    assert len(urls) == 900 and all(u.startswith("https://portal.azure.com/") for u in urls)


def test_table_text_is_written_as_reportlab_writes_it(monkeypatch):
    # _TablePage writes the operators of reportlab's text object, fill colour, rectangles and
    # lines itself; with texts spanning several font subsets (more than 256 distinct
    # characters) and links, the file must be the one reportlab's own calls make.
    from reportlab.lib import colors
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.pdfmetrics import stringWidth

    from shared.rendering import pdf_styles, pdf_tables, theme
    rows = build_rows(300, seed=4)
    for i, row in enumerate(rows):
        row["Resource Name"] = "".join(chr(0x4E00 + (i * 7 + k) % 900) for k in range(6))
        row["Subscription Name"] = f"Ünïcødé – {chr(0x0410 + i % 32)} (Ω)"
    data = ReportInput(parse_export(to_csv(rows)).records, "C", "T", "f.csv", "2026-11-21")
    direct = render_report("detailed", "pdf", data)

    def draw(self) -> None:  # the same table through reportlab's calls
        canvas, y = self.canv, self.height
        canvas.setFillColor(self.accent)
        canvas.rect(0, y - self.header.height, self.width, self.header.height, stroke=0, fill=1)
        cells(self, self.header, y, pdf_styles.BOLD, colors.white)
        y -= self.header.height
        canvas.setStrokeColor(pdf_styles._c(theme.RULE))
        canvas.setLineWidth(0.25)
        for index, row in enumerate(self.rows):
            if index % 2 or row.total:
                canvas.setFillColor(pdf_styles._c(theme.SURFACE if row.total else "#fafbfc"))
                canvas.rect(0, y - row.height, self.width, row.height, stroke=0, fill=1)
            cells(self, row, y, pdf_styles.BOLD if row.total else pdf_styles.FONT,
                  pdf_styles._c(theme.INK))
            y -= row.height
            canvas.line(0, y, self.width, y)

    def cells(self, row, top, font, colour) -> None:
        text = self.canv.beginText()
        text.setFont(font, pdf_styles._TABLE_FONT_SIZE, pdf_tables._LEADING)
        text.setFillColor(colour)
        assert pdfmetrics.getFont(font)._dynamicFont
        x = 0.0
        for index, (column, width, lines) in enumerate(zip(self.columns, self.widths,
                                                           row.cells, strict=True)):
            linked = row.link is not None and row.link[0] == index
            if linked:
                text.setFillColor(self.accent)
                pdf_tables._link(self.canv, row.link[1], (x, top - row.height, x + width, top))
            baseline = top - pdf_tables._CELL_PAD - pdf_styles._TABLE_FONT_SIZE
            for line in lines:
                left = x + width - pdf_tables._CELL_PAD - stringWidth(
                    line, font, pdf_styles._TABLE_FONT_SIZE) if column.numeric \
                    else x + pdf_tables._CELL_PAD
                text.setTextOrigin(left, baseline)
                text.textOut(line)
                baseline -= pdf_tables._LEADING
            if linked:
                text.setFillColor(colour)
            x += width
        self.canv.drawText(text)

    monkeypatch.setattr(pdf_tables._TablePage, "draw", draw)
    assert render_report("detailed", "pdf", data) == direct
