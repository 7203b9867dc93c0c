"""Leadership's length (issue 32): the executive PDF opens with the key figures on page 1
under a header band, is at most 4 pages for any export, names no single resource, shows
compact money that never wraps in its card and leaves no heading at the foot of a page; the
specialist PDFs list every row, the first ones or none (appendix=all|top|none)."""

from __future__ import annotations

import io
import re
from dataclasses import replace

import pytest
from pypdf import PdfReader
from reportlab.pdfbase.pdfmetrics import stringWidth

from shared.rendering import pdf_styles
from shared.rendering.pdf_pages import FRAME_W
from shared.rendering.render import render_report
from shared.rendering.report_types import REPORT_TYPES, build_document
from tests.support.months import first_month, two_months


def pages_of(raw: bytes) -> list[str]:
    return [re.sub(r"\s+", " ", p.extract_text()) for p in PdfReader(io.BytesIO(raw)).pages]


@pytest.fixture(scope="module")
def large():
    return replace(two_months(50_000), notes="We reviewed this export with the platform "
                   "team.\n\n- **Reservations first**: a one-year term pays back in five "
                   "months.\n- Security: enable Defender for Servers before year end.")


@pytest.mark.parametrize("rows", [240, 50_000])
def test_the_executive_pdf_opens_with_its_figures_and_is_at_most_four_pages(rows, large):
    data = two_months(240) if rows == 240 else large
    pages = pages_of(render_report("executive", "pdf", data))
    assert len(pages) <= 4
    first = pages[0]
    assert first.index("EXECUTIVE SUMMARY · NOVEMBER 2026") < first.index("Key figures")
    assert "December 2026 review" in first and "Contoso Ltd" in first
    assert "Recommendations" in first
    assert re.search(r"Estimated annual savings [\d.]+ [kM] USD", first)
    # Provenance at the end, not on page 1.
    assert "month2.csv" not in first and "Source file month2.csv" in pages[-1]
    # No single resource by name (they are the detailed report's and the workbook's).
    names = {r.resource_name for r in data.records[:2000] if r.resource_name.startswith(
        ("vm-", "disk-", "st-", "kv-", "plan-", "app-", "nic-", "pip-", "rsv-"))}
    assert not [n for n in names if n in " ".join(pages)]


def test_a_first_report_is_short_too():
    assert len(pages_of(render_report("executive", "pdf", first_month(50_000)))) <= 4


def test_no_heading_is_left_at_the_foot_of_a_page(large):
    # A heading's text is followed on its page by what it introduces.
    headings = ["Top actions", "Changes since", "Trend", "Retirements", "Overview",
                "Subscriptions with the most recommendations", "About this report"]
    for page in pages_of(render_report("executive", "pdf", large)):
        body = page.split(" Executive summary · Contoso Ltd")[0].rstrip()
        for heading in headings:
            if heading in body:
                assert len(body) - body.rindex(heading) > 150, (heading, body[-200:])


@pytest.mark.parametrize("report_type", list(REPORT_TYPES))
def test_no_key_figure_wraps_in_its_card(report_type, large):
    doc = build_document(REPORT_TYPES[report_type], large)
    width = FRAME_W / min(len(doc.key_figures), 4) - 12  # the card less its padding
    style = pdf_styles._styles()["kpi_value"]
    for figure in doc.key_figures:
        assert stringWidth(figure.value, style.fontName, style.fontSize) < width, figure
        assert not re.search(r"\.\d\d [A-Z]{3}$", figure.value)  # compact: "5.3 M USD"


def test_the_appendix_lists_every_row_the_first_or_none(large):
    cost = [r for r in large.records if r.category == "Cost"]
    top = pages_of(render_report("cost", "pdf", replace(large, appendix="top")))  # the default
    assert len(top) < 50
    text = " ".join(top)
    assert f"The first 250 of {len(cost):,}" in text and "every row is in the workbook" in text
    none = " ".join(pages_of(render_report("cost", "pdf", replace(large, appendix="none"))))
    assert "This PDF lists no single recommendation" in none
    small = replace(two_months(240), appendix="all")
    every = " ".join(pages_of(render_report("security", "pdf", small)))
    assert "Appendix: every recommendation" in every
    # The HTML lists every row whatever the PDF's choice.
    html = render_report("cost", "html", large).decode()
    assert html.count("<tr>") > len(cost)


def test_the_appendix_is_chosen_on_upload_render_and_the_cli():
    from advisor_cli.__main__ import build_parser
    from shared.http.errors import ApiError
    from shared.http.schemas import RENDER_REQUEST
    from shared.http.upload import parse_options
    from shared.pipeline.job import InvalidJob, check_job

    assert parse_options({}, "f.csv").appendix == "top"
    assert parse_options({"appendix": "none"}, "f.csv").appendix == "none"
    with pytest.raises(ApiError):
        parse_options({"appendix": "some"}, "f.csv")
    job = {"clientId": "acme", "reportId": "r1", "uploadBlob": "acme/r1.csv",
           "reportTypes": ["cost"], "formats": ["pdf"], "shards": 1}
    assert check_job(job) and check_job({**job, "appendix": "all"})  # older jobs have none
    with pytest.raises(InvalidJob):
        check_job({**job, "appendix": "every"})
    assert RENDER_REQUEST["properties"]["appendix"]["enum"] == ["all", "top", "none"]
    args = build_parser().parse_args(["render", "r1", "--appendix", "none"])
    assert args.appendix == "none"
    assert build_parser().parse_args(["upload", "f.csv", "--appendix", "all"]).appendix == "all"
