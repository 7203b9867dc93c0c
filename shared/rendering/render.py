"""The one entry point: render a report of a given type and format to bytes."""

from __future__ import annotations

from shared.rendering.html import render_html
from shared.rendering.pdf import render_pdf
from shared.rendering.report_types import REPORT_TYPES, ReportInput, build_document

FORMATS = {"html": ("text/html; charset=utf-8", render_html),
           "pdf": ("application/pdf", render_pdf)}


def content_type(fmt: str) -> str:
    return FORMATS[fmt][0]


def render_report(report_type: str, fmt: str, data: ReportInput) -> bytes:
    """Render one artifact. Deterministic: the same input gives the same bytes."""
    kind = REPORT_TYPES[report_type]
    return FORMATS[fmt][1](build_document(kind, data))
