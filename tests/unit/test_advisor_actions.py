"""The action plan, the savings estimate, the identity of a finding and what changed."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from shared.advisor import row_table
from shared.advisor.actions import action_plan
from shared.advisor.changes import compare
from shared.advisor.identity import finding_key, normalised_text
from shared.advisor.model import Recommendation
from shared.advisor.savings import lever, savings_by_currency
from shared.advisor.stats import compute_statistics
from shared.rendering.report_types.executive import summary_paragraph

SUB_A, SUB_B = "11111111-0000-0000-0000-00000000000a", "11111111-0000-0000-0000-00000000000b"
VM = "Microsoft.Compute/virtualMachines"


def rec(text: str, name: str = "vm1", *, category: str = "Cost", impact: str = "High",
        sub: str = SUB_A, kind: str = VM, group: str = "rg", savings: str | None = None,
        currency: str = "USD", line: int = 2, retirement: str = "") -> Recommendation:
    return Recommendation(
        line=line, recommendation=text, category=category, impact=impact, subscription_id=sub,
        subscription_name=f"Sub {sub[-1]}", resource_group=group, resource_name=name,
        resource_type=kind, annual_savings=Decimal(savings) if savings else None,
        currency=currency if savings else "", retirement_date=retirement)


# -- identity ------------------------------------------------------------------------------------


def test_text_is_compared_without_case_spacing_or_final_full_stop():
    assert normalised_text("  Enable  MFA\nfor owners. ") \
        == normalised_text("enable mfa for owners")


def test_a_resource_is_its_id_without_regard_to_case():
    a = rec("Right-size VMs", "VM1", group="RG-Prod")
    b = rec("right-size vms.", "vm1", group="rg-prod")
    assert finding_key(a) == finding_key(b)
    assert finding_key(a) != finding_key(rec("Right-size VMs", "vm2", group="rg-prod"))


def test_subscription_level_items_are_identified_by_their_subscription():
    first = rec("Create a Service Health alert", "Sub a", kind="Subscription", group="")
    renamed = rec("Create a Service Health alert", "Production (renamed)", kind="Subscription",
                  group="")
    assert finding_key(first) == finding_key(renamed)
    assert finding_key(first) != finding_key(rec("Create a Service Health alert", "x",
                                                 kind="Subscription", group="", sub=SUB_B))


# -- action plan ---------------------------------------------------------------------------------


def test_rows_of_one_recommendation_become_one_action_with_its_resources():
    rows = [rec("Right-size VMs", f"vm{i}", savings="100", sub=SUB_A if i < 3 else SUB_B,
                line=i + 2) for i in range(7)]
    rows.append(rec("right-size vms.", "vm0", savings="100", line=20))  # the same finding again
    rows.append(rec("Right-size VMs", "db1", kind="Microsoft.Sql/servers", savings="50",
                    currency="EUR", impact="Medium", line=21))
    (action,) = action_plan(rows)
    assert action["recommendation"] == "Right-size VMs" and action["impact"] == "High"
    assert action["resources"] == 8 and action["subscriptions"] == 2 and action["findings"] == 9
    assert action["highImpactFindings"] == 8  # the Medium one is not
    assert action["resourceTypes"] == [VM, "Microsoft.Sql/servers"]
    assert action["savingsByCurrency"] == {"EUR": 50.0, "USD": 800.0}
    assert [e["resourceName"] for e in action["examples"]] == [f"vm{i}" for i in range(5)]
    assert action["examples"][0]["resourceId"].endswith("/virtualMachines/vm0")


def test_actions_rank_by_impact_then_resources_then_savings():
    rows = [
        rec("Low but everywhere", f"a{i}", impact="Low", line=2 + i) for i in range(9)
    ] + [
        rec("Medium, two", "b1", impact="Medium", category="Security", line=20),
        rec("Medium, two", "b2", impact="Medium", category="Security", line=21),
        rec("Medium, two, richer", "c1", impact="Medium", savings="900", line=22),
        rec("Medium, two, richer", "c2", impact="Medium", savings="900", line=23),
        rec("High, one", "d1", impact="High", category="Reliability",
            retirement="2026-03-31", line=24),
    ]
    plan = action_plan(rows)
    assert [a["recommendation"] for a in plan] == [
        "High, one", "Medium, two, richer", "Medium, two", "Low but everywhere"]
    assert plan[0]["retirementDate"] == "2026-03-31" and plan[1]["retirementDate"] is None


def test_the_summary_counts_only_an_actions_high_impact_findings_as_covered():
    # One action of high impact whose findings are mostly of medium impact: it covers the 2
    # high-impact findings, not 10 of them (the sentence once read "covers 500 %").
    rows = [rec("Resize disks", f"vm{i}", impact="High" if i < 2 else "Medium", line=2 + i)
            for i in range(10)]
    rows += [rec("Tag resources", f"vm{i}", impact="Low", line=20 + i) for i in range(3)]
    stats = compute_statistics(rows)
    text = summary_paragraph(stats, action_plan(rows), None)
    assert "1 action covers 100 % of the 2 high-impact findings." in text
    # A plan made before actions counted their high-impact findings never passes 100 %.
    old_plan = [{k: v for k, v in a.items() if k != "highImpactFindings"}
                for a in action_plan(rows)]
    assert "covers 100 % of the 2" in summary_paragraph(stats, old_plan, None)


def test_the_same_text_in_two_categories_is_two_actions():
    plan = action_plan([rec("Enable diagnostics", category="Security"),
                        rec("Enable diagnostics", category="OperationalExcellence")])
    assert sorted(a["category"] for a in plan) == ["OperationalExcellence", "Security"]


# -- savings -------------------------------------------------------------------------------------


@pytest.mark.parametrize("text,expected", [
    ("Purchase a compute savings plan for consistent usage", "savingsPlan"),
    ("Buy reserved virtual machine instances to save money", "reservation"),
    ("Consider App Service reserved instances", "reservation"),
    ("SQL PaaS DB reserved capacity", "reservation"),
    ("Right-size or shutdown underutilized virtual machines", "rightsizeOrShutdown"),
    ("Delete unattached managed disks", "rightsizeOrShutdown"),
    ("Use Standard Storage to store Managed Disks snapshots", "other"),
])
def test_levers_are_read_from_the_text(text, expected):
    assert lever(text) == expected


def test_the_estimate_counts_the_larger_commitment_per_subscription_once():
    rows = [
        # Subscription A: savings plan 1,000 vs reservations 700 + 600 = 1,300 -> 1,300
        rec("Purchase a compute savings plan", "a", savings="1000"),
        rec("Buy reserved virtual machine instances", "vm1", savings="700"),
        rec("Buy reserved virtual machine instances", "vm2", savings="600"),
        rec("Right-size or shutdown underutilized virtual machines", "vm3", savings="250"),
        # Subscription B: savings plan 900 vs reservation 400 -> 900
        rec("Purchase a compute savings plan", "b", savings="900", sub=SUB_B),
        rec("Buy reserved virtual machine instances", "vm4", savings="400", sub=SUB_B),
        rec("Use Standard Storage for snapshots", "s", savings="50", sub=SUB_B),
        rec("Buy reserved virtual machine instances", "vm5", savings="80", currency="EUR"),
    ]
    usd, eur = savings_by_currency(rows)
    assert usd["annualSavings"] == 3900.0  # the plain sum, which overstates
    assert usd["estimatedAnnualSavings"] == 1300 + 250 + 900 + 50
    assert usd["estimatedMonthlySavings"] == round(2500 / 12, 2)
    assert usd["byLever"] == {"savingsPlan": 900.0, "reservation": 1300.0,
                              "rightsizeOrShutdown": 250.0, "other": 50.0}
    assert usd["recommendations"] == 7
    assert eur == {"currency": "EUR", "annualSavings": 80.0, "estimatedAnnualSavings": 80.0,
                   "estimatedMonthlySavings": 6.67, "recommendations": 1,
                   "byLever": {"savingsPlan": 0.0, "reservation": 80.0,
                               "rightsizeOrShutdown": 0.0, "other": 0.0}}


# -- changes -------------------------------------------------------------------------------------


def test_changes_count_new_resolved_and_persisting_per_category():
    before = [rec("Right-size VMs", "vm1", savings="100"),
              rec("Right-size VMs", "vm2", savings="40"),
              rec("Enable MFA", "Sub a", category="Security", kind="Subscription", group=""),
              rec("Use zones", "vm1", category="Reliability", impact="Medium")]
    now = [rec("right-size vms", "VM1", savings="100"),  # the same finding, other case
           rec("Enable MFA.", "Renamed", category="Security", kind="Subscription", group=""),
           rec("Enable MFA", "x", category="Security", kind="Subscription", group="", sub=SUB_B),
           rec("Encrypt disks", "vm9", category="Security", impact="Low"),
           rec("Buy reserved instances", "vm3", savings="75", currency="EUR")]
    changes = compare(now, before)
    assert changes["counts"] == {"new": 3, "resolved": 2, "persisting": 2}
    assert changes["byCategory"] == [
        {"category": "Cost", "new": 1, "resolved": 1, "persisting": 1},
        {"category": "Security", "new": 2, "resolved": 0, "persisting": 1},
        {"category": "Reliability", "new": 0, "resolved": 1, "persisting": 0}]
    assert changes["savingsByCurrency"] == [
        {"currency": "EUR", "new": 75.0, "resolved": 0.0},
        {"currency": "USD", "new": 0.0, "resolved": 40.0}]
    assert [(i["change"], i["recommendation"], i["resourceName"]) for i in changes["results"]] == [
        ("new", "Buy reserved instances", "vm3"), ("new", "Enable MFA", "x"),
        ("new", "Encrypt disks", "vm9"), ("resolved", "Right-size VMs", "vm2"),
        ("resolved", "Use zones", "vm1")]
    assert set(changes["results"][0]) >= {"change", "recommendation", "category", "impact",
                                          "resourceId", "resourceName", "subscriptionId"}


def test_nothing_changed_against_itself():
    rows = [rec("Right-size VMs", f"vm{i}") for i in range(5)]
    assert compare(rows, rows)["counts"] == {"new": 0, "resolved": 0, "persisting": 5}


def _compare_by_rows(current, baseline):
    """compare as it was written first, holding every row keyed by finding: the reference.
    The baseline's findings by their first line (it is read from several shards at once), the
    current report's by their first row (its rows are in line order)."""
    baseline = sorted(baseline, key=lambda r: r.line)

    def by_key(records):
        out = {}
        for r in records:
            out.setdefault(finding_key(r), r)
        return out
    now, before = by_key(current), by_key(baseline)
    new = [r for k, r in now.items() if k not in before]
    resolved = [r for k, r in before.items() if k not in now]
    categories = {}
    for change, rows in (("new", new), ("resolved", resolved),
                         ("persisting", [r for k, r in now.items() if k in before])):
        for r in rows:
            counts = categories.setdefault(r.category or "Uncategorised",
                                           {"new": 0, "resolved": 0, "persisting": 0})
            counts[change] += 1
    return ({"new": len(new), "resolved": len(resolved), "persisting": len(now) - len(new)},
            categories, [("new", r.line) for r in new] + [("resolved", r.line) for r in resolved])


_findings = st.lists(st.builds(
    lambda text, name, category, savings, line: rec(text, name, category=category,
                                                    savings=savings, line=line),
    st.sampled_from(["Right-size VMs", "right-size vms.", "Enable MFA", "Use zones"]),
    st.sampled_from(["vm1", "VM1", "vm2", "vm3"]),
    st.sampled_from(["Cost", "Security", ""]),  # a finding listed twice may differ here
    st.sampled_from([None, "10", "2.5"]),
    st.integers(2, 10_000)), max_size=40)


@given(_findings, _findings, st.sampled_from([0, row_table.KEEP_MADE]))
def test_changes_are_those_of_every_row_keyed_by_finding(now, before, keep_made):
    """The same counts, categories and findings (each by its first row) as comparing the rows
    themselves, from lists and from tables of rows."""
    expected_counts, expected_categories, expected_rows = _compare_by_rows(now, before)
    lines = {}  # a result's line: the first row of its finding in its report
    for change, rows in (("new", now), ("resolved", sorted(before, key=lambda r: r.line))):
        for r in rows:
            lines.setdefault((change, r.recommendation, r.resource_name, r.category), r.line)
    for current, baseline in ((now, before), (_table(now, keep_made), _table(before, keep_made))):
        changes = compare(current, baseline)
        assert changes["counts"] == expected_counts
        assert {c["category"]: {k: c[k] for k in ("new", "resolved", "persisting")}
                for c in changes["byCategory"]} == expected_categories
        assert sorted((i["change"], lines[(i["change"], i["recommendation"], i["resourceName"],
                                           i["category"])]) for i in changes["results"]) \
            == sorted(expected_rows)


def _table(rows, keep_made):
    original = row_table.KEEP_MADE
    row_table.KEEP_MADE = keep_made
    try:
        return row_table.RowTable.build(rows)
    finally:
        row_table.KEEP_MADE = original


# -- how to fix ------------------------------------------------------------------------------------


def test_an_action_carries_advisors_steps_and_a_link_to_microsofts_page():
    steps = "Resize or shut down the virtual machine from its Size blade."
    link = "https://learn.microsoft.com/azure/advisor/advisor-cost-recommendations"
    plan = action_plan([
        rec("Right-size underused VMs", "vm1")._replace(solution=steps),
        rec("Right-size underused VMs", "vm2")._replace(learn_more_link=link),
        rec("Enable soft delete", "kv1", category="Security")._replace(
            solution="Enable soft delete.", learn_more_link="https://aka.ms/softdelete")])
    by_text = {a["recommendation"]: a for a in plan}
    assert by_text["Right-size underused VMs"]["solution"] == steps  # from one row, link another
    assert by_text["Right-size underused VMs"]["learnMoreLink"] == link
    # Steps that only repeat the recommendation say nothing more: left out.
    assert by_text["Enable soft delete"]["solution"] == ""
    assert by_text["Enable soft delete"]["learnMoreLink"] == "https://aka.ms/softdelete"
    assert action_plan([rec("x")])[0]["solution"] == action_plan([rec("x")])[0][
        "learnMoreLink"] == ""  # the portal's CSV carries neither


@pytest.mark.parametrize("url", [
    "javascript:alert(1)", "http://learn.microsoft.com/x", "https://microsoft.com.evil.example/x",
    "https://evil.example/?https://learn.microsoft.com", "https://user@learn.microsoft.com/x",
    "https://[learn.microsoft.com/x", "learn.microsoft.com/x", "data:text/html,hi"])
def test_only_https_links_to_microsofts_sites_are_kept(url):
    assert action_plan([rec("x")._replace(learn_more_link=url)])[0]["learnMoreLink"] == ""


@pytest.mark.parametrize("url", ["https://aka.ms/x", "https://docs.microsoft.com/a?b=c#d",
                                 "https://azure.microsoft.com/pricing", "https://portal.azure.com/"])
def test_microsofts_pages_are_kept_as_given(url):
    assert action_plan([rec("x")._replace(learn_more_link=url)])[0]["learnMoreLink"] == url
