"""Draw chart primitives as an accessible inline SVG element."""

from __future__ import annotations

from markupsafe import Markup, escape

from shared.rendering.charts import WIDTH, Chart, Rect, Ring, Text, layout, ring_point


def _num(value: float) -> str:
    return f"{value:.2f}".rstrip("0").rstrip(".")


def _ring_path(r: Ring) -> str:
    large = 1 if r.end - r.start > 180 else 0
    x1, y1 = ring_point(r.cx, r.cy, r.outer, r.start)
    x2, y2 = ring_point(r.cx, r.cy, r.outer, r.end)
    x3, y3 = ring_point(r.cx, r.cy, r.inner, r.end)
    x4, y4 = ring_point(r.cx, r.cy, r.inner, r.start)
    return (f"M{_num(x1)} {_num(y1)}A{_num(r.outer)} {_num(r.outer)} 0 {large} 1 "
            f"{_num(x2)} {_num(y2)}L{_num(x3)} {_num(y3)}A{_num(r.inner)} {_num(r.inner)} 0 "
            f"{large} 0 {_num(x4)} {_num(y4)}Z")


def render_svg(chart: Chart, chart_id: str) -> Markup:
    height, shapes = layout(chart)
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {_num(WIDTH)} {_num(height)}" '
        f'width="100%" role="img" aria-labelledby="{chart_id}-t {chart_id}-d">',
        f'<title id="{chart_id}-t">{escape(chart.title)}</title>',
        f'<desc id="{chart_id}-d">{escape(chart.description)}</desc>',
    ]
    for s in shapes:
        if isinstance(s, Rect):
            parts.append(f'<rect x="{_num(s.x)}" y="{_num(s.y)}" width="{_num(s.width)}" '
                         f'height="{_num(s.height)}" fill="{s.fill}" rx="2"/>')
        elif isinstance(s, Ring):
            parts.append(f'<path d="{_ring_path(s)}" fill="{s.fill}"/>')
        elif isinstance(s, Text):
            weight = ' font-weight="700"' if s.bold else ""
            parts.append(f'<text x="{_num(s.x)}" y="{_num(s.y)}" font-size="{_num(s.size)}" '
                         f'text-anchor="{s.anchor}" fill="{s.fill}"{weight}>'
                         f'{escape(s.text)}</text>')
    parts.append("</svg>")
    return Markup("".join(parts))
