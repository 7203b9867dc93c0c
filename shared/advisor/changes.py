"""What changed since the last review: findings new in this export, resolved since the
baseline export, and persisting in both (identity: shared.advisor.identity.finding_key)."""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from decimal import Decimal
from itertools import islice
from typing import Any

from shared.advisor.finding_index import finding_hashes
from shared.advisor.model import CATEGORY_RANK, IMPACT_RANK, UNRANKED, Recommendation
from shared.advisor.row_table import Builder, RowTable
from shared.advisor.savings import money

CHANGES = ("new", "resolved")


class _Findings:
    """A report's distinct findings by position, a number a row: each row's finding as its
    64-bit number (finding_index), and where each finding first appears. Holding the rows
    themselves keyed by finding took about 500 bytes a row (1 GB for a million-row report and
    its baseline); this takes about 30. Two different findings sharing a number (under 1 in
    10^7 at a million findings) would count as one. `hashes`: the rows' numbers when known
    (the summary's finding index), else worked out here."""

    def __init__(self, records: Sequence[Recommendation], hashes: Any = None) -> None:
        import numpy as np

        if hashes is None:
            hashes = finding_hashes(records)
        # Each row's category as a number (4 bytes a row, not a list's 8), to count by.
        categories = _rows(records).values("category")
        self._categories = list(dict.fromkeys(categories))
        codes = {category: code for code, category in enumerate(self._categories)}
        self._category_codes = array("I", map(codes.__getitem__, categories))
        del categories
        # The first row of each finding: a finding listed twice counts once.
        self.keys, self.first = np.unique(hashes, return_index=True)

    def has(self, hashes: Any) -> Any:
        """Which of `hashes` (an int64 array) are findings of this report."""
        import numpy as np

        if not len(self.keys):
            return np.zeros(len(hashes), dtype=bool)
        at = np.minimum(np.searchsorted(self.keys, hashes), len(self.keys) - 1)
        return self.keys[at] == hashes

    def split(self, other_keys: Any) -> tuple[list[int], Any]:
        """The first rows of this report's findings not among `other_keys` (sorted, unique),
        in row order, and (as an array: in a month's churn, nearly every row) of the others."""
        import numpy as np

        shared = np.isin(self.keys, other_keys, assume_unique=True)
        return np.sort(self.first[~shared]).tolist(), self.first[shared]

    def by_category(self, rows: Any) -> Iterator[tuple[str, int]]:
        """(category, how many of `rows` have it) for every category of the report."""
        import numpy as np

        codes = np.frombuffer(self._category_codes, np.uint32)[rows]
        counts = np.bincount(codes, minlength=len(self._categories)).tolist()
        return zip(self._categories, counts, strict=True)


def _item(change: str, rec: Recommendation) -> dict[str, Any]:
    return {"change": change, "recommendation": rec.recommendation, "category": rec.category,
            "impact": rec.impact, "resourceId": rec.resource_id,
            "resourceName": rec.resource_name, "subscriptionId": rec.subscription_id,
            "subscriptionName": rec.subscription_name,
            "annualSavings": money(rec.annual_savings) if rec.annual_savings is not None
            else None, "currency": rec.currency if rec.annual_savings is not None else None}


def compare(current: Sequence[Recommendation],
            baseline: Iterable[Recommendation]) -> dict[str, Any]:
    """Counts, counts per category, savings per currency of new and resolved findings, and
    every new and resolved finding (new first, then by impact, category, text, resource)."""
    comparison = Comparison(current)
    rows = iter(baseline)
    while batch := list(islice(rows, 1000)):
        comparison.add(batch)
    summary, items = comparison.result()
    return {**summary, "results": list(items())}


class Comparison:
    """compare's work with the baseline taken as it comes, and its list of findings made as it
    is read (`result`). The baseline comes either as its rows, a batch at a time (`add`, from
    any number of threads, one at a time), or as its finding index (`take_index`: each row's
    finding number and line) followed by the rows of the lines it names (`add_resolved`).

    Of each baseline row only its finding's number is kept (8 bytes a row), and whole only the
    rows whose finding the current report lacks, the resolved ones: holding the baseline by
    column took 150 MB of the summary's peak at a million rows. A finding listed twice in the
    baseline is taken from its first line (a report's rows are in line order; batches read
    from several shards at once are not). `hashes`: the current rows' finding numbers, when
    known (finding_index)."""

    def __init__(self, current: Sequence[Recommendation], hashes: Any = None) -> None:
        self._now_rows, self._now = _rows(current), _Findings(current, hashes)
        self._every: list[Any] = []  # every baseline row's finding number, a batch an array
        self._gone = Builder()  # the baseline's rows of findings the current report lacks
        self._gone_hashes: list[Any] = []
        self._gone_lines = array("q")

    def add(self, rows: Sequence[Recommendation]) -> None:
        """Take the next rows of the baseline (in force: the rules already applied)."""
        import numpy as np

        hashes = finding_hashes(rows)
        self._every.append(hashes)
        gone = np.flatnonzero(~self._now.has(hashes))
        if len(gone):
            self._resolved([rows[i] for i in gone.tolist()], hashes[gone])

    def take_index(self, hashes: Any, lines: Any) -> set[int]:
        """Take every finding number of the baseline's rows in force and their lines (int64
        arrays, in line order); the lines of the rows to give `add_resolved`: those of
        findings the current report lacks."""
        self._every.append(hashes)
        return set(lines[~self._now.has(hashes)].tolist())

    def add_resolved(self, rows: Sequence[Recommendation]) -> None:
        """Take baseline rows of lines take_index named (in any order, in batches)."""
        if rows:
            self._resolved(rows, finding_hashes(rows))

    def _resolved(self, rows: Sequence[Recommendation], hashes: Any) -> None:
        self._gone.extend(rows)
        self._gone_hashes.append(hashes)
        self._gone_lines.extend(rec.line for rec in rows)

    def result(self) -> tuple[dict[str, Any], Callable[[], Iterator[dict[str, Any]]]]:
        """The figures, and the list of findings as a function that makes them as they are
        read: the summary writes 200,000 of them into two blobs, and holding them (with their
        rows and sort keys, 180 MB and 15 s at 200,000 new findings) is not needed for that."""
        import numpy as np

        now_rows, now = self._now_rows, self._now
        before_keys = np.unique(np.concatenate(self._every or [np.zeros(0, np.int64)]))
        del self._every
        new_at, persisting_at = now.split(before_keys)
        before_rows = self._gone.table()
        # The first line of each resolved finding, as positions in before_rows, in line order.
        by_line = np.argsort(np.frombuffer(self._gone_lines, np.int64), kind="stable")
        hashes = np.concatenate(self._gone_hashes or [np.zeros(0, np.int64)])[by_line]
        resolved_at = by_line[np.sort(np.unique(hashes, return_index=True)[1])].tolist()
        per_category: dict[str, dict[str, int]] = defaultdict(
            lambda: {"new": 0, "resolved": 0, "persisting": 0})
        savings: dict[str, dict[str, Decimal]] = defaultdict(
            lambda: {"new": Decimal(0), "resolved": Decimal(0)})
        for change, rows in (("new", now_rows.at(new_at)),
                             ("resolved", before_rows.at(resolved_at))):
            # Column by column: no row is made for these (a fifth of the time at 200,000 rows).
            for category, amount, currency in zip(rows.values("category"),
                                                  rows.values("annual_savings"),
                                                  rows.values("currency"), strict=True):
                per_category[category or "Uncategorised"][change] += 1
                if amount is not None:
                    savings[currency or "unknown"][change] += amount
        for category, persisting in now.by_category(persisting_at):
            if persisting:
                per_category[category or "Uncategorised"]["persisting"] += persisting
        new_order = _ordered(now_rows, new_at)
        resolved_order = _ordered(before_rows, resolved_at)

        def items() -> Iterator[dict[str, Any]]:
            for rec in now_rows.at(new_order):
                yield _item("new", rec)
            for rec in before_rows.at(resolved_order):
                yield _item("resolved", rec)

        summary = {
            "counts": {"new": len(new_at), "resolved": len(resolved_at),
                       "persisting": len(persisting_at)},
            "byCategory": [{"category": c, **per_category[c]} for c in sorted(
                per_category, key=lambda c: (CATEGORY_RANK.get(c, UNRANKED), c))],
            "savingsByCurrency": [{"currency": c, "new": money(v["new"]),
                                   "resolved": money(v["resolved"])}
                                  for c, v in sorted(savings.items())],
        }
        return summary, items


class _Listed:
    """Rows in a plain list (tests, tools) read as a RowTable's: `at` and `values`."""

    def __init__(self, rows: Sequence[Recommendation]) -> None:
        self.rows = rows

    def at(self, indexes: Iterable[int]) -> _Listed:
        return _Listed([self.rows[i] for i in indexes])

    def values(self, field: str) -> list[Any]:
        return [getattr(rec, field) for rec in self.rows]

    def __iter__(self) -> Iterator[Recommendation]:
        return iter(self.rows)


def _rows(records: Sequence[Recommendation]) -> RowTable | _Listed:
    # A list stays one: making a table of it would cost more than the comparison.
    return records if isinstance(records, RowTable) else _Listed(records)


def _ordered(rows: RowTable | _Listed, indexes: list[int]) -> array:
    """`indexes` of `rows` in the changes' order: by impact, category, text (casefolded), then
    resource id (lowercased), ties in row order. Grouped by the first three (a few hundred
    groups), so only one group's resource ids are lowercased at a time, not a key a row."""
    groups: dict[tuple[int, int, str, str], array] = {}
    view = rows.at(indexes)
    folded: dict[str, str] = {}  # each distinct text casefolded once
    for index, impact, category, text in zip(indexes, view.values("impact"),
                                             view.values("category"),
                                             view.values("recommendation"), strict=True):
        if text not in folded:
            folded[text] = text.casefold()
        key = (IMPACT_RANK.get(impact, UNRANKED), CATEGORY_RANK.get(category, UNRANKED),
               category, folded[text])
        group = groups.get(key)
        if group is None:
            group = groups[key] = array("I")
        group.append(index)
    order = array("I")
    for key in sorted(groups):
        members = groups.pop(key)
        ids = [rec.resource_id.lower() for rec in rows.at(members)]
        order.extend(members[i] for i in sorted(range(len(members)), key=ids.__getitem__))
    return order


SHOWN = 25  # the most new high-impact and resolved findings a report lists (the workbook: all)


def for_renders(changes: dict[str, Any], items: Iterable[dict[str, Any]] | None = None
                ) -> dict[str, Any]:
    """The changes as the renders read them: without the list of every new and resolved
    finding (a render parsing 200,000 of them took over 1 GB), the first SHOWN new
    high-impact and resolved findings of each category, and per category how many new
    high-impact findings there are and what the changed ones were worth. Any set of categories
    finds its first SHOWN of each list here, in order, and its totals (see
    report_types.base.changes_for); the workbook lists them all from their own blob. `items`:
    the list when `changes` has none (Comparison.result's)."""
    shown = ShownChanges()
    for _ in shown.passing(changes["results"] if items is None else items):
        pass
    return shown.of(changes)


class ShownChanges:
    """for_renders, an item at a time: the summary finds what the renders show while it
    writes the list (`passing`), not in a pass of its own."""

    def __init__(self) -> None:
        self.shown: list[dict[str, Any]] = []
        self.listed: dict[tuple[str, str], int] = defaultdict(int)
        self.money_of: dict[str, dict[str, list[Decimal]]] = defaultdict(dict)

    def passing(self, items: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        listed, money_of = self.listed, self.money_of
        for item in items:
            category = item["category"]
            if item["change"] == "resolved" or item["impact"] == "High":
                listed[item["change"], category] += 1
                if listed[item["change"], category] <= SHOWN:
                    self.shown.append(item)
            if item.get("annualSavings") is not None:
                pair = money_of[category].setdefault(item.get("currency") or "unknown",
                                                     [Decimal(0), Decimal(0)])
                pair[item["change"] == "new"] += Decimal(str(item["annualSavings"]))
            yield item

    def of(self, changes: dict[str, Any]) -> dict[str, Any]:
        """`changes` (with or without their list) as for_renders gives them."""
        listed = self.listed
        return {**{k: v for k, v in changes.items() if k != "results"}, "results": self.shown,
                # How many of each list per category (as the items name it: "" stays "").
                "newHighByCategory": {c: n for (ch, c), n in listed.items() if ch == "new"},
                "resolvedByCategory": {c: n for (ch, c), n in listed.items()
                                       if ch == "resolved"},
                # Exact sums as text: [resolved, new] per category and currency.
                "savingsByCategory": {c: {cur: [str(a) for a in pair]
                                          for cur, pair in m.items()}
                                      for c, m in self.money_of.items()}}
