"""No silent wrong baseline, through the devhost: a 4-row upload after a 240-row one completes
with a warning; once marked not for comparison it is no later report's baseline (also of one
made before it was marked), and the trend and the portfolio leave it out and say so."""

from __future__ import annotations

import time
import uuid

import pytest

from advisor_cli.__main__ import main
from tests.support.app import upload, wait_report
from tests.support.exports import build_rows, to_csv

pytestmark = pytest.mark.timeout(300)
ROWS = build_rows(240, seed=31)


def done(app, data: bytes, client_id: str, **params: str) -> dict:
    r = upload(app, data, clientId=client_id, formats="html", reportTypes="executive",
               **params)
    assert r.status_code == 202, r.text
    report = wait_report(app, r.json()["reportId"])
    assert report["status"] == "completed", report
    return report


def test_a_sharp_drop_warns_and_once_marked_is_never_a_baseline(app, capsys):
    client_id = "bg-" + uuid.uuid4().hex[:8]
    full = done(app, to_csv(ROWS), client_id, title="November")
    assert not [w for w in full["warnings"] if w["code"] == "SharpDrop"]
    small = done(app, to_csv(ROWS[:4]), client_id, title="December (4 rows)")
    drop = [w for w in small["warnings"] if w["code"] == "SharpDrop"]
    assert drop and "4 accepted rows against 240" in drop[0]["message"]
    assert "1 of its 4 subscriptions missing (Contoso Production)" in drop[0]["message"]
    assert small["baseline"]["reportId"] == full["reportId"] and small["comparable"] is True
    base = ["--url", app.base_url, "--key", app.function_key]
    assert main([*base, "status", small["reportId"]]) == 0
    assert "warning SharpDrop" in capsys.readouterr().out

    # Made before the 4-row report was marked: it takes it as baseline, for now.
    later = done(app, to_csv(build_rows(230, seed=32)), client_id, title="January")
    assert later["baseline"]["reportId"] == small["reportId"]
    portfolio = app.request("GET", "api/analytics/summary").json()
    mine = next(c for c in portfolio["byClient"] if c["clientId"] == client_id)
    assert mine["latestReport"]["reportId"] == later["reportId"]

    assert main([*base, "comparable", small["reportId"], "no"]) == 0
    assert "not for comparison" in capsys.readouterr().out
    marked = app.request("GET", f"api/reports/{small['reportId']}").json()
    assert marked["comparable"] is False
    # The report that had taken it as baseline is compared again, with November.
    again = app.request("GET", f"api/reports/{later['reportId']}").json()
    assert again["baseline"]["reportId"] == full["reportId"]
    assert again["changeCounts"]["resolved"] < 200
    nxt = done(app, to_csv(build_rows(235, seed=33)), client_id, title="February")
    assert nxt["baseline"]["reportId"] == later["reportId"]
    assert not [w for w in nxt["warnings"] if w["code"] == "SharpDrop"]

    stats = app.request("GET", f"api/clients/{client_id}/statistics").json()
    assert small["reportId"] not in [t["reportId"] for t in stats["trend"]]
    assert stats["leftOut"] == [{"reportId": small["reportId"], "title": "December (4 rows)",
                                 "createdAt": small["timings"]["createdAt"],
                                 "reason": "not for comparison"}]
    portfolio = app.request("GET", "api/analytics/summary").json()
    mine = next(c for c in portfolio["byClient"] if c["clientId"] == client_id)
    assert mine["notForComparison"] == 1 and portfolio["reportsNotForComparison"] >= 1
    assert mine["latestReport"]["reportId"] == nxt["reportId"]

    # Named as a baseline: refused, at upload, in a PATCH and in a render.
    r = upload(app, to_csv(ROWS), clientId=client_id, baselineReportId=small["reportId"])
    assert r.status_code == 400 and "not for comparison" in r.json()["error"]["message"]
    r = app.request("PATCH", f"api/reports/{nxt['reportId']}",
                    json={"baselineReportId": small["reportId"]})
    assert r.status_code == 400 and r.json()["error"]["target"] == "baselineReportId"
    r = app.request("POST", f"api/reports/{nxt['reportId']}/render",
                    json={"baselineReportId": small["reportId"]})
    assert r.status_code == 400

    # A render may choose the baseline: November instead of January.
    r = app.request("POST", f"api/reports/{nxt['reportId']}/render",
                    json={"baselineReportId": full["reportId"], "formats": ["html"]})
    assert r.status_code == 202, r.text
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        now = app.request("GET", f"api/reports/{nxt['reportId']}").json()
        if now["status"] == "completed" and now["baseline"]["reportId"] == full["reportId"]:
            break
        time.sleep(0.3)
    assert now["baseline"]["reportId"] == full["reportId"]

    # Marked fit again: it is the baseline of the reports after it once more.
    r = app.request("PATCH", f"api/reports/{small['reportId']}", json={"comparable": True})
    assert r.status_code == 200 and r.json()["comparable"] is True
    assert app.request("GET", f"api/reports/{later['reportId']}").json()["baseline"][
        "reportId"] == small["reportId"]
