"""The one entry point: render a report of a given type and format into a file or to bytes."""

from __future__ import annotations

import io
from dataclasses import replace
from typing import BinaryIO

from shared.rendering.report_types import REPORT_TYPES, build_document
from shared.rendering.report_types.base import ReportInput

CONTENT_TYPES = {
    "html": "text/html; charset=utf-8",
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "pptx": "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}


def content_type(fmt: str) -> str:
    return CONTENT_TYPES[fmt]


def write_report(report_type: str, fmt: str, data: ReportInput, out: BinaryIO) -> None:
    """Render one artifact into `out` as it is made: a report of every row is not held whole.
    Deterministic: the same input gives the same bytes."""
    # Each format's library is imported when the format is first rendered: reportlab,
    # python-pptx and XlsxWriter are some 45 MB a process that the API and the storing
    # activities never use, and every cold start on Azure would load them.
    kind = REPORT_TYPES[report_type]
    if fmt == "html":
        from shared.rendering.html import render_html
        # A page has no length to keep: the HTML lists every row whatever the PDF's appendix.
        render_html(build_document(kind, replace(data, appendix="all")), out)
    elif fmt == "pdf":
        from shared.rendering.pdf import render_pdf
        render_pdf(build_document(kind, data), out)
    elif fmt == "xlsx":
        from shared.rendering.xlsx import render_xlsx
        render_xlsx(kind, data, out)
    elif fmt == "pptx":
        from shared.rendering.pptx import render_pptx
        out.write(render_pptx(kind, data))  # a few slides
    else:
        raise ValueError(f"unknown format {fmt!r}")


def render_report(report_type: str, fmt: str, data: ReportInput) -> bytes:
    """Render one artifact to bytes (tests, screenshots)."""
    out = io.BytesIO()
    write_report(report_type, fmt, data, out)
    return out.getvalue()
