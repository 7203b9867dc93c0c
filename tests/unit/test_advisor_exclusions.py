"""Exclusion rules: each field, prefixes, case, expiry, the first rule wins, and speed."""

from __future__ import annotations

import time

import pytest

from shared.advisor.exclusions import apply_rules, in_force, pattern_problems, rule_problems
from shared.advisor.parse import parse_export
from tests.support.exports import build_rows, to_csv
from tests.unit.test_advisor_actions import SUB_A, SUB_B, rec

NOW = "2026-11-23T10:00:00Z"


def rule(rule_id: str = "r1", created: str = "2026-11-01T00:00:00Z", **fields) -> dict:
    return {"ruleId": rule_id, "createdAt": created, "reason": "decided",
            "kind": "accepted-risk", **fields}


ROWS = [
    rec("Right-size VMs", "vm1", group="RG-Prod", line=2),
    rec("Right-size VMs", "vm2", group="rg-test", sub=SUB_B, line=3),
    rec("Enable MFA", "Sub a", category="Security", kind="Subscription", group="", line=4),
    rec("Use zones", "db1", category="Reliability", kind="Microsoft.Sql/servers",
        group="rg-prod", line=5),
]


@pytest.mark.parametrize("fields,lines", [
    ({"recommendation": "right-size vms."}, [2, 3]),
    ({"category": "security"}, [4]),
    ({"subscriptionId": SUB_B.upper()}, [3]),
    ({"resourceGroup": "rg-prod"}, [2, 5]),
    ({"resourceType": "microsoft.sql/SERVERS"}, [5]),
    ({"resourceId": f"/subscriptions/{SUB_A}/resourceGroups/RG-Prod/providers/"
                    "Microsoft.Compute/virtualMachines/VM1"}, [2]),
    ({"resourceIdPrefix": f"/subscriptions/{SUB_A}/resourcegroups/rg-prod/"}, [2, 5]),
    ({"resourceGroup": "rg-prod", "category": "Cost"}, [2]),
    ({"all": True}, [2, 3, 4, 5]),
    ({"recommendation": "Right-size"}, []),  # literal, not a pattern or a prefix
    ({"resourceGroup": "rg-.*"}, []),
])
def test_each_field_matches_literally_without_regard_to_case(fields, lines):
    applied = apply_rules(ROWS, [rule(**fields)], NOW)
    assert sorted(applied.excluded) == lines
    assert applied.counts == {"r1": len(lines)}
    assert [r.line for r in applied.kept] == [r.line for r in ROWS if r.line not in lines]


def test_expired_and_future_rules_do_not_apply():
    expired = rule("old", expiresAt="2026-11-20T00:00:00Z", category="Cost")
    future = rule("new", created="2026-12-01T00:00:00Z", category="Security")
    running = rule("open", expiresAt="2027-01-01T00:00:00Z", category="Reliability")
    applied = apply_rules(ROWS, [expired, future, running], NOW)
    assert applied.excluded == {5: "open"}
    assert applied.counts == {"old": 0, "new": 0, "open": 1}
    assert not in_force(expired, NOW) and in_force(expired, "2026-11-19T00:00:00Z")


def test_the_first_matching_rule_is_recorded():
    applied = apply_rules(ROWS, [rule("broad", category="Cost"),
                                 rule("narrow", resourceGroup="rg-prod", category="Cost")], NOW)
    assert applied.excluded == {2: "broad", 3: "broad"}
    assert applied.counts == {"broad": 2, "narrow": 0}


@pytest.mark.parametrize("fields,code", [
    ({}, "EmptyRule"), ({"all": False}, "EmptyRule"),
    ({"kind": "postponed", "category": "Cost"}, "InvalidRule"),
])
def test_rules_that_would_surprise_are_refused(fields, code):
    assert [p["code"] for p in rule_problems({"kind": "accepted-risk", **fields})] == [code]
    assert rule_problems({"kind": "postponed", "category": "Cost",
                          "expiresAt": "2027-01-01T00:00:00Z"}) == []


@pytest.mark.parametrize("field, text", [
    ("recommendation", ".*"), ("recommendation", "*"), ("recommendation", "Enable *"),
    ("recommendation", "^Enable MFA"), ("recommendation", "backups$"),
    ("resourceIdPrefix", "/subscriptions/x/resourceGroups/rg-*"), ("resourceGroup", "rg-.+"),
    ("resourceType", "microsoft\\.compute/.*"), ("resourceId", "vm[0-9]"),
    ("category", "(?i)cost"), ("subscriptionId", "[^x]"), ("resourceGroup", "rg\\d{2}"),
])
def test_texts_that_look_like_patterns_are_refused(field, text):
    (problem,) = pattern_problems({field: text})
    assert problem["code"] == "PatternNotSupported" and problem["target"] == field
    assert "match exactly" in problem["message"] and "prefix" in problem["message"]


@pytest.mark.parametrize("field, text", [
    ("recommendation", "Save $2,400 a year with reserved instances."),
    ("recommendation", "Is your backup policy enabled?"),
    ("recommendation", "Use Standard_D2s_v5 (preview) for lower cost"),
    ("resourceGroup", "rg-prod.eu (shared)"), ("resourceIdPrefix", "/subscriptions/x/"),
    ("resourceType", "microsoft.compute/virtualmachines"),
])
def test_ordinary_texts_with_punctuation_are_taken(field, text):
    assert pattern_problems({field: text}) == []


def test_500_rules_on_50000_rows_take_under_a_second():
    records = parse_export(to_csv(build_rows(50_000, seed=5))).records
    rules = [rule(f"r{i}", resourceId=f"/subscriptions/x/resourceGroups/rg/providers/t/n{i}")
             for i in range(400)]
    rules += [rule(f"g{i}", resourceGroup=f"rg-none-{i}", category="Cost") for i in range(90)]
    rules += [rule(f"p{i}", resourceIdPrefix=f"/subscriptions/none-{i}/") for i in range(10)]
    started = time.perf_counter()
    applied = apply_rules(records, rules, NOW)
    assert time.perf_counter() - started < 2.0  # 1 s on a quiet machine; CI is shared
    assert len(applied.kept) == 50_000
