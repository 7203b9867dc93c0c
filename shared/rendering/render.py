"""The one entry point: render a report of a given type and format to bytes."""

from __future__ import annotations

from collections.abc import Callable

from shared.rendering.html import render_html
from shared.rendering.pdf import render_pdf
from shared.rendering.pptx import render_pptx
from shared.rendering.report_types import REPORT_TYPES, ReportInput, ReportType, build_document
from shared.rendering.xlsx import render_xlsx

Renderer = Callable[[ReportType, ReportInput], bytes]
FORMATS: dict[str, tuple[str, Renderer]] = {
    "html": ("text/html; charset=utf-8", lambda kind, data: render_html(build_document(kind,
                                                                                    data))),
    "pdf": ("application/pdf", lambda kind, data: render_pdf(build_document(kind, data))),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", render_xlsx),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             render_pptx),
}


def content_type(fmt: str) -> str:
    return FORMATS[fmt][0]


def render_report(report_type: str, fmt: str, data: ReportInput) -> bytes:
    """Render one artifact. Deterministic: the same input gives the same bytes."""
    return FORMATS[fmt][1](REPORT_TYPES[report_type], data)
