"""The sharp-drop warning, pure: under half the rows, or a subscription missing."""

from __future__ import annotations

from shared.advisor.drops import sharp_drop, subscriptions_of

BASE = {"reportId": "r1", "title": "November", "createdAt": "2026-11-18T10:00:00Z",
        "exportDate": "2026-11-15"}
SUBS = {"a": "Prod", "b": "Dev"}


def test_fewer_than_half_the_rows_or_a_missing_subscription_warn():
    assert sharp_drop(120, SUBS, BASE, 240, SUBS, "r2") is None  # half: not under it
    few = sharp_drop(119, SUBS, BASE, 240, SUBS, "r2")
    assert few["code"] == "SharpDrop" and "119 accepted rows against 240" in few["message"]
    assert "“November”, export of 2026-11-15" in few["message"]
    assert "/api/reports/r2" in few["message"]
    gone = sharp_drop(300, {"a": "Prod"}, BASE, 240, SUBS, "r2")
    assert "1 of its 2 subscriptions missing (Dev)" in gone["message"]
    assert "rows" not in gone["message"].split("subscriptions")[0]
    assert sharp_drop(4, {}, BASE, 0, {}, "r2") is None  # nothing to compare with


def test_subscriptions_are_read_from_statistics():
    stats = {"bySubscription": [{"subscriptionId": "AB-1", "subscriptionName": "Prod"},
                                {"subscriptionId": "", "subscriptionName": "x"}]}
    assert subscriptions_of(stats) == {"ab-1": "Prod"}
    assert subscriptions_of(None) == {}


def test_the_trend_leaves_out_a_report_not_for_comparison_and_says_so():
    from shared.storage.trend import completed_reports, left_out, trend_before

    totals = {"recommendations": 4, "highImpact": 1, "savingsByCurrency": []}

    def report(rid: str, day: int, **more) -> dict:
        return {"reportId": rid, "clientId": "c", "status": "completed", "totals": totals,
                "createdAt": f"2026-1{day}-01T00:00:00Z", "title": rid, **more}

    rows = [report("oct", 0), report("nov", 1, comparable=False), report("dec", 2)]
    assert [r["reportId"] for r in completed_reports(rows)] == ["oct", "dec"]
    assert left_out(rows) == [{"reportId": "nov", "title": "nov",
                               "createdAt": "2026-11-01T00:00:00Z",
                               "reason": "not for comparison"}]
    assert [p["reportId"] for p in trend_before(rows, rows[2])] == ["oct", "dec"]
