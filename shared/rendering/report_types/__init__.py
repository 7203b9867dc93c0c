"""The five report types: each declares what differs; one builder lays out the story.

A type (a module each: executive, detailed, cost, security, operations) names its audience,
which recommendations it covers, its key figures and its sections, by name from SECTIONS:
those several types share (sections.py) and its own. `build_document` turns one report's data
into a ReportDocument that the HTML and PDF renderers draw; the workbook and the deck read the
same ReportContext (base.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace

from shared.advisor.actions import ActionPlan
from shared.advisor.finding_index import FindingIndex
from shared.advisor.headlines import ScopeTallies, headline
from shared.advisor.model import Recommendation
from shared.advisor.row_table import as_table
from shared.advisor.stats import SAVINGS_CAVEAT, Statistics
from shared.rendering.document import ReportDocument, Section, Text
from shared.rendering.report_types import cost, detailed, executive, operations, security
from shared.rendering.report_types.base import (
    ReportInput,
    ReportType,
    SectionBuilder,
    _note_subscription,
    _scope_line,
    context_of,
    cover_of,
    records_of,
)
from shared.rendering.report_types.components import KEY_FIGURES, figures_note
from shared.rendering.report_types.sections import SECTIONS as SHARED_SECTIONS
from shared.rendering.report_types.sections import _exclusions_appendix
from shared.rendering.report_types.tracking import tracking_sections

_TYPES = (executive, detailed, cost, security, operations)  # in the order reports list them
REPORT_TYPES: dict[str, ReportType] = {t.REPORT_TYPE.key: t.REPORT_TYPE for t in _TYPES}
# Every section by name: those several types share, then each type's own.
SECTIONS: dict[str, SectionBuilder] = {**SHARED_SECTIONS, **{
    name: build for t in _TYPES for name, build in t.SECTIONS.items()}}


def report_facts(records: Sequence[Recommendation], as_of: str,
                 index: FindingIndex | None = None) -> dict:
    """What every render of a report works out from all its rows: each report type's
    statistics and action plan, and the scope line of the cover. The summary computes them
    once and the renders read them (JSON), instead of ten renders each going over every row
    again. Types that cover the same categories share one pass over their rows, which feeds
    the statistics and the plan together; the passes run one after another, so only one
    pass's tallies (the resources it counts) are held at a time. `index`, when given, gets
    every row's finding from the pass over all rows (the plan works out its key)."""
    table = as_table(records)
    found: dict[tuple[str, ...] | None, dict] = {}
    subscriptions: dict[str, str] = {}
    for kind in REPORT_TYPES.values():
        if kind.categories in found:
            continue
        stats, plan = Statistics(), ActionPlan()
        every = kind.categories is None
        for rec in records_of(kind, table):
            stats.add(rec)
            finding = plan.add(rec)
            if every:
                _note_subscription(subscriptions, rec)
                if index is not None:
                    index.add(finding, rec.line)
        found[kind.categories] = {"stats": stats.result(as_of), "plan": plan.result()}
        del stats, plan
    return {"scope": _scope_line(subscriptions),
            "types": {kind.key: found[kind.categories] for kind in REPORT_TYPES.values()}}


class BaselineHeadlines:
    """Each report type's headline figures (shared.advisor.headlines) of a baseline's rows,
    a row at a time: what its key-figure cards are compared with."""

    def __init__(self) -> None:
        self._tallies = ScopeTallies({str(kind.categories): kind.categories
                                      for kind in REPORT_TYPES.values()})

    def add(self, rec: Recommendation) -> None:
        self._tallies.add(rec)

    def result(self, as_of: str) -> dict[str, dict]:
        found = self._tallies.result(as_of)
        return {kind.key: found[str(kind.categories)] for kind in REPORT_TYPES.values()}


def headlines_of(facts: dict) -> dict[str, dict]:
    """BaselineHeadlines of a report's rows, from the statistics its summary kept (the same
    counts: headlines.HeadlineTally counts as the statistics do)."""
    return {kind.key: headline(facts["types"][kind.key]["stats"])
            for kind in REPORT_TYPES.values()}


def baseline_headlines(records: Iterable[Recommendation], as_of: str) -> dict[str, dict]:
    """BaselineHeadlines of these rows."""
    tally = BaselineHeadlines()
    for rec in records:
        tally.add(rec)
    return tally.result(as_of)


def build_document(kind: ReportType, data: ReportInput) -> ReportDocument:
    ctx = context_of(kind, data)
    records = ctx.records
    cover = cover_of(kind, data, ctx)
    figures = [f for name in kind.key_figures for f in KEY_FIGURES[name](ctx)]
    if not records:
        sections = [Section(f"No {kind.label.lower()} to report", [Text(
            kind.nothing_found or "This export holds no recommendations.", "empty")])]
    else:
        sections = [s for name in kind.sections for s in SECTIONS[name](ctx)]
    sections += tracking_sections(ctx, data.facts)  # the client's tracked actions, if any
    sections += _exclusions_appendix(data.exclusions)
    has_money = "savings" in kind.key_figures and bool(ctx.stats["savingsByCurrency"])
    return ReportDocument(cover, figures, sections, SAVINGS_CAVEAT if has_money else None,
                          replace(data.branding, accent=ctx.accent),
                          figures_note(ctx, data.client), kind.compact)
