"""Bulk operations over real HTTP: a bulk delete of many reports removes their rows, blobs and
Durable history and shows progress; render and retry by filter; ids of other clients are
skipped; the CLI asks for --yes."""

from __future__ import annotations

import os
import time
import uuid

import pytest
import requests

from advisor_cli.__main__ import main
from tests.e2e.test_robustness import principal
from tests.support.app import AppStorage, start_app, upload, wait_report
from tests.support.exports import build_rows, to_csv

pytestmark = pytest.mark.timeout(600)
TINY = to_csv(build_rows(5, seed=81))
# 200 in the words; the suite deletes 40 (processing 200 uploads first takes minutes
# here). BULK_REPORTS=200 runs the full figure.
COUNT = int(os.environ.get("BULK_REPORTS", "40"))


@pytest.fixture(scope="module")
def app(storage_connection, tmp_path_factory):
    host, names = start_app(storage_connection, tmp_path_factory.mktemp("bulk"))
    yield host, AppStorage(storage_connection, names), names
    host.stop()


def make_reports(host, client: str, count: int) -> list[str]:
    ids = []
    for _ in range(count):
        r = upload(host, TINY, clientId=client, reportTypes="executive", formats="html")
        assert r.status_code == 202, r.text
        ids.append(r.json()["reportId"])
    for report_id in ids:
        assert wait_report(host, report_id, timeout=300)["status"] == "completed"
    return ids


def follow(host, url: str, timeout: float = 300) -> tuple[dict, list[dict]]:
    """The final status and every custom status seen on the way."""
    seen, deadline = [], time.monotonic() + timeout
    while time.monotonic() < deadline:
        # As returned: a URL with its own key (`code`, the system key) is followed as it is;
        # the app's own status route takes the function key.
        r = requests.get(url, timeout=30) if "code=" in url else \
            host.request("GET", url.split("/", 3)[3])
        body = r.json()
        if body.get("customStatus"):
            seen.append(body["customStatus"])
        if r.status_code == 200:
            return body, seen
        time.sleep(0.3)
    raise AssertionError(f"bulk operation did not finish: {seen[-1:]}")


def test_bulk_delete_of_many_reports_removes_everything_and_shows_progress(app):
    host, stored, names = app
    client = "bulk-" + uuid.uuid4().hex[:6]
    ids = make_reports(host, client, COUNT)
    r = host.request("POST", "api/reports/bulk", json={"action": "delete",
                                                      "filter": {"clientId": client}})
    assert r.status_code == 202, r.text
    accepted = r.json()
    assert accepted["count"] == COUNT and accepted["action"] == "delete"
    final, seen = follow(host, accepted["statusQueryGetUri"])
    assert final["runtimeStatus"] == "Completed"
    assert sorted(x["reportId"] for x in final["output"]["results"]) == sorted(ids)
    assert {x["outcome"] for x in final["output"]["results"]} == {"deleted"}
    assert any(0 < s["done"] < COUNT for s in seen)  # progress shown on the way
    assert seen[-1]["done"] == COUNT and seen[-1]["deleted"] == COUNT
    assert host.request("GET", "api/reports", params={"clientId": client}).json()["count"] == 0
    assert all(stored.recommendation_keys(i) == [] for i in ids)
    assert stored.blob_names(names.reports, f"{client}/") == []
    for report_id in ids[:5]:  # Durable history purged
        status = host.request("GET", f"runtime/webhooks/durabletask/instances/{report_id}",
                              key=False, params={"code": host.master_key})
        assert status.status_code == 404, status.text


def test_bulk_render_and_retry_report_each_outcome(app):
    host = app[0]
    client = "bulk-" + uuid.uuid4().hex[:6]
    ids = make_reports(host, client, 3)
    r = host.request("POST", "api/reports/bulk", json={
        "action": "retry", "reportIds": [*ids[:2], "no-such-report"]})
    assert r.status_code == 202 and r.json()["missing"] == ["no-such-report"]
    final, _ = follow(host, r.json()["statusQueryGetUri"])
    outcomes = {x["reportId"]: x for x in final["output"]["results"]}
    assert outcomes["no-such-report"]["outcome"] == "skipped"
    assert outcomes[ids[0]]["outcome"] == "skipped" and "Only failed" in \
        outcomes[ids[0]]["reason"]
    r = host.request("POST", "api/reports/bulk", json={
        "action": "render", "filter": {"clientId": client, "status": "completed"}})
    final, _ = follow(host, r.json()["statusQueryGetUri"])
    assert [x["outcome"] for x in final["output"]["results"]] == ["started"] * 3
    for report_id in ids:
        assert wait_report(host, report_id)["status"] == "completed"


def test_scoped_callers_act_only_on_their_clients(app):
    host = app[0]
    mine, theirs = "bulk-" + uuid.uuid4().hex[:6], "bulk-" + uuid.uuid4().hex[:6]
    own = make_reports(host, mine, 1)
    other = make_reports(host, theirs, 1)
    who = principal("Reports.Contributor", claims=[{"typ": "clientId", "val": mine}])
    r = host.request("POST", "api/reports/bulk", headers=dict(who),
                     json={"action": "delete", "reportIds": [*own, *other]})
    assert r.status_code == 202, r.text
    assert r.json()["missing"] == other and "code=" not in r.text
    follow(host, r.json()["statusQueryGetUri"])
    assert host.request("GET", f"api/reports/{other[0]}").status_code == 200
    assert host.request("GET", f"api/reports/{own[0]}").status_code == 404
    outsider = principal("Reports.Contributor", claims=[{"typ": "clientId", "val": theirs}])
    bulk = r.json()["bulkId"]
    assert host.request("GET", f"api/bulk/{bulk}", headers=dict(outsider)).status_code == 404
    r = host.request("POST", "api/reports/bulk", json={"action": "delete"})
    assert r.status_code == 400


def test_cli_bulk_delete_needs_yes(app, capsys):
    host = app[0]
    client = "bulk-" + uuid.uuid4().hex[:6]
    make_reports(host, client, 2)
    key = ["--url", host.base_url, "--key", host.function_key]
    assert main([*key, "bulk", "delete", "--client", client, "--status", "completed"]) == 2
    assert "--yes" in capsys.readouterr().err
    assert main([*key, "bulk", "delete", "--client", client, "--status", "completed",
                 "--yes"]) == 0
    out = capsys.readouterr().out
    assert "deleted 2" in out
    assert host.request("GET", "api/reports", params={"clientId": client}).json()["count"] == 0


def test_a_bulk_render_in_worker_processes_starts_every_report(storage_connection,
                                                               tmp_path_factory):
    """As `make run` runs it (two worker processes): the bulk's async activities share the
    worker's event loop, so the Durable client's session works for each of them."""
    host, _ = start_app(storage_connection, tmp_path_factory.mktemp("bulk-workers"),
                        FUNCTIONS_WORKER_PROCESS_COUNT="2")
    try:
        client = "w" + uuid.uuid4().hex[:8]
        ids = make_reports(host, client, 4)
        r = host.request("POST", "api/reports/bulk", json={"action": "render",
                                                           "reportIds": ids})
        assert r.status_code == 202, r.text
        final, _ = follow(host, r.json()["statusQueryGetUri"])
        outcomes = {x["reportId"]: x["outcome"] for x in final["output"]["results"]}
        assert outcomes == dict.fromkeys(ids, "started"), final["output"]
    finally:
        host.stop()
