"""The action plan: recommendations grouped into actions, with the resources they touch.

One action is one recommendation (its normalised text) within one category, however many
resources it concerns: "fix these six things and 200 findings go away". Actions are ranked High
before Medium before Low impact, then by resources affected, then by savings.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlsplit

from shared.advisor.identity import normalised_text, resource_key
from shared.advisor.model import IMPACT_RANK, UNRANKED, Recommendation
from shared.advisor.savings import money, subscription_key
from shared.advisor.tracking import action_key

MAX_EXAMPLES = 5
# Where a report may send its reader to read how to fix something: Microsoft's own pages. An
# export's "Learn more" column is text anyone can edit; a link elsewhere is left out.
LEARN_HOSTS = ("microsoft.com", "aka.ms", "azure.com")


def learn_link(url: str) -> str:
    """`url` when it is an https link to one of Microsoft's sites, else ""."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # e.g. an unclosed "[" where an IPv6 host would be
        return ""
    host = (parts.hostname or "").lower()
    trusted = any(host == h or host.endswith("." + h) for h in LEARN_HOSTS)
    return parts.geturl() if parts.scheme == "https" and trusted and not parts.username else ""


@dataclass
class _Action:
    category: str
    texts: Counter[str] = field(default_factory=Counter)
    impacts: Counter[str] = field(default_factory=Counter)
    resources: set[int] = field(default_factory=set)  # hashes of resource keys, see add
    subscriptions: set[str] = field(default_factory=set)
    resource_types: set[str] = field(default_factory=set)
    savings: dict[str, Decimal] = field(default_factory=lambda: defaultdict(Decimal))
    retirement: str = ""
    solution: str = ""  # Advisor's own steps (imports carry them; the portal's CSV does not)
    learn_more: str = ""
    findings: int = 0
    examples: list[dict[str, str]] = field(default_factory=list)

    def add(self, rec: Recommendation, resource: str) -> None:
        # The resource kept as its hash: the key, built lower-cased for each row, held 177
        # bytes a row until the plan was made (177 MB at 1,000,000 rows); an int is 32. Two
        # resources with the same 64-bit hash (under 1 in 10^7 for a million) count as one.
        resource_hash = hash(resource)
        self.findings += 1
        self.texts[rec.recommendation.strip()] += 1
        self.impacts[rec.impact] += 1
        if rec.subscription_id or rec.subscription_name:
            self.subscriptions.add(subscription_key(rec))
        if rec.resource_type:
            self.resource_types.add(rec.resource_type)
        if rec.annual_savings is not None:
            self.savings[rec.currency or "unknown"] += rec.annual_savings
        if rec.retirement_date and (not self.retirement or rec.retirement_date < self.retirement):
            self.retirement = rec.retirement_date
        if not self.solution and rec.solution:
            self.solution = rec.solution.strip()
        if not self.learn_more and rec.learn_more_link:
            self.learn_more = learn_link(rec.learn_more_link)
        if resource_hash not in self.resources:
            self.resources.add(resource_hash)
            if len(self.examples) < MAX_EXAMPLES:
                self.examples.append({
                    "resourceName": rec.resource_name or rec.subscription_name
                    or rec.subscription_id,
                    "resourceId": rec.resource_id, "subscriptionId": rec.subscription_id})

    @property
    def impact(self) -> str:
        """The highest impact any of its findings has."""
        return min(self.impacts, key=lambda i: (IMPACT_RANK.get(i, UNRANKED), i))

    def to_dict(self) -> dict[str, Any]:
        text = max(self.texts.items(), key=lambda kv: (kv[1], kv[0]))[0]
        return {
            # The same action's key in every export of the client (shared.advisor.tracking).
            "key": action_key(self.category, text),
            "recommendation": text, "category": self.category, "impact": self.impact,
            "findings": self.findings,
            # Of them of high impact: an action's impact is its highest, not every finding's.
            "highImpactFindings": self.impacts.get("High", 0),
            "resources": len(self.resources),
            "subscriptions": len(self.subscriptions),
            "resourceTypes": sorted(self.resource_types, key=str.lower),
            "savingsByCurrency": {c: money(v) for c, v in sorted(self.savings.items())},
            "retirementDate": self.retirement or None,
            "examples": self.examples,
            # How to fix it, where Advisor says more than the recommendation's own words.
            "solution": "" if normalised_text(self.solution) == normalised_text(text)
            else self.solution,
            "learnMoreLink": self.learn_more,
        }


class ActionPlan:
    """action_plan, a row at a time."""

    def __init__(self) -> None:
        self.actions: dict[tuple[str, str], _Action] = {}

    def add(self, rec: Recommendation) -> tuple[str, str]:
        """Count the row in its action; its finding key (identity.finding_key), which this
        works out anyway, for whoever needs it too (the summary's finding index)."""
        key = (rec.category, normalised_text(rec.recommendation))
        action = self.actions.get(key)
        if action is None:
            action = self.actions[key] = _Action(rec.category)
        resource = resource_key(rec)
        action.add(rec, resource)
        return key[1], resource

    def result(self) -> list[dict[str, Any]]:
        plan = [a.to_dict() for a in self.actions.values()]
        plan.sort(key=lambda a: (IMPACT_RANK.get(a["impact"], UNRANKED), -a["resources"],
                                 -max(a["savingsByCurrency"].values(), default=0),
                                 a["category"], a["recommendation"].casefold()))
        return plan


def action_plan(records: Iterable[Recommendation]) -> list[dict[str, Any]]:
    """Every action of the export, ranked (see the module's docstring)."""
    plan = ActionPlan()
    for rec in records:
        plan.add(rec)
    return plan.result()
