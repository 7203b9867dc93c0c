"""Statistics of one export, used by the reports and the statistics endpoint.

Money is never added across currencies: every total is kept per currency.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from shared.advisor.model import CATEGORIES, IMPACTS, Recommendation
from shared.advisor.row_table import RowTable
from shared.advisor.savings import SavingsTally, money

SAVINGS_CAVEAT = (
    "Savings from right-sizing, reservations and savings plans overlap: a savings plan and a "
    "reservation for the same usage are alternatives, and right-sizing first lowers both. "
    "The estimate counts, per subscription, the larger of savings plans and reservations plus "
    "everything else; the plain sum of every amount overstates what can be saved."
)


def export_date(records: Iterable[Recommendation], fallback: str = "") -> str:
    """The day the export was taken: its newest Updated Date, else `fallback` (the upload)."""
    # A table's column is read without making its rows (0.6 s at 200,000 rows).
    days = records.values("updated") if isinstance(records, RowTable) \
        else (r.updated for r in records)
    newest = max((day for day in days if day[:4].isdigit()), default="")
    return (newest or fallback)[:10]


def retirement_status(when: str, as_of: str) -> tuple[str, int | None]:
    """("overdue" | "due" | "undated", days from `as_of` to the retirement)."""
    try:
        days = (date.fromisoformat(when[:10]) - date.fromisoformat(as_of[:10])).days
    except ValueError:
        return "undated", None
    return ("overdue" if days < 0 else "due"), days


def _ordered(keys: Iterable[str], canonical: tuple[str, ...]) -> list[str]:
    keys = set(keys)
    return [k for k in canonical if k in keys] + sorted(k for k in keys if k not in canonical)


class _Group:
    __slots__ = ("count", "impacts", "label", "savings")

    def __init__(self) -> None:
        self.count = 0
        self.impacts: Counter[str] = Counter()
        self.savings: dict[str, Decimal] = defaultdict(Decimal)
        self.label = ""

    def add(self, rec: Recommendation) -> None:
        self.count += 1
        self.impacts[rec.impact] += 1
        if rec.annual_savings is not None:
            self.savings[rec.currency] += rec.annual_savings

    def to_dict(self) -> dict[str, Any]:
        return {
            "count": self.count,
            "high": self.impacts.get("High", 0),
            "medium": self.impacts.get("Medium", 0),
            "low": self.impacts.get("Low", 0),
            "savingsByCurrency": {c or "unknown": money(v)
                                  for c, v in sorted(self.savings.items())},
        }


def _grouped(groups: dict[str, _Group], key_name: str, extra: dict[str, dict] | None = None,
             limit: int | None = None) -> list[dict[str, Any]]:
    rows = sorted(groups.items(), key=lambda kv: (-kv[1].count, kv[0]))
    out = []
    for key, group in rows[:limit]:
        item = {key_name: key, **(extra or {}).get(key, {}), **group.to_dict()}
        out.append(item)
    return out


class Statistics:
    """compute_statistics, a row at a time: the summary feeds it and the action plan from the
    same pass over a report type's rows (report_types.report_facts)."""

    def __init__(self, top_n: int = 10) -> None:
        self.top_n = top_n
        self.total = _Group()
        self.categories: dict[str, _Group] = defaultdict(_Group)
        self.subscriptions: dict[str, _Group] = defaultdict(_Group)
        self.sub_names: dict[str, dict[str, str]] = {}
        self.groups: dict[str, _Group] = defaultdict(_Group)
        self.types: dict[str, _Group] = defaultdict(_Group)
        self.matrix: dict[str, Counter[str]] = defaultdict(Counter)
        # A resource is its given id, else its parts: the names of each (subscription, group,
        # type) in a set of their own. Either way the sets hold the rows' own strings: a key
        # made per row (a tuple of the parts) held 124 bytes a row, 124 MB at 1,000,000 rows.
        self.given_ids: set[str] = set()
        self.names: dict[tuple[str, str, str], set[str]] = defaultdict(set)
        self.retirements: dict[tuple[str, str], list[str]] = defaultdict(list)
        # The largest savings as sorting every row with savings would rank them, keeping only
        # `top_n`: the heap's first entry is the one to drop next (the smallest amount, then
        # the later line, then the later row, as heapq.nsmallest would leave it out).
        self.top: list[tuple[Decimal, int, int, Recommendation]] = []
        self.savings = SavingsTally()
        self.newest = ""  # the newest Updated Date (see export_date)
        self._rows = 0

    def add(self, rec: Recommendation) -> None:
        self.total.add(rec)
        category = rec.category or "Uncategorised"
        self.categories[category].add(rec)
        self.matrix[category][rec.impact or "Unknown"] += 1
        sub = rec.subscription_id or rec.subscription_name or "unknown"
        self.subscriptions[sub].add(rec)
        self.sub_names.setdefault(sub, {"subscriptionName": rec.subscription_name})
        self.groups[rec.resource_group or "No resource group"].add(rec)
        self.types[rec.resource_type or "Unknown"].add(rec)
        if rec.given_resource_id:
            self.given_ids.add(rec.given_resource_id)
        else:
            self.names[sub, rec.resource_group, rec.resource_type].add(rec.resource_name)
        if rec.retirement_date or rec.retiring_feature:
            self.retirements[(rec.retirement_date, rec.retiring_feature)].append(
                rec.resource_name or rec.resource_id)
        if rec.updated > self.newest and rec.updated[:4].isdigit():
            self.newest = rec.updated
        if rec.annual_savings is not None:
            self._rows += 1
            # Entries never tie before the row (each has its own count).
            entry = (rec.annual_savings, -rec.line, -self._rows, rec)
            if len(self.top) < self.top_n:
                heapq.heappush(self.top, entry)
            elif self.top_n and entry > self.top[0]:
                heapq.heapreplace(self.top, entry)
        self.savings.add(rec)

    def result(self, as_of: str = "") -> dict[str, Any]:
        """The figures (see compute_statistics); `as_of` defaults to the newest Updated Date."""
        as_of = as_of or self.newest[:10]
        total, categories, matrix = self.total, self.categories, self.matrix
        top = [entry[3] for entry in sorted(self.top, reverse=True)]
        impact_counts = Counter({(k or "Unknown"): v for k, v in total.impacts.items()})
        savings = self.savings.result()
        return {
            "totals": {
                "recommendations": total.count,
                "highImpact": total.impacts.get("High", 0),
                "mediumImpact": total.impacts.get("Medium", 0),
                "lowImpact": total.impacts.get("Low", 0),
                "subscriptions": len(self.subscriptions),
                "resources": len(self.given_ids) + sum(map(len, self.names.values())),
                "savingsByCurrency": savings,
            },
            "byCategory": [
                {"category": c, **categories[c].to_dict()}
                for c in _ordered(categories, (*CATEGORIES, "Uncategorised"))
            ],
            "byImpact": [
                {"impact": i, "count": impact_counts[i]}
                for i in _ordered(impact_counts, (*IMPACTS, "Unknown"))
            ],
            "categoryImpact": {
                c: {i: matrix[c].get(i, 0) for i in _ordered(matrix[c], IMPACTS)}
                for c in _ordered(matrix, (*CATEGORIES, "Uncategorised"))
            },
            "bySubscription": _grouped(self.subscriptions, "subscriptionId", self.sub_names),
            "byResourceGroup": _grouped(self.groups, "resourceGroup"),
            "byResourceType": _grouped(self.types, "resourceType"),
            "savingsByCurrency": savings,
            "topSavings": [
                {"line": r.line, "recommendation": r.recommendation, "category": r.category,
                 "impact": r.impact, "resourceName": r.resource_name,
                 "resourceGroup": r.resource_group, "subscriptionName": r.subscription_name,
                 "annualSavings": money(r.annual_savings), "currency": r.currency or "unknown"}
                for r in top
            ],
            "exportDate": as_of,
            "retirements": _retirements(self.retirements, as_of),
            "savingsCaveat": SAVINGS_CAVEAT,
        }


def compute_statistics(records: Iterable[Recommendation], top_n: int = 10,
                       as_of: str = "") -> dict[str, Any]:
    """Everything the statistics endpoint and the reports show. Retirements are overdue or
    due relative to `as_of` (the export date; default: the rows' newest Updated Date)."""
    stats = Statistics(top_n)
    for rec in records:
        stats.add(rec)
    return stats.result(as_of)


_STATUS_ORDER = {"overdue": 0, "due": 1, "undated": 2}


def _retirements(found: dict[tuple[str, str], list[str]], as_of: str) -> list[dict[str, Any]]:
    """Overdue first (oldest first), then due (soonest first), then those without a date."""
    out = []
    for (when, feature), names in found.items():
        status, days = retirement_status(when, as_of) if when else ("undated", None)
        out.append({"date": when, "feature": feature, "count": len(names),
                    "status": status, "daysUntil": days,
                    "resources": sorted({n for n in names if n})[:10]})
    out.sort(key=lambda r: (_STATUS_ORDER[r["status"]], r["date"] or "9999", r["feature"]))
    return out
