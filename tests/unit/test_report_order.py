"""The order of the reports' row lists: category, impact, savings (largest first), line."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from shared.advisor import row_table
from shared.advisor.model import CATEGORY_RANK, IMPACT_RANK, UNRANKED, Recommendation
from shared.rendering.report_types.components import _by_savings, _ordered

rows = st.lists(st.builds(
    Recommendation,
    line=st.integers(2, 10_000),
    recommendation=st.just("r"),
    category=st.sampled_from(["Cost", "Security", "Reliability", "Performance", "", "Zeta"]),
    impact=st.sampled_from(["High", "Medium", "Low", "", "Severe"]),
    # Ties, none, zero and the same amount written two ways.
    annual_savings=st.sampled_from([None, Decimal(0), Decimal("0.00"), Decimal("12.5"),
                                    Decimal("12.50"), Decimal("900"), Decimal("-3")]),
), max_size=60, unique_by=lambda r: r.line)


@given(rows, st.sampled_from([0, row_table.KEEP_MADE]))
def test_the_order_is_that_of_one_sort_by_all_keys(records, keep_made):
    """Sorted by column, key by key, in a table that keeps its rows made or makes them."""
    expected = sorted(records, key=lambda r: (
        CATEGORY_RANK.get(r.category, UNRANKED), r.category, IMPACT_RANK.get(r.impact, UNRANKED),
        -(r.annual_savings or 0), r.line))
    kept, row_table.KEEP_MADE = row_table.KEEP_MADE, keep_made
    try:
        table = row_table.RowTable.build(records)
    finally:
        row_table.KEEP_MADE = kept
    assert list(_ordered(table)) == expected
    assert list(_by_savings(table)) == sorted(
        records, key=lambda r: (-(r.annual_savings or 0), r.line))
    assert [str(r.annual_savings) for r in _ordered(table)] \
        == [str(r.annual_savings) for r in expected]  # 12.5 stays 12.5, 12.50 stays 12.50
