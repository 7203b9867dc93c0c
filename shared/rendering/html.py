"""Render a ReportDocument as one self-contained HTML file (inline CSS and SVG, no scripts)."""

from __future__ import annotations

import base64
import re
from collections.abc import Iterator
from functools import lru_cache
from itertools import repeat
from typing import BinaryIO

from jinja2 import Environment, PackageLoader, select_autoescape
from markupsafe import Markup, escape

from shared.rendering.charts import Chart
from shared.rendering.document import (
    ChartBlock,
    Image,
    Paragraph,
    Prose,
    ReportDocument,
    Table,
    Text,
)
from shared.rendering.svg import render_svg


def _block_kind(block: object) -> str:
    if isinstance(block, Table):
        return "table"
    if isinstance(block, ChartBlock):
        return "chart"
    if isinstance(block, Text):
        return "text"
    if isinstance(block, Prose):
        return "prose"
    raise TypeError(f"unknown block {type(block).__name__}")


_BATCH = 1000  # rows per piece of output


def _table_body(table: Table) -> Iterator[Markup]:
    """The rows of a table, a thousand at a time (the hot loop of large reports, built in
    Python): the page is written piece by piece, never held whole."""
    opens = ['<td class="n">' if c.numeric else "<td>" for c in table.columns]
    linked = table.link_column
    links = table.links if linked is not None else repeat("", len(table.rows))
    batch: list[str] = []
    separator = ""
    for row, link in zip(table.rows, links, strict=True):
        cells = [f"{o}{escape(v)}</td>" for o, v in zip(opens, row, strict=True)]
        if link:
            cells[linked] = (f'{opens[linked]}<a href="{escape(link)}">'
                             f"{escape(row[linked])}</a></td>")
        batch.append(f"<tr>{''.join(cells)}</tr>")
        if len(batch) == _BATCH:
            yield Markup(separator + "\n".join(batch))
            batch, separator = [], "\n"
    if batch:
        yield Markup(separator + "\n".join(batch))


def _data_uri(image: Image) -> str:
    return f"data:{image.content_type};base64,{base64.b64encode(image.data).decode('ascii')}"


def _runs(paragraph: Paragraph) -> Markup:
    """The notes' text escaped, with <strong> only where the notes asked for bold."""
    return Markup("").join(Markup("<strong>{}</strong>").format(r.text) if r.bold
                           else escape(r.text) for r in paragraph.runs)


def _prose_groups(prose: Prose) -> list[list[Paragraph]]:
    """Consecutive bullets form one list; consecutive paragraphs stay apart."""
    groups: list[list[Paragraph]] = []
    for p in prose.paragraphs:
        if groups and groups[-1][0].bullet and p.bullet:
            groups[-1].append(p)
        else:
            groups.append([p])
    return groups


@lru_cache(maxsize=1)
def environment() -> Environment:
    env = Environment(
        loader=PackageLoader("shared.rendering", "templates"),
        autoescape=select_autoescape(["html", "html.j2", "j2"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.globals["block_kind"] = _block_kind
    env.globals["table_body"] = _table_body
    env.globals["data_uri"] = _data_uri
    env.globals["runs"] = _runs
    env.globals["prose_groups"] = _prose_groups
    return env


def _anchor(title: str, used: set[str]) -> str:
    base = re.sub(r"[^a-z0-9]+", "-", title.lower()).strip("-") or "section"
    anchor, n = base, 2
    while anchor in used:
        anchor, n = f"{base}-{n}", n + 1
    used.add(anchor)
    return anchor


def render_html(doc: ReportDocument, out: BinaryIO) -> None:
    """Write the page to `out` as the template produces it, piece by piece."""
    used: set[str] = {"key-figures", "toc-title"}
    anchors = [_anchor(s.title, used) for s in doc.chapters]
    counter = iter(range(1, 10_000))

    def svg(chart: Chart) -> Markup:
        return render_svg(chart, f"chart-{next(counter)}")

    pieces = environment().get_template("report.html.j2").generate(doc=doc, anchors=anchors,
                                                                   svg=svg)
    # A write per piece: SpooledTemporaryFile.writelines hands the whole iterable to its
    # in-memory buffer and only then moves to disk, so a page of every row (350 MB at
    # 1,000,000 rows) was held whole on its way to the file.
    for piece in pieces:
        out.write(piece.encode("utf-8"))
