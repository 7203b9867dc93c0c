"""Action plan and changes since the last review, through the devhost: the baseline choice,
exact counts, the routes' paging and filters, the reports and the CLI."""

from __future__ import annotations

import csv
import io
from contextlib import redirect_stdout

import pytest
from pypdf import PdfReader

from advisor_cli.__main__ import main as cli
from shared.advisor.actions import action_plan
from shared.advisor.changes import compare
from shared.advisor.parse import parse_export
from shared.rendering.formatting import compact_money
from tests.support.app import upload, wait_report
from tests.support.exports import CURRENT_SAMPLE, PREVIOUS_SAMPLE

pytestmark = pytest.mark.timeout(300)
CURRENT, PREVIOUS = CURRENT_SAMPLE, PREVIOUS_SAMPLE


def made(host, data: bytes, client: str, **params: str) -> dict:
    r = upload(host, data, clientId=client, **params)
    assert r.status_code == 202, r.text
    return wait_report(host, r.json()["reportId"])


@pytest.fixture(scope="module")
def reviews(app):
    """October (the baseline), a refused upload, then November, for one client."""
    october = made(app, PREVIOUS, "northwind", title="October review")
    refused = made(app, b"Recommendation,Impact\n,High\n,Low\n", "northwind")
    november = made(app, CURRENT, "northwind", title="November review")
    return october, refused, november


def test_changes_are_exact_against_the_latest_completed_report(app, reviews):
    october, refused, november = reviews
    assert refused["status"] == "failed"
    expected = compare(parse_export(CURRENT).records, parse_export(PREVIOUS).records)
    body = app.request("GET", f"api/reports/{november['reportId']}/changes?pageSize=100").json()
    assert body["baseline"]["reportId"] == october["reportId"]
    assert body["baseline"]["title"] == "October review"
    assert body["counts"] == expected["counts"] == {"new": 8, "resolved": 5, "persisting": 50}
    assert body["byCategory"] == expected["byCategory"]
    assert body["savingsByCurrency"] == expected["savingsByCurrency"]
    assert body["count"] == 13 and body["results"] == expected["results"]
    new = app.request("GET", f"api/reports/{november['reportId']}/changes?change=new").json()
    assert new["count"] == 8 and {i["change"] for i in new["results"]} == {"new"}
    view = app.request("GET", f"api/reports/{november['reportId']}").json()
    assert view["changeCounts"] == expected["counts"]
    assert view["baseline"]["reportId"] == october["reportId"]


def test_the_first_report_has_no_baseline(app, reviews):
    october, _, _ = reviews
    body = app.request("GET", f"api/reports/{october['reportId']}/changes").json()
    assert body["baseline"] is None and body["count"] == 0
    assert body["counts"] == {"new": 0, "resolved": 0, "persisting": 0}


def test_the_action_plan_route_pages_and_filters(app, reviews):
    _, _, november = reviews
    expected = action_plan(parse_export(CURRENT).records)
    url = f"api/reports/{november['reportId']}/actions"
    first = app.request("GET", f"{url}?pageSize=5").json()
    assert first["count"] == len(expected) and first["results"] == expected[:5]
    assert first["next"] and "page=2" in first["next"]
    high_security = app.request("GET", f"{url}?category=Security&impact=High").json()
    assert high_security["results"] == [a for a in expected if a["category"] == "Security"
                                        and a["impact"] == "High"]
    assert all(set(a) >= {"recommendation", "category", "impact", "resources", "subscriptions",
                          "resourceTypes", "savingsByCurrency", "retirementDate", "examples"}
               for a in first["results"])


def test_an_explicit_baseline_and_the_ones_refused(app, reviews):
    october, refused, november = reviews
    other = made(app, PREVIOUS, "contoso-other", reportTypes="executive", formats="html")
    r = upload(app, CURRENT, clientId="northwind", baselineReportId=other["reportId"])
    assert r.status_code == 400 and r.json()["error"]["target"] == "baselineReportId"
    r = upload(app, CURRENT, clientId="northwind", baselineReportId=refused["reportId"])
    assert r.status_code == 400 and "failed" in r.json()["error"]["message"]
    # November compared with itself is nothing new; PATCH back to automatic restores October.
    again = made(app, CURRENT, "northwind", baselineReportId=november["reportId"],
                 reportTypes="executive", formats="pdf")
    assert again["changeCounts"] == {"new": 0, "resolved": 0, "persisting": 58}
    url = f"api/reports/{again['reportId']}"
    r = app.request("PATCH", url, json={"baselineReportId": october["reportId"]})
    assert r.status_code == 200 and r.json()["changeCounts"]["new"] == 8
    r = app.request("PATCH", url, json={"baselineReportId": other["reportId"]})
    assert r.status_code == 400
    r = app.request("PATCH", url, json={"baselineReportId": None})
    assert r.json()["baseline"]["reportId"] == november["reportId"]  # the latest completed


def test_reports_show_changes_overdue_retirements_and_the_estimate(app, reviews):
    _, _, november = reviews
    r = app.request("GET", f"api/reports/{november['reportId']}/artifacts/executive.pdf")
    text = " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO(r.content)).pages)
    # Leadership's report counts the changes; the findings by name are the detailed report's.
    assert "Changes since October review" in text and "New high-impact findings" not in text
    assert "Overdue by" in text and "Top actions" in text
    stats = app.request("GET", f"api/reports/{november['reportId']}/statistics").json()
    (usd,) = stats["savingsByCurrency"]
    assert f"{compact_money(usd['estimatedAnnualSavings'], 'USD')}" in text
    assert usd["estimatedAnnualSavings"] < usd["annualSavings"]


def test_the_cli_prints_the_changes_and_writes_csv(app, reviews):
    _, _, november = reviews
    args = ["--url", app.base_url, "--key", app.function_key, "changes", november["reportId"]]
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli(args) == 0
    assert "8 new, 5 resolved, 50 still open" in out.getvalue()
    out = io.StringIO()
    with redirect_stdout(out):
        assert cli([*args, "--csv", "--change", "resolved"]) == 0
    rows = list(csv.DictReader(io.StringIO(out.getvalue())))
    assert len(rows) == 5 and {r["change"] for r in rows} == {"resolved"}


def test_each_key_figure_moves_since_the_baseline_and_the_trend_reads_earlier_reports(
        app, reviews):
    october, _, november = reviews
    url = f"api/reports/{november['reportId']}"
    body = app.request("GET", f"{url}/changes").json()
    then = body["baseline"]["headlines"]["executive"]
    assert then["recommendations"] == len(parse_export(PREVIOUS).records)
    now = app.request("GET", f"{url}/statistics").json()["totals"]
    r = app.request("GET", f"{url}/artifacts/executive.pdf")
    text = " ".join(" ".join(p.extract_text().split())
                    for p in PdfReader(io.BytesIO(r.content)).pages)
    moved = now["recommendations"] - then["recommendations"]
    assert f"{'+' if moved > 0 else '−'}{abs(moved)} since October review" in text
    # The trend: October's totals read from its report row, then November's own.
    assert "Open findings by category, last 2 reviews" in text
    r = app.request("GET", f"api/reports/{october['reportId']}/artifacts/executive.pdf")
    first = " ".join(p.extract_text() for p in PdfReader(io.BytesIO(r.content)).pages)
    assert "This is the first report for" in " ".join(first.split())
