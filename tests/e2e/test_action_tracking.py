"""Tracked actions through the devhost: listed against the client's latest report, changed
one at a time with roles and client scope, audited, and the command line."""

from __future__ import annotations

import uuid

import pytest

from advisor_cli.__main__ import main
from tests.e2e.test_robustness import principal
from tests.support.app import upload, wait_report
from tests.support.exports import sample_export

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def client(app) -> str:
    """A client with one completed report."""
    client_id = "act-" + uuid.uuid4().hex[:8]
    r = upload(app, sample_export(120, seed=11), clientId=client_id, formats="html")
    assert r.status_code == 202, r.text
    assert wait_report(app, r.json()["reportId"])["status"] == "completed"
    return client_id


def url(client_id: str, key: str = "") -> str:
    return f"api/clients/{client_id}/actions" + (f"/{key}" if key else "")


def test_the_latest_reports_plan_is_listed_open_and_untracked(app, client):
    listed = app.request("GET", url(client), params={"pageSize": 100}).json()
    report = app.request("GET", "api/reports", params={"clientId": client}).json()["results"][0]
    plan = app.request("GET", f"api/reports/{report['reportId']}/actions",
                       params={"pageSize": 100}).json()["results"]
    assert [a["actionKey"] for a in listed["results"]] == [a["key"] for a in plan]
    first = listed["results"][0]
    assert first["status"] == "open" and first["owner"] is None and first["tracked"] is False
    assert first["inLatestReport"] and first["latestReportId"] == report["reportId"]


def test_an_action_is_set_with_roles_scope_and_audit(app, client):
    key = app.request("GET", url(client)).json()["results"][0]["actionKey"]
    mine = [{"typ": "clientId", "val": client}]
    reader, contributor = principal("Reports.Reader", claims=mine), \
        principal("Reports.Contributor", claims=mine)
    body = {"owner": "Ana Lima", "status": "in-progress", "dueDate": "2026-11-30",
            "comment": "Needs a change window"}
    assert app.request("PATCH", url(client, key), json=body, headers=reader).status_code == 403
    other = principal("Reports.Contributor", claims=[{"typ": "clientId", "val": "other-co"}])
    assert app.request("PATCH", url(client, key), json=body, headers=other).status_code == 404
    assert app.request("GET", url(client), headers=other).status_code == 404
    r = app.request("PATCH", url(client, key), json=body, headers=contributor)
    assert r.status_code == 200, r.text
    action = r.json()
    assert (action["owner"], action["status"], action["dueDate"], action["comment"]) == (
        "Ana Lima", "in-progress", "2026-11-30", "Needs a change window")
    assert action["updatedBy"] == "ana@example.com" and action["tracked"]
    assert action["overdue"] is True  # due before today, not done
    assert app.request("GET", url(client, key), headers=reader).json()["owner"] == "Ana Lima"
    done = app.request("PATCH", url(client, key), json={"status": "done", "owner": None})
    assert done.json()["status"] == "done" and done.json()["owner"] is None
    assert done.json()["overdue"] is False and done.json()["dueDate"] == "2026-11-30"
    entries = app.request("GET", "api/audit", params={"action": "updateTrackedAction"}).json()
    assert any(e["targets"].get("actionKey") == key and e["clientId"] == client
               and e["actor"]["name"] == "ana@example.com" for e in entries["results"])
    filtered = app.request("GET", url(client), params={"status": "done"}).json()["results"]
    assert [a["actionKey"] for a in filtered] == [key]


@pytest.mark.parametrize("body,target", [
    ({"status": "finished"}, "status"),
    ({"dueDate": "2026-02-30"}, "dueDate"),
    ({"dueDate": "next week"}, "dueDate"),
    ({"dueDate": "0001-01-01"}, "dueDate"),  # before any spreadsheet date
    ({"owner": "x" * 201}, "owner"),
    ({}, "body"),
    ({"colour": "red"}, "body"),
])
def test_bad_changes_are_refused_naming_the_field(app, client, body, target):
    key = app.request("GET", url(client)).json()["results"][0]["actionKey"]
    r = app.request("PATCH", url(client, key), json=body)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert target in (error.get("target") or "body") or target in error["message"]


def test_unknown_actions_are_not_found(app, client):
    assert app.request("PATCH", url(client, "0" * 16), json={"status": "done"}).status_code \
        == 404
    assert app.request("GET", url(client, "not-a-key")).status_code == 404
    assert app.request("GET", url("no-such-client")).status_code == 404


def test_the_command_line_lists_and_sets(app, client, capsys):
    base = ["--url", app.base_url, "--key", app.function_key]
    key = app.request("GET", url(client)).json()["results"][1]["actionKey"]
    assert main([*base, "actions", "set", key, "--client", client, "--owner", "Bo Chen",
                 "--status", "wont-do", "--due", "2027-01-31", "--comment", "Sandbox"]) == 0
    assert "Won't do" in capsys.readouterr().out
    assert main([*base, "actions", "list", "--client", client, "--status", "wont-do"]) == 0
    out = capsys.readouterr()
    assert key in out.out and "Bo Chen" in out.out and "1 action(s)" in out.err
    with pytest.raises(SystemExit):  # argparse names the statuses
        main([*base, "actions", "set", key, "--client", client, "--status", "nope"])
    assert main([*base, "actions", "set", key, "--client", client, "--due", "31/01/2027"]) == 1
    assert "dueDate" in capsys.readouterr().err
