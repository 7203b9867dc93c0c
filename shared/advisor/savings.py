"""Savings that add up: the lever each cost recommendation pulls, and an estimate that counts
alternatives once.

Azure Advisor's savings overlap: a savings plan and a reservation for the same usage are
alternatives (buy one or the other), so adding both overstates what can be saved. The estimate
counts, per subscription and currency, the larger of the two, plus everything else.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable
from decimal import Decimal

from shared.advisor.model import Recommendation

LEVERS = ("savingsPlan", "reservation", "rightsizeOrShutdown", "other")
LEVER_LABELS = {"savingsPlan": "Savings plans", "reservation": "Reservations",
                "rightsizeOrShutdown": "Right-size or shut down", "other": "Other"}

_SAVINGS_PLAN = re.compile(r"savings?\s+plan", re.IGNORECASE)
_RESERVATION = re.compile(r"reserv(ed|ation)", re.IGNORECASE)
_RIGHTSIZE = re.compile(
    r"right[- ]?siz|resize|shut\s*down|underutili[sz]ed|idle|unused|unattached|"
    r"\bdelete\b|\bstop\b|deallocate|scale\s+down|downgrade|auto-?pause", re.IGNORECASE)


def lever(text: str) -> str:
    """The lever a recommendation pulls, read from its text."""
    if _SAVINGS_PLAN.search(text):
        return "savingsPlan"
    if _RESERVATION.search(text):
        return "reservation"
    if _RIGHTSIZE.search(text):
        return "rightsizeOrShutdown"
    return "other"


def money(value: Decimal) -> float:
    return float(value.quantize(Decimal("0.01")))


def subscription_key(rec: Recommendation) -> str:
    """The subscription a row's savings are counted under: its id, else its name, any case."""
    return (rec.subscription_id or rec.subscription_name).lower()


class SavingsTally:
    """savings_by_currency, a row at a time."""

    def __init__(self) -> None:
        # (currency, subscription) -> lever -> amount
        self.cells: dict[tuple[str, str], dict[str, Decimal]] = defaultdict(
            lambda: defaultdict(Decimal))
        self.counts: dict[str, int] = defaultdict(int)

    def add(self, rec: Recommendation) -> None:
        if rec.annual_savings is None:
            return
        currency = rec.currency or "unknown"
        self.cells[(currency, subscription_key(rec))][lever(rec.recommendation)] += \
            rec.annual_savings
        self.counts[currency] += 1

    def result(self) -> list[dict]:
        plain: dict[str, Decimal] = defaultdict(Decimal)
        estimate: dict[str, Decimal] = defaultdict(Decimal)
        by_lever: dict[str, dict[str, Decimal]] = defaultdict(
            lambda: dict.fromkeys(LEVERS, Decimal(0)))
        for (currency, _), levers in self.cells.items():
            plain[currency] += sum(levers.values(), Decimal(0))
            # Of the two commitments, the larger counts; the other is its alternative.
            commitment = "savingsPlan" if levers["savingsPlan"] >= levers["reservation"] \
                else "reservation"
            for name in (commitment, "rightsizeOrShutdown", "other"):
                by_lever[currency][name] += levers[name]
                estimate[currency] += levers[name]
        return [
            {"currency": currency, "annualSavings": money(plain[currency]),
             "estimatedAnnualSavings": money(estimate[currency]),
             "estimatedMonthlySavings": money(estimate[currency] / 12),
             "byLever": {name: money(by_lever[currency][name]) for name in LEVERS},
             "recommendations": self.counts[currency]}
            for currency in sorted(plain, key=lambda c: (-estimate[c], c))
        ]


def savings_by_currency(records: Iterable[Recommendation]) -> list[dict]:
    """Per currency, largest estimate first: the plain sum of every amount (`annualSavings`,
    which overstates), the estimate that counts savings plans or reservations once per
    subscription (`estimatedAnnualSavings`, and a twelfth of it a month), what each lever adds
    to the estimate (`byLever`, which sums to it) and the number of recommendations."""
    tally = SavingsTally()
    for rec in records:
        tally.add(rec)
    return tally.result()
