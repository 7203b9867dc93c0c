"""Statistics of an export: per category, impact, subscription, type; money per currency."""

from __future__ import annotations

import heapq
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from shared.advisor.model import Recommendation
from shared.advisor.parse import parse_export
from shared.advisor.stats import SAVINGS_CAVEAT, compute_statistics, export_date
from tests.support.exports import build_rows, to_csv
from tests.unit.test_advisor_parse import csv_text, row17


def test_totals_and_breakdowns_match_the_rows():
    rows = build_rows(500, seed=4)
    stats = compute_statistics(parse_export(to_csv(rows)).records)
    totals = stats["totals"]
    assert totals["recommendations"] == 500
    assert totals["highImpact"] == sum(r["Business Impact"] == "High" for r in rows)
    assert sum(c["count"] for c in stats["byCategory"]) == 500
    assert sum(i["count"] for i in stats["byImpact"]) == 500
    assert sum(s["count"] for s in stats["bySubscription"]) == 500
    assert sum(g["count"] for g in stats["byResourceGroup"]) == 500
    assert sum(t["count"] for t in stats["byResourceType"]) == 500
    cost = sum(int(r["Potential Annual Cost Savings"].replace(",", "")) for r in rows
               if r["Potential Annual Cost Savings"])
    (usd,) = totals["savingsByCurrency"]
    assert usd["currency"] == "USD" and usd["annualSavings"] == float(cost)
    assert usd["recommendations"] == sum(1 for r in rows if r["ApiCategory"] == "Cost")
    assert round(sum(usd["byLever"].values()), 2) == usd["estimatedAnnualSavings"] <= cost
    matrix = stats["categoryImpact"]
    assert sum(sum(v.values()) for v in matrix.values()) == 500
    assert [c["category"] for c in stats["byCategory"]] == [
        "Cost", "Security", "Reliability", "OperationalExcellence", "Performance"]
    assert stats["savingsCaveat"] == SAVINGS_CAVEAT


def test_money_is_never_summed_across_currencies_and_top_n_is_sorted():
    records = parse_export(csv_text(
        row17(savings="100", currency="USD", resource="a"),
        row17(savings="300", currency="EUR", resource="b"),
        row17(savings="250", currency="USD", resource="c"),
        row17(category="Security", resource="d"),
    )).records
    stats = compute_statistics(records, top_n=2)
    assert [(s["currency"], s["annualSavings"], s["estimatedAnnualSavings"],
             s["recommendations"]) for s in stats["savingsByCurrency"]] == [
        ("USD", 350.0, 350.0, 2), ("EUR", 300.0, 300.0, 1)]
    assert [(t["resourceName"], t["currency"]) for t in stats["topSavings"]] == [
        ("b", "EUR"), ("c", "USD")]
    assert stats["byCategory"][0]["savingsByCurrency"] == {"EUR": 300.0, "USD": 350.0}


def test_retirements_are_overdue_before_the_export_date_and_come_first():
    records = parse_export(csv_text(
        row17(retirement="2026-09-30", feature="Gateway v1", resource="a",
              updated="2026-11-20T08:00:00Z"),
        row17(retirement="2025-03-31", feature="Basic IP", resource="b"),
        row17(retirement="2025-03-31", feature="Basic IP", resource="c"),
        row17(retirement="2027-01-09", feature="Classic VNet", resource="e"),
        row17(retirement="", feature="Old agent", resource="f"),
        row17(resource="d"),
    )).records
    stats = compute_statistics(records)
    assert stats["exportDate"] == "2026-11-20"  # the newest Updated Date
    assert stats["retirements"] == [
        {"date": "2025-03-31", "feature": "Basic IP", "count": 2, "status": "overdue",
         "daysUntil": -599, "resources": ["b", "c"]},
        {"date": "2026-09-30", "feature": "Gateway v1", "count": 1, "status": "overdue",
         "daysUntil": -51, "resources": ["a"]},
        {"date": "2027-01-09", "feature": "Classic VNet", "count": 1, "status": "due",
         "daysUntil": 50, "resources": ["e"]},
        {"date": "", "feature": "Old agent", "count": 1, "status": "undated",
         "daysUntil": None, "resources": ["f"]}]
    # Without an Updated Date, the upload date decides.
    undated = [r._replace(updated="") for r in records]
    later = compute_statistics(undated, as_of="2027-02-01")["retirements"]
    assert [r["status"] for r in later] == ["overdue", "overdue", "overdue", "undated"]


def test_empty_input_gives_zeroes_not_errors():
    stats = compute_statistics([])
    assert stats["totals"]["recommendations"] == 0
    assert stats["byCategory"] == [] and stats["topSavings"] == []


amounts = st.sampled_from([None, Decimal(0), Decimal("5"), Decimal("5.00"), Decimal("7.5"),
                           Decimal("-2")])


@given(st.lists(st.tuples(st.integers(2, 60), amounts, st.sampled_from(["", "2026-01-02",
                                                                          "x2026", "2025"])),
                max_size=40),
       st.integers(0, 12))
def test_gathered_a_row_at_a_time_the_top_savings_and_date_are_those_of_the_whole(rows, top_n):
    """Statistics keeps only `top_n` rows as it goes: the same rows, in the same order, as
    heapq.nsmallest over all of them (ties in amount by line, then by order given)."""
    records = [Recommendation(line, "r", "Cost", annual_savings=amount, currency="EUR",
                              updated=updated) for line, amount, updated in rows]
    stats = compute_statistics(records, top_n=top_n)
    expected = heapq.nsmallest(top_n, (r for r in records if r.annual_savings is not None),
                               key=lambda r: (-r.annual_savings, r.line))
    assert [(t["line"], t["annualSavings"]) for t in stats["topSavings"]] \
        == [(r.line, float(r.annual_savings)) for r in expected]
    assert stats["exportDate"] == export_date(records)
