"""The report as a format-free document: what both the HTML and the PDF renderer draw."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Generic, TypeVar, overload

from shared.rendering.charts import Chart


@dataclass(frozen=True)
class KeyFigure:
    label: str
    value: str
    note: str = ""
    change: str = ""  # the move since the baseline: "−29 since October 2026 review"
    tone: str = ""  # better | worse | "" (neutral): the colour the change is shown in


@dataclass(frozen=True)
class Column:
    header: str
    width: float  # share of the table width
    numeric: bool = False


T = TypeVar("T")
V = TypeVar("V")


class Derived(Sequence[V], Generic[T, V]):
    """`make(item)` for each item, made when asked for: a table of every recommendation does
    not hold all its rows' texts and links at once, only the page or the piece being drawn."""

    def __init__(self, items: Sequence[T], make: Callable[[T], V]) -> None:
        self.items, self.make = items, make

    def __len__(self) -> int:
        return len(self.items)

    @overload
    def __getitem__(self, index: int) -> V: ...
    @overload
    def __getitem__(self, index: slice) -> list[V]: ...
    def __getitem__(self, index: int | slice) -> V | list[V]:
        if isinstance(index, slice):
            return [self.make(item) for item in self.items[index]]
        return self.make(self.items[index])

    def __iter__(self) -> Iterator[V]:
        return map(self.make, self.items)


@dataclass(frozen=True)
class Table:
    caption: str
    columns: tuple[Column, ...]
    rows: Sequence[tuple[str, ...]]
    empty_text: str = "None found."
    # A link for one column's cell in each row ("" for none): resources link to the portal.
    link_column: int | None = None
    links: Sequence[str] = ()
    # Rows under the body, in bold: what reconciles a column of savings with the headline
    # ("Savings plans and reservations overlap", "Estimated annual savings").
    footer: Sequence[tuple[str, ...]] = ()


@dataclass(frozen=True)
class Text:
    text: str
    kind: str = "body"  # body | caveat | empty


@dataclass(frozen=True)
class ChartBlock:
    chart: Chart
    empty_text: str = "Nothing to chart."


@dataclass(frozen=True)
class Run:
    text: str
    bold: bool = False


@dataclass(frozen=True)
class Paragraph:
    runs: tuple[Run, ...]
    bullet: bool = False  # an item of a bullet list


@dataclass(frozen=True)
class Prose:
    """Paragraphs and bullet lists with bold runs: the consultant's notes."""

    paragraphs: tuple[Paragraph, ...]


Block = Table | Text | ChartBlock | Prose


@dataclass
class Section:
    title: str
    blocks: list[Block] = field(default_factory=list)
    level: int = 1  # 1 = chapter (in the table of contents), 2 = sub-section


@dataclass(frozen=True)
class CoverFacts:
    title: str
    report_label: str  # e.g. "Executive summary"
    audience: str
    client: str
    source_file: str
    export_date: str
    generated_date: str
    purpose: str
    scope: str = ""  # the subscriptions the export covers
    period: str = ""  # the month the export was taken: "November 2026"


@dataclass(frozen=True)
class Image:
    data: bytes
    content_type: str  # image/png or image/jpeg
    width: int  # pixels
    height: int
    alt: str


@dataclass(frozen=True)
class Branding:
    """Who the report is for and who prepared it; empty fields give the neutral look."""

    accent: str = ""  # the client's colour, "#rrggbb"; "" for the house blue
    client_logo: Image | None = None
    partner_name: str = ""
    partner_contact: str = ""
    partner_logo: Image | None = None


@dataclass
class ReportDocument:
    cover: CoverFacts
    key_figures: list[KeyFigure]
    sections: list[Section]
    caveat: str | None = None  # shown with the key figures when they hold money
    branding: Branding = field(default_factory=Branding)
    # Under the key figures: what their changes are measured against, or that this report is
    # the client's first and the baseline of the next one.
    figures_note: str = ""
    # Leadership's length: no cover or contents page; a header band, then the key figures
    # on page 1, and where the report comes from at its end.
    compact: bool = False

    @property
    def chapters(self) -> list[Section]:
        return [s for s in self.sections if s.level == 1]
