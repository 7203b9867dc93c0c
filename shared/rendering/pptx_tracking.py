"""The deck's Action tracking slide: the review's four figures (done since the last review, in
progress, overdue, without an owner) and the actions that need a look, with owner, status and
due date. Apart from pptx.py so that its slides stay as they are; it draws with the deck's own
text and table helpers (`deck` is pptx._Deck)."""

from __future__ import annotations

from typing import Any

from pptx.util import Inches

from shared.rendering import formatting as fmt
from shared.rendering import theme
from shared.rendering.report_types.base import ReportContext
from shared.rendering.report_types.tracking import (
    figures_text,
    needing_a_look,
    review_of,
    state_text,
)

_ROWS = 6
_FIGURES = (("Done since the last review", "doneSinceReview"), ("In progress", "inProgress"),
            ("Overdue", "overdue"), ("Open without an owner", "withoutOwner"))


def tracking_slide(deck: Any, ctx: ReportContext, facts: dict | None) -> None:
    """The slide, when the client tracks actions."""
    review = review_of(ctx, facts)
    if review is None:
        return
    slide = deck.slide("Action tracking")
    width, gap = int((deck.body_width - 3 * Inches(0.15)) / 4), Inches(0.15)
    for i, (label, name) in enumerate(_FIGURES):
        left, top = deck.margin + i * (width + gap), Inches(1.3)
        deck.card(slide, left, top, width, Inches(1.1))
        deck.text(slide, label, left + Inches(0.1), top + Inches(0.06), width - Inches(0.2),
                  Inches(0.35), size=12, colour=theme.MUTED)
        deck.text(slide, fmt.count(review.figures[name]), left + Inches(0.1),
                  top + Inches(0.42), width - Inches(0.2), Inches(0.6), size=24, bold=True)
    listed = needing_a_look(review)
    shown = listed[:_ROWS]
    if shown:
        deck.table(slide, ["Action", "Owner", "Status", "Due"],
                   [[a["recommendation"], a["owner"] or "none", state_text(a),
                     fmt.date(a["dueDate"]) + (" (overdue)" if a.get("overdue") else "")
                     if a["dueDate"] else ""] for a in shown],
                   [0.5, 0.16, 0.2, 0.14], top=Inches(2.65))
    more = f" And {fmt.plural(len(listed) - _ROWS, 'more tracked action')}: see the " \
        "workbook." if len(listed) > _ROWS else ""
    deck.text(slide, figures_text(review) + more, deck.margin, Inches(6.45), deck.body_width,
              Inches(0.9), size=12, colour=theme.MUTED)
