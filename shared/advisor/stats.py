"""Statistics of one export, used by the reports and the statistics endpoint.

Money is never added across currencies: every total is kept per currency.
"""

from __future__ import annotations

import heapq
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from datetime import date
from decimal import Decimal
from typing import Any

from shared.advisor.model import CATEGORIES, IMPACTS, Recommendation
from shared.advisor.savings import money, savings_by_currency

SAVINGS_CAVEAT = (
    "Savings from right-sizing, reservations and savings plans overlap: a savings plan and a "
    "reservation for the same usage are alternatives, and right-sizing first lowers both. "
    "The estimate counts, per subscription, the larger of savings plans and reservations plus "
    "everything else; the plain sum of every amount overstates what can be saved."
)


def export_date(records: Iterable[Recommendation], fallback: str = "") -> str:
    """The day the export was taken: its newest Updated Date, else `fallback` (the upload)."""
    newest = max((r.updated for r in records if r.updated[:4].isdigit()), default="")
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


def compute_statistics(records: Iterable[Recommendation], top_n: int = 10,
                       as_of: str = "") -> dict[str, Any]:
    """Everything the statistics endpoint and the reports show. Retirements are overdue or
    due relative to `as_of` (the export date; default: the rows' newest Updated Date)."""
    if not isinstance(records, Sequence):  # read more than once; a RowTable makes its rows
        records = list(records)              # as they are read, so it is not listed whole
    as_of = as_of or export_date(records)
    total = _Group()
    categories: dict[str, _Group] = defaultdict(_Group)
    subscriptions: dict[str, _Group] = defaultdict(_Group)
    sub_names: dict[str, dict[str, str]] = {}
    groups: dict[str, _Group] = defaultdict(_Group)
    types: dict[str, _Group] = defaultdict(_Group)
    matrix: dict[str, Counter[str]] = defaultdict(Counter)
    # A resource is its given id, else its parts: the names of each (subscription, group,
    # type) in a set of their own. Either way the sets hold the rows' own strings: a key made
    # per row (a tuple of the parts) held 124 bytes a row, 124 MB at 1,000,000 rows.
    given_ids: set[str] = set()
    names: dict[tuple[str, str, str], set[str]] = defaultdict(set)
    retirements: dict[tuple[str, str], list[str]] = defaultdict(list)

    for rec in records:
        total.add(rec)
        category = rec.category or "Uncategorised"
        categories[category].add(rec)
        matrix[category][rec.impact or "Unknown"] += 1
        sub = rec.subscription_id or rec.subscription_name or "unknown"
        subscriptions[sub].add(rec)
        sub_names.setdefault(sub, {"subscriptionName": rec.subscription_name})
        groups[rec.resource_group or "No resource group"].add(rec)
        types[rec.resource_type or "Unknown"].add(rec)
        if rec.given_resource_id:
            given_ids.add(rec.given_resource_id)
        else:
            names[sub, rec.resource_group, rec.resource_type].add(rec.resource_name)
        if rec.retirement_date or rec.retiring_feature:
            retirements[(rec.retirement_date, rec.retiring_feature)].append(
                rec.resource_name or rec.resource_id)

    # The largest savings as sorting every row with savings would rank them (a sort key per
    # row: 40 bytes a row of the export at its peak), keeping only `top_n`.
    top = heapq.nsmallest(top_n, (r for r in records if r.annual_savings is not None),
                          key=lambda r: (-r.annual_savings, r.line))
    impact_counts = Counter({(k or "Unknown"): v for k, v in total.impacts.items()})
    savings = savings_by_currency(records)
    return {
        "totals": {
            "recommendations": total.count,
            "highImpact": total.impacts.get("High", 0),
            "mediumImpact": total.impacts.get("Medium", 0),
            "lowImpact": total.impacts.get("Low", 0),
            "subscriptions": len(subscriptions),
            "resources": len(given_ids) + sum(map(len, names.values())),
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
        "bySubscription": _grouped(subscriptions, "subscriptionId", sub_names),
        "byResourceGroup": _grouped(groups, "resourceGroup"),
        "byResourceType": _grouped(types, "resourceType"),
        "savingsByCurrency": savings,
        "topSavings": [
            {"line": r.line, "recommendation": r.recommendation, "category": r.category,
             "impact": r.impact, "resourceName": r.resource_name,
             "resourceGroup": r.resource_group, "subscriptionName": r.subscription_name,
             "annualSavings": money(r.annual_savings), "currency": r.currency or "unknown"}
            for r in top
        ],
        "exportDate": as_of,
        "retirements": _retirements(retirements, as_of),
        "savingsCaveat": SAVINGS_CAVEAT,
    }


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
