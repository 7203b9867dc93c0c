"""What changed since the last review: findings new in this export, resolved since the
baseline export, and persisting in both (identity: shared.advisor.identity.finding_key)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from shared.advisor.identity import finding_key
from shared.advisor.model import CATEGORY_RANK, IMPACT_RANK, UNRANKED, Recommendation
from shared.advisor.savings import money

CHANGES = ("new", "resolved")


def _by_key(records: Iterable[Recommendation]) -> dict[tuple[str, str], Recommendation]:
    out: dict[tuple[str, str], Recommendation] = {}
    for rec in records:
        out.setdefault(finding_key(rec), rec)  # a finding listed twice counts once
    return out


def _item(change: str, rec: Recommendation) -> dict[str, Any]:
    return {"change": change, "recommendation": rec.recommendation, "category": rec.category,
            "impact": rec.impact, "resourceId": rec.resource_id,
            "resourceName": rec.resource_name, "subscriptionId": rec.subscription_id,
            "subscriptionName": rec.subscription_name,
            "annualSavings": money(rec.annual_savings) if rec.annual_savings is not None
            else None, "currency": rec.currency if rec.annual_savings is not None else None}


def compare(current: Iterable[Recommendation],
            baseline: Iterable[Recommendation]) -> dict[str, Any]:
    """Counts, counts per category, savings per currency of new and resolved findings, and
    every new and resolved finding (new first, then by impact, category, text, resource)."""
    now, before = _by_key(current), _by_key(baseline)
    new = [rec for key, rec in now.items() if key not in before]
    resolved = [rec for key, rec in before.items() if key not in now]
    persisting = len(now) - len(new)
    per_category: dict[str, dict[str, int]] = defaultdict(
        lambda: {"new": 0, "resolved": 0, "persisting": 0})
    savings: dict[str, dict[str, Decimal]] = defaultdict(
        lambda: {"new": Decimal(0), "resolved": Decimal(0)})
    for change, recs in (("new", new), ("resolved", resolved)):
        for rec in recs:
            per_category[rec.category or "Uncategorised"][change] += 1
            if rec.annual_savings is not None:
                savings[rec.currency or "unknown"][change] += rec.annual_savings
    for key, rec in now.items():
        if key in before:
            per_category[rec.category or "Uncategorised"]["persisting"] += 1
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
