"""The headline figures a report leads with, and what they were at the baseline.

A report's key-figure cards (recommendations, high impact, estimated annual savings, overdue
retirements) each say how far they moved since the review they are compared with. The figures
of the report itself come from its statistics; those of the baseline are counted here from the
baseline's rows (after the same exclusion rules), in one pass per category set, without the
statistics' other tallies.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from shared.advisor.model import Recommendation
from shared.advisor.savings import SavingsTally
from shared.advisor.stats import retirement_status

MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August",
          "September", "October", "November", "December")


def headline(stats: dict) -> dict:
    """The headline figures of a report type's statistics (compute_statistics)."""
    totals = stats["totals"]
    return {
        "recommendations": totals["recommendations"],
        "highImpact": totals["highImpact"],
        "overdueRetirements": sum(r["count"] for r in stats["retirements"]
                                  if r["status"] == "overdue"),
        "estimatedSavings": {s["currency"]: s["estimatedAnnualSavings"]
                             for s in stats["savingsByCurrency"]},
    }


class HeadlineTally:
    """headline() of the rows added, counted as compute_statistics counts them."""

    def __init__(self, as_of: str) -> None:
        self.as_of = as_of
        self.recommendations = self.high = self.overdue = 0
        self.savings = SavingsTally()

    def add(self, rec: Recommendation) -> None:
        self.recommendations += 1
        self.high += rec.impact == "High"
        if rec.retirement_date and \
                retirement_status(rec.retirement_date, self.as_of)[0] == "overdue":
            self.overdue += 1
        self.savings.add(rec)

    def result(self) -> dict:
        return {"recommendations": self.recommendations, "highImpact": self.high,
                "overdueRetirements": self.overdue,
                "estimatedSavings": {s["currency"]: s["estimatedAnnualSavings"]
                                     for s in self.savings.result()}}


def headlines_by_scope(records: Iterable[Recommendation], as_of: str,
                       scopes: dict[str, tuple[str, ...] | None]) -> dict[str, dict]:
    """headline() per named scope (a set of categories; None: every row), in one pass."""
    tallies = {name: HeadlineTally(as_of) for name in scopes}
    for rec in records:
        for name, categories in scopes.items():
            if categories is None or rec.category in categories:
                tallies[name].add(rec)
    return {name: tally.result() for name, tally in tallies.items()}


def period(day: str) -> str:
    """An ISO date as the month a review covers: "2026-11-18" -> "November 2026"."""
    try:
        when = date.fromisoformat((day or "")[:10])
    except ValueError:
        return ""
    return f"{MONTHS[when.month - 1]} {when.year}"


def review_name(about: dict) -> str:
    """What a report is called when another is compared with it: its title, unless that is
    only the file's name (the default title), else the period of its export."""
    title = (about.get("title") or "").strip()
    if title and title != (about.get("fileName") or ""):
        return title
    return period(about.get("exportDate") or about.get("createdAt") or "") or title \
        or "the last review"
