"""Exclusion rules through the devhost: CRUD and roles, bad rules refused, rows excluded but
browsable, figures and changes without them, the appendix, expiry and re-rendering."""

from __future__ import annotations

import io
import uuid
from collections import Counter

import pytest
from azure.data.tables import TableServiceClient
from pypdf import PdfReader

from shared.advisor.exclusions import MAX_RULES
from shared.advisor.parse import parse_export
from shared.advisor.stats import compute_statistics
from tests.e2e.test_robustness import principal
from tests.support.app import upload, wait_report
from tests.support.exports import CURRENT_SAMPLE, PREVIOUS_SAMPLE

pytestmark = pytest.mark.timeout(300)
CURRENT, PREVIOUS = CURRENT_SAMPLE, PREVIOUS_SAMPLE
ROWS = parse_export(CURRENT).records
ZURICH = "3f2a1b4c-0000-4000-8000-000000000002"


@pytest.fixture
def client(app) -> str:
    client_id = "ex-" + uuid.uuid4().hex[:8]
    assert app.request("POST", "api/clients", json={"name": client_id, "clientId": client_id}) \
        .status_code == 201
    return client_id


def rules_url(client_id: str) -> str:
    return f"api/clients/{client_id}/exclusions"


def test_rules_are_created_listed_changed_and_deleted_with_roles(app, client):
    url = rules_url(client)
    contributor = principal("Reports.Contributor", claims=[{"typ": "clientId", "val": client}])
    reader = principal("Reports.Reader", claims=[{"typ": "clientId", "val": client}])
    body = {"category": "Security", "resourceGroup": "rg-app-02", "reason": "Test estate",
            "kind": "accepted-risk"}
    assert app.request("POST", url, json=body, headers=reader).status_code == 403
    r = app.request("POST", url, json=body, headers=contributor)
    assert r.status_code == 201, r.text
    rule = r.json()
    assert rule["createdBy"] == "ana@example.com" and rule["inForce"] is True
    assert r.headers["Location"].endswith(f"/{rule['ruleId']}")
    listed = app.request("GET", url, headers=reader).json()
    assert [x["ruleId"] for x in listed["results"]] == [rule["ruleId"]]
    one = f"{url}/{rule['ruleId']}"
    assert app.request("GET", one, headers=reader).json()["reason"] == "Test estate"
    assert app.request("PATCH", one, json={"reason": "x"}, headers=reader).status_code == 403
    changed = app.request("PATCH", one, json={"reason": "Agreed with the CISO"}).json()
    assert changed["reason"] == "Agreed with the CISO" and changed["category"] == "Security"
    other = principal("Reports.Reader", claims=[{"typ": "clientId", "val": "someone-else"}])
    assert app.request("GET", url, headers=other).status_code == 404
    assert app.request("DELETE", one, headers=contributor).status_code == 204
    assert app.request("GET", one).status_code == 404


@pytest.mark.parametrize("body,status,target", [
    ({"reason": "r", "kind": "accepted-risk"}, 400, "body"),  # empty: would match everything
    ({"reason": "r", "kind": "postponed", "category": "Cost"}, 400, "expiresAt"),
    ({"reason": "r", "kind": "accepted-risk", "category": "Cost", "colour": "red"}, 400, None),
    ({"kind": "accepted-risk", "category": "Cost"}, 400, None),  # no reason
    ({"reason": "r", "kind": "maybe", "category": "Cost"}, 400, None),
])
def test_bad_rules_are_refused(app, client, body, status, target):
    r = app.request("POST", rules_url(client), json=body)
    assert r.status_code == status, r.text
    if target:
        assert r.json()["error"]["target"] == target


def test_an_explicit_all_rule_is_accepted(app, client):
    r = app.request("POST", rules_url(client), json={"all": True, "reason": "Paused",
                                                     "kind": "postponed",
                                                     "expiresAt": "2099-01-01T00:00:00Z"})
    assert r.status_code == 201 and r.json()["all"] is True


def test_more_than_500_rules_is_409(app, client):
    # 500 rules through HTTP would take a while: they are written to the table directly.
    table = TableServiceClient.from_connection_string(app.env["AzureWebJobsStorage"]) \
        .get_table_client(app.env["EXCLUSIONS_TABLE"])
    for chunk in range(0, MAX_RULES, 100):
        table.submit_transaction([("upsert", {
            "PartitionKey": client, "RowKey": f"bulk-{n:03d}", "category": "Cost",
            "reason": "bulk", "kind": "accepted-risk", "createdAt": "2026-01-01T00:00:00Z"})
            for n in range(chunk, chunk + 100)])
    r = app.request("POST", rules_url(client), json={"category": "Cost", "reason": "one more",
                                                     "kind": "accepted-risk"})
    assert r.status_code == 409 and r.json()["error"]["code"] == "TooManyRules"


def test_excluded_rows_leave_the_figures_but_stay_browsable(app, client):
    url = rules_url(client)
    security = app.request("POST", url, json={
        "category": "Security", "subscriptionId": ZURICH, "reason": "Sandbox",
        "kind": "not-applicable"}).json()
    expired = app.request("POST", url, json={
        "category": "Cost", "reason": "Old decision", "kind": "postponed",
        "expiresAt": "2026-01-01T00:00:00Z"}).json()
    nothing = app.request("POST", url, json={
        "resourceIdPrefix": "/subscriptions/00000000-dead-beef/", "reason": "Gone",
        "kind": "not-applicable"}).json()
    assert expired["inForce"] is False
    r = upload(app, CURRENT, clientId=client)
    report = wait_report(app, r.json()["reportId"])
    hidden = [x for x in ROWS if x.category == "Security" and x.subscription_id == ZURICH]
    kept = [x for x in ROWS if x not in hidden]
    assert report["excludedRows"] == len(hidden) > 0
    assert {x["ruleId"]: x["rows"] for x in report["exclusionRules"]} == {
        security["ruleId"]: len(hidden), nothing["ruleId"]: 0}  # the expired one is not applied
    report_id = report["reportId"]
    stats = app.request("GET", f"api/reports/{report_id}/statistics").json()
    expected = compute_statistics(kept)
    assert stats["totals"] == expected["totals"]
    assert stats["byCategory"] == expected["byCategory"]
    base = f"api/reports/{report_id}/recommendations?pageSize=100"
    assert app.request("GET", base).json()["count"] == len(ROWS)
    only = app.request("GET", base + "&excluded=true").json()
    assert only["count"] == len(hidden)
    assert {x["exclusionRuleId"] for x in only["results"]} == {security["ruleId"]}
    assert app.request("GET", base + "&excluded=false").json()["count"] == len(kept)
    actions = app.request("GET", f"api/reports/{report_id}/actions?pageSize=100").json()
    assert sum(a["findings"] for a in actions["results"]) == len(kept)
    pdf = app.request("GET", f"api/reports/{report_id}/artifacts/security.pdf").content
    text = " ".join(" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(pdf)).pages)
    assert "Appendix: exclusions" in text and "Sandbox" in text
    assert "none: matches nothing" in text


def test_a_rule_change_applies_on_the_next_render_and_to_the_changes(app, client):
    first = wait_report(app, upload(app, PREVIOUS, clientId=client).json()["reportId"])
    second = wait_report(app, upload(app, CURRENT, clientId=client).json()["reportId"])
    assert second["excludedRows"] == 0 and second["changeCounts"]["new"] == 8
    rule = app.request("POST", rules_url(client), json={
        "category": "Security", "reason": "Handled by the SOC", "kind": "accepted-risk"}).json()
    r = app.request("POST", f"api/reports/{second['reportId']}/render",
                    json={"reportTypes": ["executive"], "formats": ["html"]})
    assert r.status_code == 202
    again = wait_report(app, second["reportId"])
    security_rows = Counter(x.category for x in ROWS)["Security"]
    assert again["excludedRows"] == security_rows
    changes = app.request("GET", f"api/reports/{second['reportId']}/changes").json()
    assert all(c["category"] != "Security" for c in changes["byCategory"])
    assert changes["baseline"]["reportId"] == first["reportId"]
    html = app.request("GET", f"api/reports/{second['reportId']}/artifacts/executive.html").text
    assert "Handled by the SOC" in html
    app.request("DELETE", f"{rules_url(client)}/{rule['ruleId']}")
    app.request("POST", f"api/reports/{second['reportId']}/render", json={})
    assert wait_report(app, second["reportId"])["excludedRows"] == 0


def test_another_clients_rules_never_apply(app, client):
    other = client + "-b"
    app.request("POST", "api/clients", json={"name": other, "clientId": other})
    app.request("POST", rules_url(other), json={"all": True, "reason": "r",
                                                "kind": "accepted-risk"})
    report = wait_report(app, upload(app, CURRENT, clientId=client).json()["reportId"])
    assert report["excludedRows"] == 0


def test_the_cli_lists_adds_and_removes_rules(app, client, capsys):
    from advisor_cli.__main__ import main as cli

    base = ["--url", app.base_url, "--key", app.function_key, "exclusions"]
    assert cli([*base, "add", "--client", client, "--category", "Cost", "--reason",
                "Budget agreed", "--kind", "postponed", "--expires", "2099-01-01"]) == 0
    rule_id = capsys.readouterr().out.split()[1].rstrip(";")
    assert cli([*base, "list", "--client", client]) == 0
    listed = capsys.readouterr().out
    assert rule_id in listed and "category=Cost" in listed and "2099-01-01" in listed
    assert cli([*base, "add", "--client", client, "--reason", "everything?"]) == 1
    assert "EmptyRule" in capsys.readouterr().err
    assert cli([*base, "remove", rule_id, "--client", client]) == 0
    assert app.request("GET", f"{rules_url(client)}/{rule_id}").status_code == 404
