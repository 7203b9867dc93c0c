"""What every report is made of, whatever its type: the input (ReportInput), a type's
declaration (ReportType), one type's share of the report that its sections are drawn from
(ReportContext), the cover's facts and the scope line."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime

from shared.advisor.actions import action_plan
from shared.advisor.changes import for_renders
from shared.advisor.headlines import period, review_name
from shared.advisor.model import Recommendation
from shared.advisor.row_table import RowTable, as_table
from shared.advisor.stats import compute_statistics, export_date
from shared.rendering import formatting as fmt
from shared.rendering import theme
from shared.rendering.document import Branding, CoverFacts, Section


@dataclass(frozen=True)
class ReportInput:
    """Everything a report is made from: the stored recommendations of one report and its facts."""

    records: Sequence[Recommendation]
    client: str
    title: str
    source_file: str
    generated_date: str  # the report's stored creation date (never the wall clock)
    export_date: str = ""  # when the export was taken; derived from the rows when empty
    changes: dict | None = None  # shared.advisor.changes.compare with `baseline`, if any
    exclusions: Sequence[dict] = ()  # the client's rules applied, each with its `rows`
    branding: Branding = field(default_factory=Branding)
    notes: str = ""  # the consultant's notes (shown in the executive summary)
    # report_facts of `records`, when the summary already worked them out (see there)
    facts: dict | None = None
    # The client's reports up to this one, oldest first (shared.storage.trend.trend_point);
    # the summary reads them, so a render needs no other report.
    trend: Sequence[dict] = ()
    # The appendix of every row in a specialist PDF: all, top (its first APPENDIX_TOP rows),
    # none. The pipeline's default is "top" (shared.storage.layout.DEFAULT_APPENDIX).
    appendix: str = "all"
    # Every new and resolved finding, when `changes` lists only those the reports show
    # (shared.advisor.changes.for_renders): read as needed, never held (the workbook's sheet).
    change_items: Callable[[], Iterable[dict]] | None = None


@dataclass(frozen=True)
class ReportType:
    key: str
    label: str
    audience: str
    purpose: str
    categories: tuple[str, ...] | None  # None: every recommendation
    key_figures: tuple[str, ...]
    sections: tuple[str, ...]
    nothing_found: str = ""  # what to say when the export has none of its recommendations
    lists_resources: bool = True  # False: leadership's report names no single resource
    compact: bool = False  # a few pages that open with the key figures (see ReportDocument)


@dataclass
class ReportContext:
    """One report type's share of a report: its records, statistics, plan and changes."""

    kind: ReportType
    records: RowTable
    stats: dict
    changes: dict | None  # this type's share of the changes since the baseline, or None
    accent: str = theme.ACCENT  # single-series charts are drawn in the client's colour
    notes: str = ""
    _plan: list[dict] | None = None
    trend: Sequence[dict] = ()
    appendix: str = "all"  # see ReportInput

    @property
    def baseline_name(self) -> str:
        """The review this one is compared with, as a reader knows it ("" without one)."""
        return review_name(self.changes["baseline"]) if self.changes else ""

    @property
    def plan(self) -> list[dict]:
        if self._plan is None:
            self._plan = action_plan(self.records)
        return self._plan

    @property
    def mixed(self) -> bool:
        """Whether the report's lists mix categories (then they show a Category column)."""
        return self.kind.categories is None or len(self.kind.categories) > 1


# What a section's name stands for: the sections it adds, from one report's context.
SectionBuilder = Callable[[ReportContext], list[Section]]


def records_of(kind: ReportType, records: Sequence[Recommendation]) -> RowTable:
    """The recommendations a report type covers (its categories), in the order given."""
    table = as_table(records)
    if kind.categories is None:
        return table
    return table.where("category", lambda category: category in kind.categories)


def context_of(kind: ReportType, data: ReportInput) -> ReportContext:
    records = records_of(kind, data.records)
    known = data.facts["types"][kind.key] if data.facts else None
    if known:
        stats, plan = known["stats"], known["plan"]
    else:
        as_of = data.export_date or export_date(data.records, data.generated_date)
        stats, plan = compute_statistics(records, as_of=as_of), None
    return ReportContext(kind, records, stats, _changes_for(kind, data.changes),
                         theme.accent(data.branding.accent), data.notes, plan, data.trend,
                         data.appendix)


def generated_at(data: ReportInput) -> datetime:
    """The report's creation time (naive UTC), the date Office documents are stamped with."""
    try:
        moment = datetime.fromisoformat(data.generated_date.replace("Z", "+00:00"))
    except ValueError:
        return datetime(2000, 1, 1)
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC).replace(tzinfo=None)
    return moment


def cover_of(kind: ReportType, data: ReportInput, ctx: ReportContext) -> CoverFacts:
    return CoverFacts(
        title=data.title, report_label=kind.label, audience=kind.audience, client=data.client,
        source_file=data.source_file, export_date=fmt.date(ctx.stats["exportDate"]),
        generated_date=fmt.date(data.generated_date), purpose=kind.purpose,
        scope=data.facts["scope"] if data.facts else scope_text(data.records),
        period=period(ctx.stats["exportDate"]),
    )


def scope_text(records: Sequence[Recommendation], most: int = 4) -> str:
    """The subscriptions an export covers, by name where it gives one: "3 subscriptions:
    Contoso Prod, Contoso Dev, Shared Services"."""
    names: dict[str, str] = {}
    for r in records:
        _note_subscription(names, r)
    return _scope_line(names, most)


def _note_subscription(names: dict[str, str], rec: Recommendation) -> None:
    if rec.subscription_id:
        names.setdefault(rec.subscription_id.lower(), rec.subscription_name or rec.subscription_id)


def _scope_line(names: dict[str, str], most: int = 4) -> str:
    if not names:
        return "No subscription named"
    shown = sorted((fmt.clipped(n, 60) for n in names.values()), key=str.casefold)
    listed = ", ".join(shown[:most]) + (f" and {len(shown) - most} more"
                                        if len(shown) > most else "")
    return f"{fmt.plural(len(shown), 'subscription')}: {listed}"


def _changes_for(kind: ReportType, changes: dict | None) -> dict | None:
    """The share of the changes a report type covers (its categories), or None without a
    baseline."""
    if not changes or not changes.get("baseline") or changes.get("counts") is None:
        return None
    if "savingsByCategory" not in changes:  # every change listed (older facts, scripts):
        changes = for_renders(changes)       # read as the summary hands them to renders
    if kind.categories is None:
        return changes
    mine = [c for c in changes["byCategory"] if c["category"] in kind.categories]
    share = {
        "baseline": changes["baseline"],
        "counts": {k: sum(c[k] for c in mine) for k in ("new", "resolved", "persisting")},
        "byCategory": mine,
        "results": [r for r in changes["results"] if r["category"] in kind.categories],
    }
    for key in ("newHighByCategory", "resolvedByCategory", "savingsByCategory"):
        share[key] = {c: v for c, v in changes[key].items() if c in kind.categories}
    return share


def change_items(kind: ReportType, data: ReportInput) -> Iterator[dict]:
    """Every new and resolved finding of the type's categories, in the changes' order: from
    `data.change_items` (the pipeline streams them from their own blob) or the changes' list."""
    if not data.changes or data.changes.get("counts") is None:
        return iter(())
    items = data.change_items() if data.change_items is not None \
        else data.changes["results"]
    if kind.categories is None:
        return iter(items)
    return (i for i in items if i["category"] in kind.categories)
