"""What changed since the last review: findings new in this export, resolved since the
baseline export, and persisting in both (identity: shared.advisor.identity.finding_key)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from shared.advisor.identity import finding_key
from shared.advisor.model import CATEGORY_RANK, IMPACT_RANK, UNRANKED, Recommendation
from shared.advisor.savings import money

CHANGES = ("new", "resolved")


class _Findings:
    """A report's distinct findings by position, a number a row: each row's finding key as its
    64-bit hash, and where each finding first appears. Holding the rows themselves keyed by
    finding took about 500 bytes a row (1 GB for a million-row report and its baseline); this
    takes about 40. Two different findings sharing a hash (under 1 in 10^7 at a million
    findings) would count as one."""

    def __init__(self, records: Sequence[Recommendation]) -> None:
        import numpy as np  # loaded when a report is compared, not with every worker

        self.categories: list[str] = []  # each row's (the texts are shared, not copied)

        def hashed(rec: Recommendation) -> int:
            self.categories.append(rec.category)
            return hash(finding_key(rec))

        hashes = np.fromiter(map(hashed, records), dtype=np.int64, count=len(records))
        # The first row of each finding: a finding listed twice counts once.
        self.keys, self.first = np.unique(hashes, return_index=True)

    def split(self, other: _Findings) -> tuple[list[int], list[int]]:
        """The first rows of this report's findings that the other lacks, in row order, and
        of those it has too."""
        import numpy as np

        shared = np.isin(self.keys, other.keys, assume_unique=True)
        return np.sort(self.first[~shared]).tolist(), self.first[shared].tolist()


def _item(change: str, rec: Recommendation) -> dict[str, Any]:
    return {"change": change, "recommendation": rec.recommendation, "category": rec.category,
            "impact": rec.impact, "resourceId": rec.resource_id,
            "resourceName": rec.resource_name, "subscriptionId": rec.subscription_id,
            "subscriptionName": rec.subscription_name,
            "annualSavings": money(rec.annual_savings) if rec.annual_savings is not None
            else None, "currency": rec.currency if rec.annual_savings is not None else None}


def compare(current: Sequence[Recommendation],
            baseline: Sequence[Recommendation]) -> dict[str, Any]:
    """Counts, counts per category, savings per currency of new and resolved findings, and
    every new and resolved finding (new first, then by impact, category, text, resource)."""
    now, before = _Findings(current), _Findings(baseline)
    new_at, persisting_at = now.split(before)
    resolved_at, _ = before.split(now)
    new = [current[i] for i in new_at]
    resolved = [baseline[i] for i in resolved_at]
    persisting = len(persisting_at)
    per_category: dict[str, dict[str, int]] = defaultdict(
        lambda: {"new": 0, "resolved": 0, "persisting": 0})
    savings: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: {"new": Decimal(0), "resolved": Decimal(0)})
    for change, recs in (("new", new), ("resolved", resolved)):
        for rec in recs:
            per_category[rec.category or "Uncategorised"][change] += 1
            if rec.annual_savings is not None:
                savings[rec.currency or "unknown"][change] += rec.annual_savings
    for i in persisting_at:
        per_category[now.categories[i] or "Uncategorised"]["persisting"] += 1
    items = [_item("new", r) for r in new] + [_item("resolved", r) for r in resolved]
    items.sort(key=lambda i: (CHANGES.index(i["change"]), IMPACT_RANK.get(i["impact"], UNRANKED),
                              CATEGORY_RANK.get(i["category"], UNRANKED), i["category"],
                              i["recommendation"].casefold(), i["resourceId"].lower()))
    return {
        "counts": {"new": len(new), "resolved": len(resolved), "persisting": persisting},
        "byCategory": [{"category": c, **per_category[c]} for c in sorted(
            per_category, key=lambda c: (CATEGORY_RANK.get(c, UNRANKED), c))],
        "savingsByCurrency": [{"currency": c, "new": money(v["new"]),
                               "resolved": money(v["resolved"])}
                              for c, v in sorted(savings.items())],
        "results": items,
    }


SHOWN = 25  # the most new high-impact and resolved findings a report lists (the workbook: all)


def for_renders(changes: dict[str, Any]) -> dict[str, Any]:
    """The changes as the renders read them: without the list of every new and resolved
    finding (a render parsing 200,000 of them took over 1 GB), the first SHOWN new
    high-impact and resolved findings of each category, and per category how many new
    high-impact findings there are and what the changed ones were worth. Any set of categories
    finds its first SHOWN of each list here, in order, and its totals (see
    report_types.base.changes_for); the workbook lists them all from their own blob."""
    shown: list[dict[str, Any]] = []
    listed: dict[tuple[str, str], int] = defaultdict(int)
    money_of: dict[str, dict[str, list[Decimal]]] = defaultdict(dict)
    for item in changes["results"]:
        category = item["category"]
        if item["change"] == "resolved" or item["impact"] == "High":
            listed[item["change"], category] += 1
            if listed[item["change"], category] <= SHOWN:
                shown.append(item)
        if item.get("annualSavings") is not None:
            pair = money_of[category].setdefault(item.get("currency") or "unknown",
                                                 [Decimal(0), Decimal(0)])
            pair[item["change"] == "new"] += Decimal(str(item["annualSavings"]))
    return {**{k: v for k, v in changes.items() if k != "results"}, "results": shown,
            # How many of each list per category (as the items name it: "" stays "").
            "newHighByCategory": {c: n for (ch, c), n in listed.items() if ch == "new"},
            "resolvedByCategory": {c: n for (ch, c), n in listed.items() if ch == "resolved"},
            # Exact sums as text: [resolved, new] per category and currency.
            "savingsByCategory": {c: {cur: [str(a) for a in pair] for cur, pair in m.items()}
                                  for c, m in money_of.items()}}
