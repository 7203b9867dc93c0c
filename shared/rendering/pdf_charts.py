"""Charts in the PDF: the same primitives as the HTML's SVG, drawn as vector shapes."""

from __future__ import annotations

from reportlab.graphics.shapes import Drawing, Rect, String, Wedge
from reportlab.lib import colors

from shared.rendering import charts
from shared.rendering.pdf_styles import BOLD, FONT, _c, _register_fonts


def chart_drawing(chart: charts.Chart) -> Drawing:
    """The chart's primitives as reportlab vector shapes (y flipped: PDF grows upwards)."""
    _register_fonts()
    height, shapes = charts.layout(chart)
    drawing = Drawing(charts.WIDTH, height)
    for s in shapes:
        if isinstance(s, charts.Rect):
            drawing.add(Rect(s.x, height - s.y - s.height, s.width, s.height,
                             fillColor=_c(s.fill), strokeColor=None, rx=2, ry=2))
        elif isinstance(s, charts.Ring):
            drawing.add(Wedge(s.cx, height - s.cy, s.outer, 90 - s.end, 90 - s.start,
                              radius1=s.inner, fillColor=_c(s.fill), strokeColor=colors.white,
                              strokeWidth=0.5))
        elif isinstance(s, charts.Text):
            drawing.add(String(s.x, height - s.y, s.text, fontName=BOLD if s.bold else FONT,
                               fontSize=s.size, fillColor=_c(s.fill), textAnchor=s.anchor))
    return drawing
