"""Imports from Azure end to end: the devhost's settings point at the local fake Azure
(tests/support/fake_azure.py), so azure-mgmt-core, azure-core and azure-identity's App Service
managed identity run for real over HTTPS; the API and the CLI start imports, and what is
stored equals the equivalent CSV upload."""

from __future__ import annotations

import json
import re
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime

import pytest
import requests

from advisor_cli.__main__ import main
from tests.support.app import AppStorage, start_app, upload, wait_report
from tests.support.exports import SUBSCRIPTIONS, build_rows, to_csv
from tests.support.fake_azure import DROPS, FakeAzure
from tests.support.waiting import wait_until

pytestmark = pytest.mark.timeout(300)
THREE = SUBSCRIPTIONS[:3]
ROWS = build_rows(150, seed=35)
OK_ID = "5b0c0000-0000-4000-8000-00000000000a"  # subscriptions of the fault cases
THROTTLED_ID = "5b0c0000-0000-4000-8000-00000000000b"
FORBIDDEN_ID = "5b0c0000-0000-4000-8000-00000000000c"
MISSING_ID = "5b0c0000-0000-4000-8000-00000000000d"
LONG_ID = "5b0c0000-0000-4000-8000-00000000000e"
UNAVAILABLE_ID = "5b0c0000-0000-4000-8000-00000000000f"
FOREIGN_ID = "5b0c0000-0000-4000-8000-000000000010"  # a tenant the token is not for: 401
DROPPING_ID = "5b0c0000-0000-4000-8000-000000000011"


def _rows_of(sub_id: str) -> list[dict[str, str]]:
    return [r for r in ROWS if r["Subscription ID"] == sub_id]


def _moved(rows: list[dict[str, str]], sub_id: str, name: str) -> list[dict[str, str]]:
    return [{**r, "Subscription ID": sub_id, "Subscription Name": name} for r in rows]


@pytest.fixture(scope="module")
def fake(tmp_path_factory):
    with FakeAzure(tmp_path_factory.mktemp("fake-azure"), page_size=20) as azure:
        for sub_id, name in THREE:  # the 150 rows fall on four subscriptions; three are read
            azure.add(sub_id, name, _rows_of(sub_id))
        azure.add(OK_ID, "Fault Ok", _moved(ROWS[:12], OK_ID, "Fault Ok"))
        azure.add(THROTTLED_ID, "Fault Throttled", _moved(ROWS[12:20], THROTTLED_ID,
                                                          "Fault Throttled"), "throttle_once")
        azure.add(FORBIDDEN_ID, "Fault Forbidden", ROWS[:3], "forbidden")
        azure.add(LONG_ID, "Fault Long", ROWS[:3], "throttle_long")
        azure.add(UNAVAILABLE_ID, "Fault Unavailable", _moved(ROWS[20:25], UNAVAILABLE_ID,
                                                              "Fault Unavailable"),
                  "unavailable_once")
        azure.add(FOREIGN_ID, "Fault Foreign", ROWS[:3], "unauthorized")
        azure.add(DROPPING_ID, "Fault Dropping", _moved(ROWS[30:37], DROPPING_ID,
                                                        "Fault Dropping"), "drop_connections")
        yield azure


@pytest.fixture(scope="module")
def app(storage_connection, tmp_path_factory, fake):
    host, names = start_app(storage_connection, tmp_path_factory.mktemp("import"), **fake.env())
    yield host, AppStorage(storage_connection, names)
    host.stop()


def _client(host, client_id: str, subscriptions: list[str]) -> None:
    r = host.request("POST", "api/clients", json={"clientId": client_id, "name": client_id,
                                                  "subscriptionIds": subscriptions})
    assert r.status_code == 201, r.text


def _entities(storage: AppStorage, report_id: str) -> list[dict]:
    rows = storage.rows_table(report_id).list_entities()
    return sorted(({k: v for k, v in e.items() if k != "PartitionKey"} for e in rows),
                  key=lambda e: e["line"])


def test_an_import_by_api_stores_what_the_equivalent_csv_upload_stores(app, fake):
    host, storage = app
    _client(host, "contoso", [s for s, _ in THREE])
    r = host.request("POST", "api/clients/contoso/imports",
                     json={"title": "November from Azure", "formats": ["html"]})
    assert r.status_code == 202, r.text
    accepted = r.json()
    assert {"statusQueryGetUri", "reportId", "reportUrl"} <= set(accepted)
    assert r.headers["Location"] == accepted["statusQueryGetUri"]
    report = wait_report(host, accepted["reportId"])
    assert report["status"] == "completed", report.get("failureReason")
    assert report["source"] == "azure" and report["title"] == "November from Azure"
    imported = report["imported"]
    assert imported["trigger"] == "api"
    assert [(s["subscriptionId"], s["name"], s["recommendations"])
            for s in imported["subscriptions"]] == [
        (sub_id, name, len(_rows_of(sub_id))) for sub_id, name in THREE]
    assert report["warnings"] == []
    # The real credential got its token from the identity endpoint, and the SDK followed
    # nextLink through every page (20 a page here).
    assert fake.served["token"] >= 1 and fake.served["401"] == 0
    assert all(fake.served[f"page:{sub_id}"] == -(-len(_rows_of(sub_id)) // 20)
               for sub_id, _ in THREE)

    # The equivalent upload: the same rows as the portal's CSV, in the order they were read.
    rows = [r for sub_id, _ in THREE for r in _rows_of(sub_id)]
    up = upload(host, to_csv(rows), clientId="contoso", formats="html")
    assert up.status_code == 202, up.text
    assert wait_report(host, up.json()["reportId"])["status"] == "completed"
    imported_rows = _entities(storage, accepted["reportId"])
    assert len(imported_rows) == len(rows)
    assert imported_rows == _entities(storage, up.json()["reportId"])

    # The API's recommendation view carries what only the API had.
    page = host.request("GET", f"api/reports/{accepted['reportId']}/recommendations").json()
    first = page["results"][0]
    assert first["learnMoreLink"].startswith("https://learn.microsoft.com/")
    assert first["solution"] and first["recommendationTypeId"]
    # The changes compare the upload with the import before it, finding for finding.
    changes = host.request("GET", f"api/reports/{up.json()['reportId']}/changes").json()
    assert changes["baseline"]["reportId"] == accepted["reportId"]
    assert changes["counts"]["new"] == 0 and changes["counts"]["resolved"] == 0


def test_the_cli_imports_waits_and_downloads(app, tmp_path, capsys):
    host, _ = app
    _client(host, "fabrikam", [s for s, _ in THREE])
    out = tmp_path / "out"
    command = ["--url", host.base_url, "--key", host.function_key, "import", "--client",
               "fabrikam", "--types", "executive", "--formats", "html", "--out", str(out)]
    code = main(command)
    captured = capsys.readouterr()
    assert code == 0, captured.err
    assert "completed" in captured.out
    for sub_id, name in THREE:
        assert f"{name} ({sub_id}): {len(_rows_of(sub_id)):,} recommendation(s)" \
            in captured.out
    [saved] = out.iterdir()
    assert saved.suffix == ".html"
    # The next import into the same folder is named apart from the last (even with --force,
    # which only replaces a file of the same name): last month's file stays as it was.
    saved.write_text("last month's")
    assert main([*command, "--force"]) == 0
    assert saved.read_text() == "last month's"
    assert {p.name for p in out.iterdir()} == {saved.name,
                                               saved.name.replace(".html", " (2).html")}


def test_failed_subscriptions_are_warnings_of_a_completed_report(app, fake):
    host, _ = app
    _client(host, "faults", [OK_ID, THROTTLED_ID, FORBIDDEN_ID, MISSING_ID, UNAVAILABLE_ID,
                             FOREIGN_ID])
    r = host.request("POST", "api/clients/faults/imports", json={"formats": ["html"]})
    report = wait_report(host, r.json()["reportId"])
    assert report["status"] == "completed", report.get("failureReason")
    # The 429 and the 503 were met, their Retry-After waited for, and the reads retried.
    assert fake.served["429"] >= 1 and fake.served["503"] >= 1
    by_sub = {s["subscriptionId"]: s for s in report["imported"]["subscriptions"]}
    assert by_sub[OK_ID]["recommendations"] == 12
    assert by_sub[THROTTLED_ID]["recommendations"] == 8
    assert by_sub[UNAVAILABLE_ID]["recommendations"] == 5
    assert by_sub[FORBIDDEN_ID]["code"] == "AuthorizationFailed"
    assert by_sub[MISSING_ID]["code"] == "SubscriptionNotFound"
    assert by_sub[FOREIGN_ID]["code"] == "InvalidAuthenticationTokenTenant"
    warnings = [w for w in report["warnings"] if w["code"] == "SubscriptionNotRead"]
    assert [w["subscriptionId"] for w in warnings] == [FORBIDDEN_ID, MISSING_ID, FOREIGN_ID]
    assert FORBIDDEN_ID in warnings[0]["message"] and "Reader role" in warnings[0]["message"]
    assert "was not found" in warnings[1]["message"] and "client record" in warnings[1]["message"]
    assert "401 InvalidAuthenticationTokenTenant" in warnings[2]["message"]
    assert "Lighthouse" in warnings[2]["message"]
    assert report["counts"]["rowsAccepted"] == 25


def test_a_network_fault_is_retried_by_the_activity_and_stored_once(app, fake):
    host, storage = app
    _client(host, "flaky", [OK_ID, DROPPING_ID])
    before = fake.served[f"page:{OK_ID}"]
    r = host.request("POST", "api/clients/flaky/imports", json={"formats": ["html"]})
    report = wait_report(host, r.json()["reportId"])
    assert report["status"] == "completed", report.get("failureReason")
    # The first attempt at the dropping subscription lost its connections past azure-core's
    # retries and failed; Durable's retry policy ran that subscription's fetch again (alone:
    # the other one was read once)...
    assert fake.served["dropped"] > DROPS
    assert fake.served[f"page:{DROPPING_ID}"] == 1
    assert fake.served[f"page:{OK_ID}"] - before == 1
    # ...and each row was stored once.
    assert report["counts"]["rowsAccepted"] == 12 + 7
    assert len(_entities(storage, report["reportId"])) == 19


def test_an_import_where_no_subscription_can_be_read_fails_saying_why(app):
    host, _ = app
    _client(host, "nothing", [FORBIDDEN_ID, LONG_ID])
    r = host.request("POST", "api/clients/nothing/imports")
    report = wait_report(host, r.json()["reportId"])
    assert report["status"] == "failed"
    reason = report["failureReason"]
    assert reason.startswith("No subscription of the client could be read.")
    assert f"Subscription Fault Forbidden ({FORBIDDEN_ID})" not in reason  # 403: no name read
    assert FORBIDDEN_ID in reason and "Reader role" in reason
    assert "asking to wait 3600 s" in reason and "import again later" in reason


def test_bad_import_requests_are_4xx_naming_what_to_fix(app):
    host, _ = app
    _client(host, "empty", [])
    r = host.request("POST", "api/clients/empty/imports")
    assert r.status_code == 409 and r.json()["error"]["code"] == "NoSubscriptions"
    assert "subscriptionIds" in r.json()["error"]["message"]
    assert host.request("POST", "api/clients/nobody/imports").status_code == 404
    r = host.request("POST", "api/clients/empty/imports", json={"formats": ["docx"]})
    assert r.status_code == 400 and "formats" in r.text
    _client(host, "asleep", [OK_ID])
    host.request("PATCH", "api/clients/asleep", json={"active": False})
    r = host.request("POST", "api/clients/asleep/imports")
    assert r.status_code == 409 and r.json()["error"]["code"] == "ClientInactive"


def test_a_due_schedule_starts_exactly_one_import_when_the_timer_fires_twice(app, capsys):
    host, storage = app
    _client(host, "monthly", [s for s, _ in THREE])
    # Set through the CLI as a user would; the API shows it with its next run.
    assert main(["--url", host.base_url, "--key", host.function_key, "clients", "update",
                 "monthly", "--import-schedule", "1:0"]) == 0
    shown = host.request("GET", "api/clients/monthly").json()["importSchedule"]
    assert (shown["day"], shown["hour"], shown["frequency"]) == (1, 0, "monthly")
    assert shown["nextRunAt"].endswith("-01T00:00:00Z")
    capsys.readouterr()
    # Set long ago: this month's run time (the 1st, 00:00 UTC) has passed since, and the
    # months before it were missed; the period due is this month's, once.
    table = storage.tables.get_table_client(storage.names.clients_table)
    entity = table.get_entity("client", "monthly")
    schedule = {"frequency": "monthly", "day": 1, "hour": 0, "since": "2026-01-01T00:00:00Z"}
    table.update_entity({"PartitionKey": "client", "RowKey": "monthly",
                         "importSchedule": json.dumps(schedule)})
    assert entity["name"] == "monthly"

    def fire() -> int:  # the admin API's run-now, as two instances firing at once
        return requests.post(f"{host.base_url}/admin/functions/import_schedule", json={},
                             headers={"x-functions-key": host.master_key}, timeout=10).status_code

    with ThreadPoolExecutor(max_workers=2) as pool:
        assert list(pool.map(lambda _: fire(), range(2))) == [202, 202]

    def imports_of_monthly() -> list[dict]:
        rows = host.request("GET", "api/reports", params={"clientId": "monthly"}).json()
        return rows["results"]

    try:
        wait_until(lambda: len(imports_of_monthly()) == 1, timeout=30,
                   what="the scheduled import")
    except AssertionError:
        log = [line for line in host.log().splitlines() if "listReports" not in line
               and "'api_reports'" not in line]
        raise AssertionError("\n".join(log[-40:])) from None
    report = wait_report(host, imports_of_monthly()[0]["reportId"])
    assert report["status"] == "completed", report.get("failureReason")
    period = datetime.now(UTC).strftime("%Y-%m")
    assert report["imported"]["trigger"] == "schedule"
    assert report["title"] == f"Azure Advisor, {period}"
    assert fire() == 202  # a later run of the timer: the period is claimed
    time.sleep(2)
    assert len(imports_of_monthly()) == 1
    assert requests.post(f"{host.base_url}/admin/functions/import_schedule",
                         headers={"x-functions-key": host.function_key}, timeout=10
                         ).status_code == 401  # the admin API takes the master key only


def _signed_in(host, roles: str) -> requests.Session:
    """A browser's session through the devhost's local sign-in form (Easy Auth's stand-in)."""
    browser = requests.Session()
    r = browser.post(f"{host.base_url}/.auth/login/aad", data={
        "username": "consultant@example.com", "roles": roles, "claims": "[]", "redirect": "/"},
        allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text
    return browser


def _csrf(page_html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page_html).group(1)


def test_the_client_page_shows_the_schedule_and_imports_through_the_api(app):
    host, _ = app
    _client(host, "webclient", [s for s, _ in THREE])
    browser = _signed_in(host, "Reports.Admin, Reports.AllClients")
    page = browser.get(f"{host.base_url}/clients/webclient", timeout=10).text
    assert "No scheduled import from Azure" in page and "Import now" in page
    # An admin sets the schedule in the details form (a form post with the CSRF field).
    origin = {"Origin": host.base_url}
    r = browser.post(f"{host.base_url}/clients/webclient/details", headers=origin, data={
        "csrf": _csrf(page), "name": "Web client", "subscriptionIds": "\n".join(
            s for s, _ in THREE), "notes": "", "accentDefault": "1", "scheduleOn": "1",
        "scheduleDay": "5", "scheduleHour": "7"}, allow_redirects=False, timeout=10)
    assert r.status_code == 303, r.text
    page = browser.get(f"{host.base_url}/clients/webclient", timeout=10).text
    assert "Imports from Azure every month on day 5 at 07:00 UTC" in page
    assert host.request("GET", "api/clients/webclient").json()["importSchedule"]["day"] == 5
    # Without the CSRF field the post is refused; with it, the import starts.
    assert browser.post(f"{host.base_url}/clients/webclient/import", headers=origin,
                        data={}, allow_redirects=False, timeout=10).status_code == 403
    r = browser.post(f"{host.base_url}/clients/webclient/import", headers=origin,
                     data={"csrf": _csrf(page)}, allow_redirects=False, timeout=10)
    assert r.status_code == 303 and r.headers["Location"].startswith("/reports/")
    report = wait_report(host, r.headers["Location"].removeprefix("/reports/"))
    assert report["status"] == "completed" and report["source"] == "azure"
    page = browser.get(f"{host.base_url}{r.headers['Location']}", timeout=10).text
    assert "imported from Azure" in page and "How to fix" in page
    # What to do first says how, in Advisor's words, and links Microsoft's page.
    plan = page[page.index('id="plan-h"'):page.index("</section>", page.index('id="plan-h"'))]
    assert "Follow Advisor&#39;s steps: " in plan
    assert 'href="https://learn.microsoft.com/azure/advisor/?type=' in plan
    # A reader sees the schedule but no import button (and a forged post gets 403).
    reader = _signed_in(host, "Reports.Reader, Reports.AllClients")
    page = reader.get(f"{host.base_url}/clients/webclient", timeout=10).text
    assert "on day 5 at 07:00 UTC" in page and "Import now" not in page
    assert reader.post(f"{host.base_url}/clients/webclient/import", headers=origin,
                       data={"csrf": reader.cookies.get("ar_csrf")}, allow_redirects=False,
                       timeout=10).status_code == 403
