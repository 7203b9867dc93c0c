"""Tracked actions, the pure part: keys that survive next month's export, statuses as people
write them, overdue, and what the data says of an action's status."""

from __future__ import annotations

from shared.advisor.actions import action_plan
from shared.advisor.parse import parse_export
from shared.advisor.tracking import (
    RESOLVED,
    STILL_REPORTED,
    action_key,
    is_key,
    is_overdue,
    resolved_actions,
    status_of,
    summary,
    tracked_plan,
)
from tests.support.exports import HEADER_API, build_rows, to_csv


def test_the_key_is_the_same_action_in_every_export():
    key = action_key("Cost", "Right-size or shutdown underutilized virtual machines")
    assert is_key(key) and len(key) == 16
    assert action_key("cost", "  right-size or  shutdown underutilized virtual machines. ") == key
    assert action_key("Security", "Right-size or shutdown underutilized virtual machines") != key
    rows = build_rows(60, seed=3)
    portal = {a["key"] for a in action_plan(parse_export(to_csv(rows)).records)}
    api = {a["key"] for a in action_plan(parse_export(to_csv(rows, HEADER_API)).records)}
    later = {a["key"] for a in action_plan(parse_export(to_csv(build_rows(90, seed=4)))
                                           .records)}
    assert portal == api  # a portal export and an API export of the same estate
    assert len(portal & later) >= len(portal) - 3  # next month: the same actions, same keys


def test_statuses_as_people_write_them():
    for text, status in (("Open", "open"), ("in progress", "in-progress"),
                         ("In-Progress", "in-progress"), ("DONE", "done"),
                         ("Won't do", "wont-do"), ("won’t do", "wont-do"),
                         ("wont-do", "wont-do")):
        assert status_of(text) == status, text
    assert status_of("Finished") is None and status_of("") is None


def test_overdue_is_judged_on_the_reports_date_and_closed_actions_never_are():
    assert is_overdue({"dueDate": "2026-11-30", "status": "open"}, "2026-12-07")
    assert not is_overdue({"dueDate": "2026-12-07", "status": "open"}, "2026-12-07")
    assert not is_overdue({"dueDate": "2026-11-30", "status": "done"}, "2026-12-07")
    assert not is_overdue({"dueDate": "", "status": "open"}, "2026-12-07")


def test_the_data_overrules_the_status():
    plan = [{"category": "Cost", "recommendation": "A"}, {"category": "Cost",
                                                          "recommendation": "B"},
            {"category": "Security", "recommendation": "C"}]
    a, b, c = (action_key(p["category"], p["recommendation"]) for p in plan)
    gone = action_key("Cost", "Gone")
    states = {a: {"status": "done", "owner": "Ana", "statusChangedAt": "2026-12-01T00:00:00Z"},
              b: {"status": "open", "dueDate": "2026-11-01", "owner": "Bo"},
              gone: {"status": "in-progress", "category": "Cost", "recommendation": "Gone"}}
    tracked = tracked_plan(plan, states, "2026-12-07")
    assert [t["note"] for t in tracked] == [STILL_REPORTED, "Overdue", ""]
    assert tracked[2]["status"] == "open" and not tracked[2]["tracked"]
    resolved = resolved_actions([a, b, c], states)
    assert [(r["key"], r["note"], r["status"]) for r in resolved] == [
        (gone, RESOLVED, "in-progress")]
    figures = summary(tracked, resolved, states, "2026-11-15T00:00:00Z")
    assert figures == {"doneSinceReview": 1, "inProgress": 0, "overdue": 1, "withoutOwner": 1,
                       "stillReported": 1, "resolved": 1}
    assert summary(tracked, resolved, states, "2026-12-02T00:00:00Z")["doneSinceReview"] == 0
