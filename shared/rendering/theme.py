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
