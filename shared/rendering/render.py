"""The one entry point: render a report of a given type and format into a file or to bytes."""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import BinaryIO

from shared.rendering.html import render_html
from shared.rendering.pdf import render_pdf
from shared.rendering.pptx import render_pptx
from shared.rendering.report_types import REPORT_TYPES, ReportInput, ReportType, build_document
from shared.rendering.xlsx import render_xlsx

Writer = Callable[[ReportType, ReportInput, BinaryIO], object]
FORMATS: dict[str, tuple[str, Writer]] = {
    "html": ("text/html; charset=utf-8",
             lambda kind, data, out: render_html(build_document(kind, data), out)),
    "pdf": ("application/pdf",
            lambda kind, data, out: render_pdf(build_document(kind, data), out)),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", render_xlsx),
    "pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation",
             lambda kind, data, out: out.write(render_pptx(kind, data))),  # a few slides
}


def content_type(fmt: str) -> str:
    return FORMATS[fmt][0]


def write_report(report_type: str, fmt: str, data: ReportInput, out: BinaryIO) -> None:
    """Render one artifact into `out` as it is made: a report of every row is not held whole.
    Deterministic: the same input gives the same bytes."""
    FORMATS[fmt][1](REPORT_TYPES[report_type], data, out)


def render_report(report_type: str, fmt: str, data: ReportInput) -> bytes:
    """Render one artifact to bytes (tests, screenshots)."""
    out = io.BytesIO()
    write_report(report_type, fmt, data, out)
    return out.getvalue()
