"""The headline figures a report leads with, and what they were at the baseline.

A report's key-figure cards (recommendations, high impact, estimated annual savings, overdue
retirements) each say how far they moved since the review they are compared with. The figures
of the report itself come from its statistics; those of the baseline are counted here from the
baseline's rows (after the same exclusion rules), in one pass per category set, without the
statistics' other tallies.
"""

from __future__ import annotations

from collections import Counter
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
    """headline() of the rows added, counted as compute_statistics counts them. The day the
    retirements are counted overdue from is given at the end: a baseline read as a stream
    learns its export's day only from its last row."""

    def __init__(self) -> None:
        self.recommendations = self.high = 0
        self.retirements: Counter[str] = Counter()  # a few distinct days, however many rows
        self.savings = SavingsTally()

    def add(self, rec: Recommendation) -> None:
        self.recommendations += 1
        self.high += rec.impact == "High"
        if rec.retirement_date:
            self.retirements[rec.retirement_date] += 1
        self.savings.add(rec)

    def result(self, as_of: str) -> dict:
        overdue = sum(n for day, n in self.retirements.items()
                      if retirement_status(day, as_of)[0] == "overdue")
        return {"recommendations": self.recommendations, "highImpact": self.high,
                "overdueRetirements": overdue,
                "estimatedSavings": {s["currency"]: s["estimatedAnnualSavings"]
                                     for s in self.savings.result()}}


class ScopeTallies:
    """headline() per named scope (a set of categories; None: every row), a row at a time."""

    def __init__(self, scopes: dict[str, tuple[str, ...] | None]) -> None:
        self.scopes = scopes
        self.tallies = {name: HeadlineTally() for name in scopes}

    def add(self, rec: Recommendation) -> None:
        for name, categories in self.scopes.items():
            if categories is None or rec.category in categories:
                self.tallies[name].add(rec)

    def result(self, as_of: str) -> dict[str, dict]:
        return {name: tally.result(as_of) for name, tally in self.tallies.items()}


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
