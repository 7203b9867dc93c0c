"""Issue 30, replayed over HTTP through the devhost: each of the nine cases an attacker and a
careless caller found, and what the app does now. The last test scans the whole log of the
session (share links, keys, status URLs, signatures) for every secret it used."""

from __future__ import annotations

import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import requests
from azure.data.tables import TableServiceClient

from shared.advisor.exclusions import MAX_RULES
from tests.e2e.test_robustness import principal
from tests.support.app import start_app, upload, wait_report
from tests.support.exports import build_rows, to_csv

pytestmark = pytest.mark.timeout(300)
WINDOW = 3  # seconds: the share-failure limit's window (every other limit is off)
FAILURES = 5  # failed share-link requests an address may make in a window
ALL = "Reports.AllClients"
TOKENS: list[str] = []  # every share token the session made, for the log scan
SIG = "sig-" + uuid.uuid4().hex  # a SAS signature, sent in a query string


@pytest.fixture(scope="module")
def app(storage_connection, tmp_path_factory):
    host, names = start_app(storage_connection, tmp_path_factory.mktemp("surface"),
                            RATE_LIMIT_SHARE_FAILURES=str(FAILURES),
                            RATE_LIMIT_WINDOW_SECONDS=str(WINDOW))
    yield host, names, storage_connection
    host.stop()


@pytest.fixture(scope="module")
def reports(app) -> dict[str, dict]:
    """A completed report for each of two clients (upload answers kept for their URLs)."""
    host = app[0]
    made = {}
    for client, seed in (("alpha", 301), ("beta", 302)):
        r = upload(host, to_csv(build_rows(20, seed=seed)), clientId=client,
                   reportTypes="executive", formats="html,pdf")
        assert r.status_code == 202, r.text
        made[client] = {**wait_report(host, r.json()["reportId"]), "accepted": r.json()}
        assert made[client]["status"] == "completed"
    return made


def share(host, report: dict, **body) -> str:
    """A new share link's path (its token remembered for the log scan)."""
    body.setdefault("artifacts", [{"type": "executive", "format": "pdf"}])
    r = host.request("POST", f"api/reports/{report['reportId']}/shares", json=body)
    assert r.status_code == 201, r.text
    TOKENS.append(r.json()["url"].rsplit("/", 1)[-1])
    return r.json()["url"].split("/", 3)[3]


def audit(host, **params) -> list[dict]:
    r = host.request("GET", "api/audit", params={"pageSize": 100, **params})
    assert r.status_code == 200, r.text
    return r.json()["results"]


def server_errors(host) -> list[str]:
    return [line for line in host.log().splitlines() if re.search(r" -> 5\d\d ", line)]


# -- 1. dates at the edge of the calendar ---------------------------------------------------------

def test_1_dates_at_the_edge_of_the_calendar_are_read_or_refused_naming_the_field(app, reports):
    host = app[0]
    # In range, in UTC: taken (nothing before year 1 was ever audited).
    assert host.request("GET", "api/audit", params={"from": "0001-01-01T00:00:00"}) \
        .status_code == 200
    assert audit(host, to="0001-01-01T00:00:00") == []
    for name in ("from", "to"):
        r = host.request("GET", "api/audit", params={name: "0001-01-01T00:00:00+14:00"})
        assert r.status_code == 400 and r.json()["error"]["target"] == name, r.text
    r = host.request("GET", "api/reports", params={"createdTo": "9999-12-31T23:59:59-23:59"})
    assert r.status_code == 400 and r.json()["error"]["target"] == "createdTo"
    for edge in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"):
        r = host.request("POST", "api/reports/bulk", json={
            "action": "retry", "filter": {"clientId": "alpha", "createdTo": edge}})
        assert r.status_code == 400, r.text
        assert r.json()["error"]["target"] == "filter.createdTo"
        assert "UTC" in r.json()["error"]["message"]
    base = "api/clients/alpha/exclusions"
    rule = {"resourceGroup": "rg-dates", "reason": "dates", "kind": "postponed"}
    for edge in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00", "2026-02-30",
                 "9999-12-31T24:00:00Z"):
        r = host.request("POST", base, json={**rule, "expiresAt": edge})
        assert r.status_code == 400 and r.json()["error"]["target"] == "expiresAt", r.text
    late = host.request("POST", base, json={**rule, "expiresAt": "9999-12-31T23:59:59Z"})
    assert late.status_code == 201, late.text
    assert late.json()["expiresAt"] == "9999-12-31T23:59:59Z" and late.json()["inForce"]
    rule_url = f"{base}/{late.json()['ruleId']}"
    for edge in ("9999-12-31T23:59:59-23:59", "0001-01-01T00:00:00+14:00"):
        r = host.request("PATCH", rule_url, json={"expiresAt": edge})
        assert r.status_code == 400 and r.json()["error"]["target"] == "expiresAt", r.text
    early = host.request("PATCH", rule_url, json={"expiresAt": "0001-01-01"})
    assert early.status_code == 200 and early.json()["expiresAt"] == "0001-01-01T00:00:00Z"
    assert not early.json()["inForce"]  # expired: stored texts sort as the moments do
    assert host.request("DELETE", rule_url).status_code == 204
    assert server_errors(host) == []


# -- 2. HEAD on a share ---------------------------------------------------------------------------

def test_2_head_on_a_share_answers_headers_without_spending_a_download(app, reports):
    host = app[0]
    link = share(host, reports["alpha"], maxDownloads=1)
    for _ in range(3):  # a link checker, a mail scanner, a preview
        head = host.request("HEAD", f"{link}/executive.pdf", key=False)
        assert head.status_code == 200 and head.content == b""
        assert head.headers["Content-Type"] == "application/pdf" and head.headers["ETag"]
        assert host.request("HEAD", link, key=False).status_code == 200
    got = host.request("GET", f"{link}/executive.pdf", key=False)
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert host.request("GET", f"{link}/executive.pdf", key=False).status_code == 410
    listed = host.request("GET", f"api/reports/{reports['alpha']['reportId']}/shares").json()
    assert [s["downloads"] for s in listed["results"] if s["maxDownloads"] == 1] == [1]


# -- 4. anonymous requests and the audit ---------------------------------------------------------

def test_4_anonymous_failures_are_counted_and_limited_not_audited(app, reports):
    host = app[0]
    link = share(host, reports["beta"], artifacts=[{"type": "executive", "format": "html"}])
    time.sleep(WINDOW)  # a fresh window for this address
    before = len(audit(host))
    refused = []
    for i in range(FAILURES + 3):
        # Unknown tokens, with a newline and an ESC sequence in the artifact's name.
        r = host.request("GET", f"api/shared/{uuid.uuid4().hex}{i}/x%0A%1B[31m.pdf", key=False)
        refused.append(r.status_code)
    assert refused == [404] * FAILURES + [429] * 3, refused
    assert int(host.request("GET", link, key=False).headers.get("Retry-After", 0)) >= 1
    assert len(audit(host)) == before  # no entry for any of them
    time.sleep(WINDOW)  # the window over, the address may try again
    got = host.request("GET", f"{link}/executive.html", key=False)
    assert got.status_code == 200
    used = audit(host, action="downloadShared")
    assert used and used[0]["actor"]["name"] == "share link" and used[0]["outcome"] == \
        "succeeded"  # a successful download is audited
    assert len(audit(host)) == before + 1


def test_4_text_from_a_request_reaches_the_audit_escaped_and_bounded(app):
    host = app[0]
    rid = "esc-" + uuid.uuid4().hex[:8]
    r = host.request("PATCH", "api/clients/ab%0A%1B[31mc" + "x" * 400, json={"notes": "n"},
                     headers={"x-request-id": rid})
    assert r.status_code == 404
    (entry,) = [e for e in audit(host, action="updateClient") if e["requestId"] == rid]
    stored = entry["targets"]["clientId"]
    assert stored.startswith("ab\\n\\x1b[31mc") and "\n" not in stored and "\x1b" not in stored
    assert len(stored) < 340
    # A request id with a control character (a tab: HTTP lets it through) is not taken.
    r = host.request("GET", "api/reports", headers={"x-request-id": "a\tb"})
    assert r.status_code == 200 and r.headers["x-request-id"] != "a\tb"


# -- 5. log injection ---------------------------------------------------------------------------

def test_5_a_newline_or_escape_in_a_url_cannot_forge_or_colour_a_log_line(app):
    host = app[0]
    forged = "2026-01-01 00:00:00,000 INFO advisor_reports.api: forged"
    path = "api/reports/x%0D%0A" + forged.replace(" ", "%20") + "%1B[2J%1B[31m"
    assert host.request("GET", path).status_code == 404
    log = host.log()
    assert "\x1b" not in log
    assert not any(line.startswith(forged) for line in log.splitlines())
    assert "\\r\\n" + forged in log  # the line is there, escaped


# -- 6. the exclusion cap under concurrent creates ---------------------------------------------

def test_6_concurrent_creates_stop_at_exactly_the_cap(app):
    host, names, connection = app
    client = "cap-" + uuid.uuid4().hex[:6]
    assert host.request("POST", "api/clients", json={"clientId": client, "name": "Cap"}) \
        .status_code == 201
    # 490 rules, written as the code before the counter wrote them (the first create counts
    # them), then 30 creates racing for the last 10 places.
    table = TableServiceClient.from_connection_string(connection).create_table_if_not_exists(
        names.exclusions_table)
    rows = [{"PartitionKey": client, "RowKey": f"ex-{i:012x}", "resourceGroup": f"rg-{i}",
             "reason": "seed", "kind": "accepted-risk", "createdAt": "2026-01-01T00:00:00Z"}
            for i in range(MAX_RULES - 10)]
    for start in range(0, len(rows), 100):
        table.submit_transaction([("create", row) for row in rows[start:start + 100]])

    def create(i: int) -> int:
        return host.request("POST", f"api/clients/{client}/exclusions", json={
            "resourceGroup": f"rg-race-{i}", "reason": "race", "kind": "not-applicable"}
        ).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        outcomes = list(pool.map(create, range(30)))
    assert outcomes.count(201) == 10 and outcomes.count(409) == 20, outcomes
    listed = host.request("GET", f"api/clients/{client}/exclusions",
                          params={"pageSize": 1}).json()
    assert listed["count"] == MAX_RULES


# -- 7. bulk statuses ----------------------------------------------------------------------------

def test_7_bulk_statuses_are_seen_only_by_callers_who_see_every_client_they_name(app, reports):
    host = app[0]
    beta = reports["beta"]["reportId"]
    started = host.request("POST", "api/reports/bulk",
                           json={"action": "retry", "reportIds": [beta]})
    assert started.status_code == 202, started.text
    nobody = host.request("POST", "api/reports/bulk",
                          json={"action": "retry", "reportIds": ["no-such-report"]})
    path, empty = f"api/bulk/{started.json()['bulkId']}", f"api/bulk/{nobody.json()['bulkId']}"
    alpha = principal("Reports.Contributor", claims=[{"typ": "clientId", "val": "alpha"}])
    beta_only = principal("Reports.Contributor", claims=[{"typ": "clientId", "val": "beta"}])
    everyone = principal("Reports.Contributor", ALL)
    assert host.request("GET", path, headers=alpha).status_code == 404
    assert host.request("GET", path, headers=beta_only).status_code in (200, 202)
    assert host.request("GET", path, headers=everyone).status_code in (200, 202)
    assert host.request("GET", empty, headers=alpha).status_code == 404  # names no client
    assert host.request("GET", empty, headers=everyone).status_code in (200, 202)
    assert host.request("GET", empty).status_code in (200, 202)  # the function key


# -- 8. client scope fails closed ------------------------------------------------------------------

@pytest.mark.parametrize("claims", [
    [{"typ": "ClientIds", "val": "alpha"}], [{"typ": "clientid", "val": "alpha,beta"}], [],
], ids=["ClientIds", "clientid", "no-claim"])
def test_8_a_principal_without_a_grant_or_a_known_claim_sees_no_client(app, reports, claims):
    host = app[0]
    who = principal("Reports.Admin", claims=claims)
    listed = host.request("GET", "api/reports", headers=who)
    assert listed.status_code == 200 and listed.json()["results"] == []
    assert host.request("GET", "api/clients", headers=who).json()["results"] == []
    for report in reports.values():
        assert host.request("GET", f"api/reports/{report['reportId']}", headers=who) \
            .status_code == 404
    assert host.request("GET", "api/clients/alpha/exclusions", headers=who).status_code == 404
    assert host.request("GET", "api/analytics/summary", headers=who).json()["byClient"] == []


def test_8_the_all_clients_role_and_known_claims_grant_what_they_name(app, reports):
    host = app[0]
    every = host.request("GET", "api/reports", headers=principal("Reports.Reader", ALL)).json()
    assert {"alpha", "beta"} <= {r["clientId"] for r in every["results"]}
    one = principal("Reports.Reader", claims=[{"typ": "clientIds", "val": "beta"}])
    assert {r["clientId"] for r in host.request("GET", "api/reports", headers=one)
            .json()["results"]} == {"beta"}


# -- 9. a pattern where a text belongs ------------------------------------------------------------

def test_9_an_exclusion_text_that_looks_like_a_pattern_is_refused(app, reports):
    host = app[0]
    base = "api/clients/alpha/exclusions"
    for field, text in (("recommendation", ".*"), ("resourceIdPrefix", "/subscriptions/*"),
                        ("resourceGroup", "^rg-prod$")):
        r = host.request("POST", base, json={field: text, "reason": "x",
                                             "kind": "accepted-risk"})
        assert r.status_code == 400, r.text
        error = r.json()["error"]
        assert error["code"] == "PatternNotSupported" and error["target"] == field
        assert "match exactly" in error["message"]
    made = host.request("POST", base, json={"recommendation": "Enable MFA.", "reason": "x",
                                            "kind": "accepted-risk"})
    assert made.status_code == 201
    r = host.request("PATCH", f"{base}/{made.json()['ruleId']}",
                     json={"recommendation": "Enable .*"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "PatternNotSupported"


# -- 3. (last) the session's log holds none of its secrets ----------------------------------------

def test_3_the_log_of_the_session_holds_no_token_key_status_url_or_signature(app, reports):
    host = app[0]
    # More of each secret: share links opened, downloaded and checked, the function key as a
    # header and as ?code=, status URLs with the system key followed, a SAS-style signature.
    link = share(host, reports["beta"])
    assert host.request("GET", link, key=False).status_code == 200
    assert host.request("GET", f"{link}/executive.pdf", key=False).status_code == 200
    assert host.request("GET", f"{link}/nothing.pdf", key=False).status_code == 404
    assert host.request("GET", "api/reports", key=False,
                        params={"code": host.function_key, "sig": SIG}).status_code == 200
    assert host.request("GET", "api/nowhere", params={"sig": SIG}).status_code == 404
    status_url = reports["alpha"]["accepted"]["statusQueryGetUri"]
    assert f"code={host.system_key}" in status_url
    assert requests.get(status_url, timeout=30).status_code == 200
    bulk = host.request("POST", "api/reports/bulk", json={"action": "retry", "reportIds": [
        reports["alpha"]["reportId"]]}).json()
    assert requests.get(bulk["statusQueryGetUri"], timeout=30).status_code in (200, 202)
    assert host.request("GET", "api/reports", key=False,
                        headers={"x-functions-key": host.master_key}).status_code == 200
    time.sleep(0.5)  # the last lines written
    log = host.log()
    assert len(TOKENS) >= 3 and "/api/shared/REDACTED" in log  # the requests were logged
    for secret in (*TOKENS, host.function_key, host.master_key, host.system_key, SIG):
        assert secret not in log, f"{secret[:6]}... is in the log"
    assert server_errors(host) == []
