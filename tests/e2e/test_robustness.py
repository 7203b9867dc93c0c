"""Security and robustness over real HTTP: keys never leak to scoped callers, bad text and
bad requests get a 4xx, deletes and terminations leave nothing behind or stuck, blob drops
always end in a visible report."""

from __future__ import annotations

import base64
import gzip
import json
import socket
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest
import requests
from azure.storage.blob import BlobServiceClient

from tests.support.app import AppStorage, start_app, upload, wait_report
from tests.support.exports import build_rows, to_csv
from tests.support.waiting import wait_until

pytestmark = pytest.mark.timeout(300)

BODY_LIMIT = 8 * 1024 * 1024  # the host's FUNCTIONS_REQUEST_BODY_SIZE_LIMIT for this module


@pytest.fixture(scope="module")
def app(storage_connection, tmp_path_factory):
    host, names = start_app(storage_connection, tmp_path_factory.mktemp("robust"),
                            FUNCTIONS_REQUEST_BODY_SIZE_LIMIT=str(BODY_LIMIT),
                            MAX_UPLOAD_BYTES=str(BODY_LIMIT - 1024 * 1024))
    yield host, AppStorage(storage_connection, names), names
    host.stop()


@pytest.fixture(scope="module")
def two_clients(app):
    """A completed report for each of two clients."""
    host, _, _ = app
    made = {}
    for client, seed in (("acme", 61), ("globex", 62)):
        r = upload(host, to_csv(build_rows(30, seed=seed)), clientId=client,
                   title=f"{client} November", reportTypes="executive", formats="html")
        assert r.status_code == 202, r.text
        made[client] = wait_report(host, r.json()["reportId"])
    return made


def principal(*roles: str, claims: list[dict] | None = None, raw: object = None) -> dict:
    body = raw if raw is not None else {
        "auth_typ": "aad", "name_typ": "name", "role_typ": "roles",
        "claims": [{"typ": "roles", "val": r} for r in roles]
        + [{"typ": "name", "val": "ana@example.com"}] + (claims or [])}
    return {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(json.dumps(body).encode()).decode()}


def no_key_in(payload: object) -> bool:
    return "code=" not in json.dumps(payload)


# -- 1. status URLs ------------------------------------------------------------------------------


def test_signed_in_callers_get_the_apps_status_route_never_a_key(app, two_clients):
    host, _, _ = app
    contributor = principal("Reports.Contributor", claims=[{"typ": "clientId", "val": "acme"}])
    r = host.request("POST", "api/reports",
                     params={"clientId": "acme", "reportTypes": "executive", "formats": "html"},
                     files={"file": ("e.csv", to_csv(build_rows(10, seed=63)), "text/csv")},
                     headers=contributor)
    assert r.status_code == 202, r.text
    body = r.json()
    report_id = body["reportId"]
    assert no_key_in(body) and no_key_in(dict(r.headers))
    assert body["statusQueryGetUri"] == f"{host.base_url}/api/reports/{report_id}/status"
    assert r.headers["Location"] == body["statusQueryGetUri"]
    assert set(body) == {"id", "statusQueryGetUri", "reportId", "reportUrl"}

    reader = principal("Reports.Reader", claims=[{"typ": "clientId", "val": "acme"}])
    deadline = time.monotonic() + 60
    while True:
        status = host.request("GET", f"api/reports/{report_id}/status", headers=reader)
        if status.status_code == 200 or time.monotonic() > deadline:
            break
        assert status.status_code == 202 and status.headers["Retry-After"] == "5"
        assert status.json()["runtimeStatus"] in ("Pending", "Running")
        time.sleep(0.2)
    assert status.status_code == 200, status.text
    done = status.json()
    assert done["runtimeStatus"] == "Completed" and done["instanceId"] == report_id
    assert done["output"]["status"] == "completed" and done["createdTime"].endswith("Z")
    view = host.request("GET", f"api/reports/{report_id}", headers=reader).json()
    assert view["links"]["status"].endswith(f"/api/reports/{report_id}/status")
    assert no_key_in(view)
    other = principal("Reports.Reader", claims=[{"typ": "clientId", "val": "globex"}])
    assert host.request("GET", f"api/reports/{report_id}/status",
                        headers=other).status_code == 404


def test_key_callers_keep_the_durable_status_urls(app, two_clients):
    host, _, _ = app
    report_id = two_clients["acme"]["reportId"]
    view = host.request("GET", f"api/reports/{report_id}").json()
    assert "/runtime/webhooks/durabletask/instances/" in view["links"]["status"]


def test_a_job_pointing_outside_its_client_folder_is_refused_and_touches_nothing(
        app, two_clients):
    host, stored, names = app
    victim = two_clients["globex"]
    forged_id = "forged-" + uuid.uuid4().hex[:8]
    for job in (
        # another client's upload under a report id of the caller's own
        {"reportId": forged_id, "clientId": "acme", "uploadContainer": names.uploads,
         "uploadBlob": f"globex/{victim['reportId']}.csv", "reportTypes": ["executive"],
         "formats": ["html"], "shards": 16},
        # well formed, but no such report: the activity checks the stored row
        {"reportId": forged_id, "clientId": "globex", "uploadContainer": names.uploads,
         "uploadBlob": f"globex/{victim['reportId']}.csv", "reportTypes": ["executive"],
         "formats": ["html"], "shards": 16},
    ):
        instance = uuid.uuid4().hex
        r = requests.post(f"{host.base_url}/runtime/webhooks/durabletask/orchestrators/"
                          f"process_report/{instance}?code={host.system_key}",
                          json=json.dumps(job), timeout=10)
        assert r.status_code == 202, r.text
        status = host.wait_for_status(host.status_url(instance))
        assert status["runtimeStatus"] == "Failed"
        assert "Invalid input" in json.dumps(status["output"]) or \
            "not the one this report" in json.dumps(status["output"]) or \
            "no longer exists" in json.dumps(status["output"])
    assert stored.recommendation_keys(forged_id) == []
    assert stored.blob_names(names.reports, f"acme/{forged_id}") == []
    assert stored.blob_names(names.reports, f"globex/{forged_id}") == []


# -- 2, 3, 10. text, claims, 5xx -----------------------------------------------------------------


def test_lone_surrogates_are_refused_and_lists_keep_working(app, two_clients):
    host, _, _ = app
    report_id = two_clients["acme"]["reportId"]
    raw = '{"title": "\\ud800"}'
    r = host.request("PATCH", f"api/reports/{report_id}", data=raw,
                     headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidText"
    assert r.json()["error"]["target"] == "title"
    r = host.request("POST", "api/clients", data='{"name": "x\\udfff"}',
                     headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["target"] == "name"
    assert host.request("GET", "api/reports").status_code == 200
    assert host.request("GET", "api/clients").status_code == 200
    assert host.request("GET", f"api/reports/{report_id}").json()["title"] == "acme November"


@pytest.mark.parametrize("value", ["", " , "])
def test_an_empty_client_claim_sees_no_client(app, two_clients, value):
    host, _, _ = app
    reader = principal("Reports.Reader", claims=[{"typ": "clientId", "val": value}])
    assert host.request("GET", "api/reports", headers=reader).json()["count"] == 0
    report_id = two_clients["acme"]["reportId"]
    assert host.request("GET", f"api/reports/{report_id}", headers=reader).status_code == 404
    assert host.request("GET", "api/clients", headers=reader).json()["count"] == 0


def test_a_scoped_admin_creates_only_its_own_clients(app):
    host, _, _ = app
    admin = principal("Reports.Admin", claims=[{"typ": "clientId", "val": "initech"}])
    r = host.request("POST", "api/clients", json={"name": "Umbrella"}, headers=admin)
    assert r.status_code == 403 and "initech" in r.json()["error"]["message"]
    r = host.request("POST", "api/clients", json={"name": "Initech", "clientId": "initech"},
                     headers=admin)
    assert r.status_code == 201, r.text


@pytest.mark.parametrize("raw", [
    {"claims": "roles"}, {"claims": [1, 2]}, {"claims": [{"typ": 1, "val": "x"}]}, [1],
    {"claims": [], "role_typ": ["x"]},
])
def test_malformed_principals_are_401(app, raw):
    host, _, _ = app
    r = host.request("GET", "api/reports", headers=principal(raw=raw))
    assert r.status_code == 401 and r.json()["error"]["code"] == "InvalidPrincipal"


@pytest.mark.parametrize("query", [
    "createdFrom=9999-12-31T23:59:59-23:59", "createdTo=0001-01-01T00:00:00%2B14:00",
])
def test_dates_at_the_edge_of_the_calendar_are_400(app, query):
    host, _, _ = app
    r = host.request("GET", f"api/reports?{query}")
    assert r.status_code == 400, r.text


def test_a_deeply_nested_json_body_is_400(app, two_clients):
    host, _, _ = app
    body = "[" * 100_000 + "]" * 100_000
    r = host.request("PATCH", f"api/reports/{two_clients['acme']['reportId']}", data=body,
                     headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["error"]["code"] == "InvalidJson"


def test_an_html_report_goes_compressed_to_who_accepts_it(app, two_clients):
    host, _, _ = app
    report_id = two_clients["acme"]["reportId"]
    url = f"api/reports/{report_id}/artifacts/executive.html"
    listed = {(a["reportType"], a["format"]): a for a in
              host.request("GET", f"api/reports/{report_id}").json()["artifacts"]}
    packed = host.request("GET", url, headers={"Accept-Encoding": "gzip, deflate"},
                          stream=True)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert packed.headers["Vary"] == "Accept-Encoding"
    html = gzip.decompress(packed.raw.read(decode_content=False))
    assert html.startswith(b"<!doctype html>") and len(html) == \
        listed[("executive", "html")]["size"]  # the size listed is the file's, as saved
    plain = host.request("GET", url, headers={"Accept-Encoding": "identity"})
    assert "Content-Encoding" not in plain.headers and plain.content == html
    # Another representation, another tag; each is current for its own kind of caller.
    assert plain.headers["ETag"] != packed.headers["ETag"]
    for sent, accepting in ((plain, "identity"), (packed, "gzip")):
        again = host.request("GET", url, headers={"Accept-Encoding": accepting,
                                                  "If-None-Match": sent.headers["ETag"]})
        assert again.status_code == 304 and again.headers["ETag"] == sent.headers["ETag"]
    refused = host.request("GET", url, headers={"Accept-Encoding": "gzip;q=0, *"})
    assert "Content-Encoding" not in refused.headers and refused.content == html


def test_if_none_match_star_and_lists(app, two_clients):
    host, _, _ = app
    url = f"api/reports/{two_clients['acme']['reportId']}/artifacts/executive.html"
    first = host.request("GET", url)
    etag = first.headers["ETag"]
    assert host.request("GET", url, headers={"If-None-Match": "*"}).status_code == 304
    assert host.request("GET", url, headers={"If-None-Match": f'"x", {etag}'}).status_code \
        == 304
    assert host.request("GET", url, headers={"If-None-Match": '"x", "y"'}).status_code == 200
    # HEAD answers as GET does, without the body (the host serves HEAD on GET routes).
    head = host.request("HEAD", url)
    assert head.status_code == 200 and head.headers["ETag"] == etag and head.content == b""
    assert head.headers["Content-Length"] == first.headers["Content-Length"]


def test_the_durable_webhooks_answer_bad_requests_with_4xx(app):
    host, _, _ = app
    hook = f"{host.base_url}/runtime/webhooks/durabletask"
    key = {"code": host.system_key}
    r = requests.post(f"{hook}/orchestrators/process_report", params=key, data="{not json",
                      headers={"Content-Type": "application/json"}, timeout=10)
    assert r.status_code == 400
    r = requests.post(f"{hook}/orchestrators/process_report/x%2fy", params=key, json="{}",
                      timeout=10)
    assert r.status_code in (400, 404)
    assert requests.get(f"{hook}/instances/x%2fy", params=key, timeout=10).status_code == 404
    r = requests.get(f"{hook}/instances/", params={**key, "createdTimeFrom": "garbage"},
                     timeout=10)
    assert r.status_code == 200
    r = requests.delete(f"{hook}/instances/", params=key, timeout=10)
    assert r.status_code == 400  # purging by filter needs createdTimeFrom
    # The SDK's RPC endpoint needs the token only the app's binding knows: without it the
    # path is one of the web app's (which sends a caller without a session to sign in).
    r = requests.get(f"{host.base_url}/durabletask/instances/", timeout=10,
                     allow_redirects=False)
    assert r.status_code in (302, 404) and "instanceId" not in r.text


# -- 5. uploads ----------------------------------------------------------------------------------


def _raw_post(host, headers: dict[str, str], body: bytes, declared: int | None) -> tuple[int, str]:
    """POST by hand: declare a length and send only part of it, as a large upload would."""
    lines = ["POST /api/reports?clientId=acme HTTP/1.1", f"Host: 127.0.0.1:{host.port}",
             f"x-functions-key: {host.function_key}", "Content-Type: text/csv",
             *(f"{k}: {v}" for k, v in headers.items())]
    if declared is not None:
        lines.append(f"Content-Length: {declared}")
    with socket.create_connection(("127.0.0.1", host.port), timeout=20) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode() + body)
        answer = b""
        while b"\r\n\r\n" not in answer:
            chunk = sock.recv(65536)
            if not chunk:
                break
            answer += chunk
    status_line = answer.split(b"\r\n", 1)[0].decode()
    return int(status_line.split()[1]), answer.decode("latin-1")


def test_over_limit_uploads_are_refused_before_their_body_is_read(app):
    host, _, _ = app
    proc = psutil.Process(host.proc.pid)
    before = proc.memory_info().rss
    started = time.monotonic()
    with ThreadPoolExecutor(4) as pool:  # four at once, each declaring 200 MiB
        answers = list(pool.map(lambda _: _raw_post(host, {}, b"x" * 65536,
                                                     declared=200 * 1024 * 1024), range(4)))
    assert [status for status, _ in answers] == [413] * 4
    assert time.monotonic() - started < 10
    assert proc.memory_info().rss - before < 200 * 1024 * 1024


def test_a_chunked_body_over_the_limit_stops_at_the_limit(app):
    host, _, _ = app

    def chunks():
        for _ in range(BODY_LIMIT // (1024 * 1024) + 4):
            yield b"x" * 1024 * 1024

    r = host.request("POST", "api/reports", data=chunks(), headers={"Content-Type": "text/csv"})
    assert r.status_code == 413


def test_compressed_bodies_are_415_not_inflated(app):
    host, _, _ = app
    bomb = gzip.compress(b"Recommendation\n" + b"a\n" * 5_000_000)
    r = host.request("POST", "api/reports", data=bomb,
                     headers={"Content-Type": "text/csv", "Content-Encoding": "gzip"})
    assert r.status_code == 415 and r.json()["error"]["target"] == "Content-Encoding"


# -- 6, 7. deletes and terminations ---------------------------------------------------------------


def test_deleting_a_running_report_leaves_no_rows_or_blobs(app):
    host, stored, names = app
    r = upload(host, to_csv(build_rows(3000, seed=64)), clientId="acme")
    report_id = r.json()["reportId"]
    wait_until(lambda: len(stored.recommendation_keys(report_id)) > 0, timeout=60,
               what="rows being stored")
    assert host.request("DELETE", f"api/reports/{report_id}").status_code == 204
    # Activities already running (or queued) when the orchestration was terminated still
    # finish; each finds the report gone and removes what it wrote.
    wait_until(lambda: stored.recommendation_keys(report_id) == [], timeout=60,
               what="no rows left")
    time.sleep(2)
    assert stored.recommendation_keys(report_id) == []
    assert stored.blob_names(names.reports, f"acme/{report_id}") == []
    assert stored.blob_names(names.uploads, f"acme/{report_id}") == []
    assert not [e for e in stored.reports_rows() if e["RowKey"] == report_id]
    assert host.request("GET", f"api/reports/{report_id}").status_code == 404


def test_a_terminated_report_becomes_failed_and_can_be_retried(app):
    host, _, _ = app
    # 5,000 rows and all ten artifacts take seconds; the terminate follows the 202 at once.
    r = upload(host, to_csv(build_rows(5000, seed=65)), clientId="acme")
    report_id = r.json()["reportId"]
    t = requests.post(f"{host.base_url}/runtime/webhooks/durabletask/instances/{report_id}/"
                      f"terminate", params={"reason": "operator stop",
                                            "code": host.system_key}, timeout=10)
    assert t.status_code == 202, "the orchestration must still be running when terminated"
    report = wait_report(host, report_id, timeout=30)
    assert report["status"] == "failed"
    assert "terminated: operator stop" in report["failureReason"]
    retry = host.request("POST", f"api/reports/{report_id}/retry")
    assert retry.status_code == 202, retry.text
    assert wait_report(host, report_id)["status"] == "completed"


# -- 8. blob drops --------------------------------------------------------------------------------


def _drop(connection: str, container: str, name: str, data: bytes,
          metadata: dict[str, str] | None = None) -> None:
    BlobServiceClient.from_connection_string(connection).get_container_client(container) \
        .upload_blob(name, data, overwrite=True, metadata=metadata)


def _reports_of(host, client_id: str, count: int) -> list[dict]:
    found: list[dict] = []

    def enough() -> bool:
        found[:] = host.request("GET", f"api/reports?clientId={client_id}").json()["results"]
        return len(found) >= count and all(r["status"] in ("completed", "failed")
                                           for r in found)

    wait_until(enough, timeout=60, what=f"{count} finished report(s) of {client_id}")
    return found


def test_blob_metadata_names_are_matched_without_case(app, storage_connection):
    host, _, names = app
    client = "drop-" + uuid.uuid4().hex[:6]
    _drop(storage_connection, names.uploads, f"{client}/nov.csv", to_csv(build_rows(8)),
          {"Title": "Dropped November", "ReportTypes": "cost", "FORMATS": "html"})
    (report,) = _reports_of(host, client, 1)
    assert report["status"] == "completed" and report["title"] == "Dropped November"
    assert [(a["reportType"], a["format"]) for a in report["artifacts"]] == [("cost", "html")]


def test_bad_metadata_and_root_level_blobs_make_visible_failed_reports(app, storage_connection):
    host, _, names = app
    client = "drop-" + uuid.uuid4().hex[:6]
    _drop(storage_connection, names.uploads, f"{client}/bad.csv", to_csv(build_rows(5)),
          {"reportTypes": "summary"})
    (report,) = _reports_of(host, client, 1)
    assert report["status"] == "failed" and "summary" in report["failureReason"]
    root = f"root-{uuid.uuid4().hex[:6]}.csv"
    _drop(storage_connection, names.uploads, root, to_csv(build_rows(5)))

    def root_report() -> bool:
        rows = host.request("GET", "api/reports?clientId=default&pageSize=100").json()
        return any(r["fileName"] == root and r["status"] == "failed" for r in rows["results"])

    wait_until(root_report, timeout=60, what="a failed report for the root-level blob")
    rows = host.request("GET", "api/reports?clientId=default&pageSize=100").json()["results"]
    (refused,) = [r for r in rows if r["fileName"] == root]
    assert "client folder" in refused["failureReason"]
    r = host.request("POST", f"api/reports/{refused['reportId']}/retry")
    assert r.status_code == 409 and r.json()["error"]["code"] == "NotRetryable"


def test_each_drop_of_one_path_owns_its_upload(app, storage_connection):
    host, stored, names = app
    client = "drop-" + uuid.uuid4().hex[:6]
    for seed in (71, 72, 73):
        _drop(storage_connection, names.uploads, f"{client}/monthly.csv",
              to_csv(build_rows(6, seed=seed)), {"reportTypes": "executive", "formats": "html"})
        wait_until(lambda s=seed: len(host.request(
            "GET", f"api/reports?clientId={client}").json()["results"]) >= s - 70, timeout=60)
    reports = _reports_of(host, client, 3)
    assert all(r["status"] == "completed" for r in reports)
    oldest, newest = reports[-1], reports[0]
    assert host.request("DELETE", f"api/reports/{oldest['reportId']}").status_code == 204
    assert stored.blob_names(names.uploads, f"{client}/monthly.csv") == [f"{client}/monthly.csv"]
    r = host.request("POST", f"api/reports/{newest['reportId']}/render",
                     json={"reportTypes": ["executive"], "formats": ["html"]})
    assert r.status_code == 202
    assert wait_report(host, newest["reportId"])["status"] == "completed"
    assert f"{client}/{newest['reportId']}.csv" in stored.blob_names(names.uploads, client)
