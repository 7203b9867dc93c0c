"""Browsing a report's recommendations (the API's filters and order) from rows held by column:
the same rows, in the same order, as filtering and sorting the rows themselves."""

from __future__ import annotations

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.advisor import row_table
from shared.advisor.model import IMPACT_RANK, UNRANKED, Recommendation
from shared.services.reports import _Indexed, matching

rows = st.lists(st.builds(
    Recommendation,
    line=st.integers(2, 10_000),
    recommendation=st.sampled_from(["Enable MFA", "Right-size VMs", "Use zones"]),
    category=st.sampled_from(["Cost", "Security", "Reliability"]),
    impact=st.sampled_from(["High", "Medium", "Low", ""]),
    subscription_id=st.sampled_from(["SUB-a", "sub-b"]),
    resource_group=st.sampled_from(["RG1", "rg2", ""]),
    resource_type=st.sampled_from(["Microsoft.Compute/virtualMachines", "Subscription"]),
    resource_name=st.sampled_from(["vm1", "VM-Zone", "Straße", ""]),
    annual_savings=st.sampled_from([None, Decimal(0), Decimal("12.5"), Decimal("-3")]),
    solution=st.sampled_from(["", "Move to availability ZONES"]),
), max_size=50, unique_by=lambda r: r.line)

filters = st.fixed_dictionaries({}, optional={
    "category": st.lists(st.sampled_from(["Cost", "Security"]), min_size=1),
    "impact": st.lists(st.sampled_from(["High", "Low"]), min_size=1),
    "subscriptionId": st.sampled_from(["sub-A", "SUB-B"]),
    "resourceGroup": st.sampled_from(["rg1", "RG2"]),
    "resourceType": st.sampled_from(["microsoft.compute/virtualmachines", "subscription"]),
    "search": st.sampled_from(["zone", "STRASSE", "vm", "/subscriptions/sub-a", "mfa"]),
    "excluded": st.booleans(),
})


def _expected(records: list[Recommendation], excluded: dict[str, str],
              given: dict) -> list[Recommendation]:
    """Filtering and sorting the rows themselves, as the API first did."""
    ordered = sorted(records, key=lambda r: (IMPACT_RANK.get(r.impact, UNRANKED),
                                             -(r.annual_savings or 0), r.line))
    needle = given.get("search", "").casefold()

    def keep(r: Recommendation) -> bool:
        text = "\n".join((r.recommendation, r.resource_name, r.resource_id, r.resource_type,
                          r.potential_benefits, r.solution)).casefold()
        return all((
            "excluded" not in given or (str(r.line) in excluded) == given["excluded"],
            "category" not in given or r.category in given["category"],
            "impact" not in given or r.impact in given["impact"],
            "subscriptionId" not in given
            or r.subscription_id.casefold() == given["subscriptionId"].casefold(),
            "resourceGroup" not in given
            or r.resource_group.casefold() == given["resourceGroup"].casefold(),
            "resourceType" not in given
            or r.resource_type.casefold() == given["resourceType"].casefold(),
            needle in text))
    return [r for r in ordered if keep(r)]


@settings(max_examples=200)
@given(rows, filters, st.sampled_from([0, row_table.KEEP_MADE]))
def test_filters_and_order_are_those_of_the_rows_themselves(records, given, keep_made):
    excluded = {str(r.line): "rule-1" for r in records[::3]}
    original = row_table.KEEP_MADE
    row_table.KEEP_MADE = keep_made
    try:
        table = row_table.RowTable.build(sorted(records, key=lambda r: r.line))
    finally:
        row_table.KEEP_MADE = original
    index = _Indexed(table, excluded)
    got = matching(index, given)
    assert list(got) == _expected(records, excluded, given)
    assert list(matching(index, given)) == list(got)  # a search's rows, kept for the next page
    assert len(got) == len(list(got)) and list(got[1:4]) == list(got)[1:4]  # as pages read it
