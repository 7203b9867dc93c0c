"""Colours and names shared by the HTML and PDF renderers."""

from __future__ import annotations

INK = "#1b2631"
MUTED = "#5d6d7e"
RULE = "#d5d8dc"
ACCENT = "#0f6cbd"  # Azure blue
SURFACE = "#f4f6f8"
CATEGORY_COLOURS = {
    "Cost": "#0f6cbd",
    "Security": "#c50f1f",
    "Reliability": "#107c10",
    "OperationalExcellence": "#8764b8",
    "Performance": "#ca5010",
}
IMPACT_COLOURS = {"High": "#c50f1f", "Medium": "#eaa300", "Low": "#6e8b3d"}
SERIES = ["#0f6cbd", "#ca5010", "#107c10", "#8764b8", "#c50f1f", "#038387", "#986f0b",
          "#5c2e91", "#4f6bed", "#7a7574"]
FALLBACK = "#7a7574"
CATEGORY_LABELS = {"OperationalExcellence": "Operational Excellence"}


def category_label(category: str) -> str:
    return CATEGORY_LABELS.get(category, category or "Uncategorised")


def category_colour(category: str) -> str:
    return CATEGORY_COLOURS.get(category, FALLBACK)


def impact_colour(impact: str) -> str:
    return IMPACT_COLOURS.get(impact, FALLBACK)


def _luminance(colour: str) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b)


def contrast_with_white(colour: str) -> float:
    return 1.05 / (_luminance(colour) + 0.05)


def accent(colour: str) -> str:
    """The accent to draw with: the client's colour ("" for the house blue), darkened just
    enough that white text on it, and it as text on white, read at 4.5:1 (WCAG AA). A pale
    brand colour still brands the report without making its headings unreadable."""
    if not colour:
        return ACCENT
    colour = colour.lower()
    r, g, b = (int(colour[i:i + 2], 16) for i in (1, 3, 5))
    factor = 1.0
    while contrast_with_white(colour) < 4.5 and factor > 0:
        factor = round(factor - 0.05, 2)
        colour = "#{:02x}{:02x}{:02x}".format(*(int(v * factor) for v in (r, g, b)))
    return colour
