"""Branding pieces without a server: logos, the accent's contrast, notes, scope, the workbook's
formula guard and both Office files' determinism, read back with openpyxl and python-pptx."""

from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest
from hypothesis import given
from hypothesis import strategies as st
from PIL import Image as PilImage
from pptx import Presentation

from shared.advisor.model import Recommendation
from shared.advisor.parse import parse_export
from shared.advisor.scope import out_of_scope
from shared.http.upload import format_problems
from shared.rendering import theme
from shared.rendering.document import Branding, Image
from shared.rendering.notes import parse_notes, plain
from shared.rendering.render import render_report
from shared.rendering.report_types import REPORT_TYPES, build_document
from shared.rendering.report_types.base import ReportInput, scope_text
from shared.services.logos import LogoRefused, check_logo
from tests.support.exports import CURRENT_SAMPLE

RECORDS = parse_export(CURRENT_SAMPLE).records


def image_bytes(kind: str, size: tuple[int, int] = (64, 32)) -> bytes:
    out = io.BytesIO()
    PilImage.new("RGB", size, (10, 90, 170)).save(out, kind)
    return out.getvalue()


# -- logos ----------------------------------------------------------------------------------------


def test_png_and_jpeg_logos_are_accepted_as_they_are():
    for kind, content_type in (("PNG", "image/png"), ("JPEG", "image/jpeg")):
        data = image_bytes(kind)
        logo = check_logo(data)
        assert (logo.content_type, logo.width, logo.height, logo.data) == \
            (content_type, 64, 32, data)


@pytest.mark.parametrize(("data", "status", "code"), [
    (b"", 400, "EmptyFile"),
    (b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>', 415,
     "UnsupportedImage"),
    (b"\xef\xbb\xbf  <?xml version='1.0'?>\n<svg/>", 415, "UnsupportedImage"),
    (image_bytes("GIF"), 415, "UnsupportedImage"),
    (image_bytes("PNG")[:60], 400, "InvalidLogo"),
    (b"GIF89a not really", 400, "InvalidLogo"),
    (image_bytes("PNG", (8, 8)), 400, "InvalidLogo"),
    (image_bytes("PNG", (5000, 20)), 400, "InvalidLogo"),
    (b"\x89PNG" + b"\0" * (512 * 1024), 413, "LogoTooLarge"),
])
def test_bad_logos_are_refused_with_the_reason(data, status, code):
    with pytest.raises(LogoRefused) as refused:
        check_logo(data, "logo.png")
    assert (refused.value.status, refused.value.code) == (status, code)
    assert refused.value.message.startswith("logo.png")


# -- colour ---------------------------------------------------------------------------------------


@given(st.from_regex(r"\A#[0-9a-f]{6}\Z"))
def test_any_accent_reads_on_white_and_under_white_text(colour):
    drawn = theme.accent(colour)
    assert theme.contrast_with_white(drawn) >= 4.5
    if theme.contrast_with_white(colour) >= 4.5:
        assert drawn == colour  # a readable brand colour is used as it is


def test_no_accent_is_the_house_blue():
    assert theme.accent("") == theme.ACCENT


# -- notes ----------------------------------------------------------------------------------------


def test_notes_markdown_subset():
    prose = parse_notes("First **bold** para\ncontinues\n\n- one\n  more\n* two **x\n\nend")
    parts = [(p.bullet, [(r.text, r.bold) for r in p.runs]) for p in prose.paragraphs]
    assert parts == [
        (False, [("First ", False), ("bold", True), (" para continues", False)]),
        (True, [("one more", False)]),
        (True, [("two **x", False)]),  # an unpaired ** stays as written
        (False, [("end", False)]),
    ]
    assert plain(prose).splitlines()[1] == "• one more"


def test_notes_are_escaped_in_html_never_markup():
    data = ReportInput(RECORDS, "Contoso", "Review", "x.csv", "2026-11-21T09:00:00Z",
                       notes='<img src=x onerror=alert(1)> **<b>bold</b>**\n\n- <a href="j">x</a>')
    html = render_report("executive", "html", data).decode()
    assert "<img src=x" not in html and '<a href="j">' not in html
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    assert "<strong>&lt;b&gt;bold&lt;/b&gt;</strong>" in html
    assert "<li>&lt;a href=&#34;j&#34;&gt;x&lt;/a&gt;</li>" in html


def test_only_the_executive_summary_has_notes():
    data = ReportInput(RECORDS, "Contoso", "Review", "x.csv", "2026-11-21T09:00:00Z",
                       notes="Hello")
    titles = {key: [s.title for s in build_document(kind, data).sections]
              for key, kind in REPORT_TYPES.items()}
    assert titles["executive"][0] == "Consultant's notes"
    assert all("Consultant's notes" not in t for k, t in titles.items() if k != "executive")


# -- scope ----------------------------------------------------------------------------------------


def test_scope_names_the_subscriptions():
    assert scope_text(RECORDS) == ("4 subscriptions: Contoso Production, Sandbox (Ω), "
                                   "Zürich-Prod, Тестовая подписка")
    assert scope_text([]) == "No subscription named"


def test_rows_outside_the_clients_subscriptions_are_named():
    records = [Recommendation(2, "a", subscription_id="AAA", subscription_name="Prod"),
               Recommendation(3, "b", subscription_id="bbb"),
               Recommendation(4, "c", subscription_id="ccc", subscription_name="Other")]
    warning = out_of_scope(records, ["aaa"])
    assert warning["count"] == 2 and warning["lines"] == [3, 4]
    assert "bbb, Other (ccc)" in warning["message"]
    assert out_of_scope(records, []) is None
    assert out_of_scope(records, ["AAA", "BBB", "CCC"]) is None


def test_a_deck_needs_the_executive_type():
    assert format_problems(("cost",), ("pdf", "pptx"))[0]["target"] == "formats"
    assert format_problems(("cost", "executive"), ("pptx",)) == []
    assert format_problems(("cost",), ("xlsx",)) == []


# -- the workbook ---------------------------------------------------------------------------------

HOSTILE = ["=1+1", "+1", "-1", "@SUM(A1)", "\tx", "\rx", '=HYPERLINK("http://x","y")']


def test_workbook_never_holds_a_formula():
    records = [Recommendation(i + 2, text, category="Cost", impact="High",
                              subscription_id="3f2a1b4c-0000-4000-8000-000000000001",
                              resource_name=text, resource_group=text, potential_benefits=text)
               for i, text in enumerate(HOSTILE)]
    data = ReportInput(records, "=client", "=title", "=x.csv", "2026-11-21T09:00:00Z")
    book = openpyxl.load_workbook(io.BytesIO(render_report("detailed", "xlsx", data)))
    seen = 0
    for sheet in book:
        for row in sheet.iter_rows():
            for cell in row:
                assert cell.data_type != "f", (sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str) and cell.value.startswith(tuple("=+-@\t\r")):
                    assert cell.quotePrefix, (sheet.title, cell.coordinate)
                    seen += 1
    assert seen >= len(HOSTILE) * 3
    raw = zipfile.ZipFile(io.BytesIO(render_report("detailed", "xlsx", data)))
    assert not any(b"<f>" in raw.read(n) for n in raw.namelist() if n.endswith(".xml"))


def test_workbook_cells_keep_long_text_within_excels_limit():
    text = "x" * 40_000
    data = ReportInput([Recommendation(2, text, category="Cost")], "c", "t", "f.csv",
                       "2026-11-21T09:00:00Z")
    sheet = openpyxl.load_workbook(io.BytesIO(render_report("cost", "xlsx", data)))[
        "Recommendations"]
    assert len(sheet["D2"].value) == 32_767


def branded_input() -> ReportInput:
    png = image_bytes("PNG", (120, 40))
    jpeg = image_bytes("JPEG", (90, 30))
    return ReportInput(RECORDS, "Contoso", "Review", "x.csv", "2026-11-21T09:00:00Z",
                       notes="Some **notes**", branding=Branding(
                           "#6b2fa0", Image(png, "image/png", 120, 40, "Contoso logo"),
                           "Northwind", "jane@northwind.example",
                           Image(jpeg, "image/jpeg", 90, 30, "Northwind logo")))


@pytest.mark.parametrize(("report_type", "fmt"), [("executive", "pptx"), ("detailed", "xlsx"),
                                                  ("executive", "pdf"), ("cost", "html")])
def test_same_input_same_bytes_even_a_second_later(report_type, fmt):
    data = branded_input()
    first = render_report(report_type, fmt, data)
    time.sleep(1.1)  # the Office packages would carry the clock's seconds
    assert render_report(report_type, fmt, data) == first


def test_deck_charts_are_native_and_logos_are_pictures():
    deck = Presentation(io.BytesIO(render_report("executive", "pptx", branded_input())))
    assert deck.slide_width > deck.slide_height  # 16:9
    pictures = [s for s in deck.slides[0].shapes if s.shape_type == 13]
    assert len(pictures) == 2
    title_texts = [s.text_frame.text for s in deck.slides[0].shapes if s.has_text_frame]
    assert "EXECUTIVE SUMMARY" in title_texts  # the report type's label, as the PDF's cover
    charts = [s.chart for slide in deck.slides for s in slide.shapes if s.has_chart]
    categories = next(c for c in charts if "category" in c.chart_title.text_frame.text)
    assert list(categories.plots[0].categories) == [
        "Cost", "Security", "Reliability", "Operational Excellence", "Performance"]
    assert list(categories.plots[0].series[0].values) == [13, 17, 17, 7, 6]
