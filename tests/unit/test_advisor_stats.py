"""Statistics of an export: per category, impact, subscription, type; money per currency."""

from __future__ import annotations

from shared.advisor.parse import parse_export
from shared.advisor.stats import SAVINGS_CAVEAT, compute_statistics
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
    assert totals["savingsByCurrency"] == [{"currency": "USD", "annualSavings": float(cost),
                                            "recommendations": sum(
                                                1 for r in rows if r["ApiCategory"] == "Cost")}]
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
    assert stats["savingsByCurrency"] == [
        {"currency": "USD", "annualSavings": 350.0, "recommendations": 2},
        {"currency": "EUR", "annualSavings": 300.0, "recommendations": 1}]
    assert [(t["resourceName"], t["currency"]) for t in stats["topSavings"]] == [
        ("b", "EUR"), ("c", "USD")]
    assert stats["byCategory"][0]["savingsByCurrency"] == {"EUR": 300.0, "USD": 350.0}


def test_retirements_are_listed_by_date():
    records = parse_export(csv_text(
        row17(retirement="2026-09-30", feature="Gateway v1", resource="a"),
        row17(retirement="2025-03-31", feature="Basic IP", resource="b"),
        row17(retirement="2025-03-31", feature="Basic IP", resource="c"),
        row17(resource="d"),
    )).records
    assert compute_statistics(records)["retirements"] == [
        {"date": "2025-03-31", "feature": "Basic IP", "count": 2, "resources": ["b", "c"]},
        {"date": "2026-09-30", "feature": "Gateway v1", "count": 1, "resources": ["a"]}]


def test_empty_input_gives_zeroes_not_errors():
    stats = compute_statistics([])
    assert stats["totals"]["recommendations"] == 0
    assert stats["byCategory"] == [] and stats["topSavings"] == []
