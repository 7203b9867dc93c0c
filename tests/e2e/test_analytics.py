"""Portfolio analytics and health details over real HTTP: the figures equal those computed
from the reports themselves; scoped callers see only their clients."""

from __future__ import annotations

import statistics
from datetime import datetime

import pytest

from tests.e2e.test_robustness import principal
from tests.support.app import start_app, upload, wait_report
from tests.support.exports import CURRENT_SAMPLE, PREVIOUS_SAMPLE

pytestmark = pytest.mark.timeout(300)
CURRENT, PREVIOUS = CURRENT_SAMPLE, PREVIOUS_SAMPLE


@pytest.fixture(scope="module")
def portfolio(storage_connection, tmp_path_factory):
    host, _ = start_app(storage_connection, tmp_path_factory.mktemp("analytics"))
    made = {}
    for client, exports in (("alpha", [PREVIOUS, CURRENT]), ("beta", [CURRENT])):
        for data in exports:
            r = upload(host, data, clientId=client, reportTypes="executive", formats="html")
            made.setdefault(client, []).append(wait_report(host, r.json()["reportId"]))
    bad = upload(host, b"Category,Recommendation\n", clientId="beta")  # no rows: it fails
    failed = wait_report(host, bad.json()["reportId"])
    assert failed["status"] == "failed"
    yield host, made, failed
    host.stop()


def seconds(report: dict) -> float:
    timings = report["timings"]
    start = datetime.fromisoformat(timings["createdAt"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(timings["completedAt"].replace("Z", "+00:00"))
    return (end - start).total_seconds()


def test_portfolio_figures_equal_the_reports(portfolio):
    host, made, _ = portfolio
    body = host.request("GET", "api/analytics/summary").json()
    assert body["clients"]["count"] == 2
    assert body["reportsByStatus"]["completed"] == 3 and body["reportsByStatus"]["failed"] == 1
    by_client = {c["clientId"]: c for c in body["byClient"]}
    for client, reports in made.items():
        latest = reports[-1]
        stats = host.request("GET", f"api/reports/{latest['reportId']}/statistics").json()
        shown = by_client[client]["latestReport"]
        assert shown["reportId"] == latest["reportId"]
        assert shown["highImpact"] == stats["totals"]["highImpact"]
        assert shown["estimatedAnnualSavingsByCurrency"] == {
            s["currency"]: s["estimatedAnnualSavings"] for s in stats["savingsByCurrency"]}
        assert shown["changeCounts"] == latest["changeCounts"]
    assert by_client["alpha"]["latestReport"]["changeCounts"]["new"] > 0
    assert by_client["beta"]["latestReport"]["changeCounts"] is None  # no baseline
    # Recurring: actions in both clients' latest plans (the same export: all of them).
    plans = [{(a["category"], a["recommendation"]) for a in host.request(
        "GET", f"api/reports/{reports[-1]['reportId']}/actions",
        params={"pageSize": 100}).json()["results"]} for reports in made.values()]
    both = plans[0] & plans[1]
    recurring = body["recurringRecommendations"]
    assert len(recurring) == min(10, len(both))
    assert all(r["clients"] == 2 and (r["category"], r["recommendation"]) in both
               for r in recurring)
    processing = body["processing"]
    everything = [r for reports in made.values() for r in reports]
    assert processing["reports"] == 4  # the failed one too
    assert processing["rowsProcessed"] == sum(r["counts"]["rowsAccepted"] for r in everything)
    assert processing["medianSecondsToCompleted"] == pytest.approx(
        statistics.median(seconds(host.request("GET", f"api/reports/{r['reportId']}").json())
                          for r in everything), abs=0.11)


def test_scoped_readers_see_their_clients_only(portfolio):
    host = portfolio[0]
    reader = principal("Reports.Reader", claims=[{"typ": "clientId", "val": "beta"}])
    body = host.request("GET", "api/analytics/summary", headers=reader).json()
    assert [c["clientId"] for c in body["byClient"]] == ["beta"]
    assert body["reportsByStatus"]["completed"] == 1 and body["clients"]["count"] == 1


def test_health_details_count_instances_and_list_failures(portfolio):
    host, _, failed = portfolio
    r = host.request("GET", "api/health/details")
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["status"] == "healthy" and body["instances"]["Completed"] >= 3
    assert body["recentFailures"][0]["reportId"] == failed["reportId"]
    assert body["recentFailures"][0]["reason"] == failed["failureReason"]
    reader = principal("Reports.Reader")
    assert host.request("GET", "api/health/details", headers=reader).status_code == 403
