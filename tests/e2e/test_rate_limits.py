"""Rate limits over real HTTP: a burst past the upload limit, the next window, two devhost
processes on one Azurite sharing a limit, limited blob drops and the CLI's patience."""

from __future__ import annotations

import base64
import json
import time
import uuid

import pytest
from azure.storage.blob import BlobServiceClient

from advisor_cli.__main__ import main
from tests.support.app import start_app, upload, wait_report
from tests.support.exports import build_rows, to_csv

pytestmark = pytest.mark.timeout(300)
WINDOW = 4
SMALL = to_csv(build_rows(10, seed=71))


def person(object_id: str) -> dict[str, str]:
    body = {"auth_typ": "aad", "claims": [{"typ": "roles", "val": "Reports.Contributor"},
                                          {"typ": "roles", "val": "Reports.AllClients"},
                                          {"typ": "name", "val": "ana@example.com"}]}
    return {"X-MS-CLIENT-PRINCIPAL": base64.b64encode(json.dumps(body).encode()).decode(),
            "X-MS-CLIENT-PRINCIPAL-ID": object_id}


@pytest.fixture(scope="module")
def limited(storage_connection, tmp_path_factory):
    """Two devhost processes sharing one RateLimits table: 3 uploads and 5 reads a window."""
    table = "Limits" + uuid.uuid4().hex[:8]
    env = {"RATE_LIMIT_UPLOADS": "3", "RATE_LIMIT_READS": "5", "RATE_LIMIT_DROPS": "2",
           "RATE_LIMIT_WINDOW_SECONDS": str(WINDOW), "RATE_LIMITS_TABLE": table}
    first, names = start_app(storage_connection, tmp_path_factory.mktemp("limit1"), **env)
    second, _ = start_app(storage_connection, tmp_path_factory.mktemp("limit2"), **env)
    yield first, second, names, storage_connection
    first.stop()
    second.stop()


def read(host, path: str, **kwargs) -> dict:
    """A GET within this fixture's 5 reads a window: over it, wait as Retry-After says."""
    for _ in range(5):
        r = host.request("GET", path, **kwargs)
        if r.status_code != 429:
            return r.json()
        time.sleep(float(r.headers["Retry-After"]))
    raise AssertionError(f"{path} stayed rate limited")


def window_start() -> None:
    """Wait for a fresh window, so a burst never straddles two."""
    time.sleep(WINDOW - time.time() % WINDOW + 0.05)


def test_a_burst_past_the_upload_limit_gets_429_and_the_next_window_succeeds(limited):
    host = limited[0]
    who = person("oid-" + uuid.uuid4().hex[:8])
    window_start()
    answers = [upload(host, SMALL, headers=who, clientId="limits", formats="html",
                      reportTypes="executive") for _ in range(4)]
    assert [a.status_code for a in answers] == [202, 202, 202, 429]
    refused = answers[-1]
    assert refused.json()["error"]["code"] == "TooManyRequests"
    wait = int(refused.headers["Retry-After"])
    assert 1 <= wait <= WINDOW
    time.sleep(wait)
    again = upload(host, SMALL, headers=who, clientId="limits", formats="html",
                   reportTypes="executive")
    assert again.status_code == 202, again.text
    for answer in (*answers[:3], again):
        assert wait_report(host, answer.json()["reportId"])["status"] == "completed"


def test_two_processes_share_one_limit(limited):
    first, second = limited[0], limited[1]
    who = person("oid-" + uuid.uuid4().hex[:8])
    window_start()
    codes = [(first if i % 2 else second).request("GET", "api/reports",
                                                  headers=dict(who)).status_code
             for i in range(7)]
    assert codes == [200] * 5 + [429, 429]


def test_drops_over_the_limit_become_failed_reports_and_keep_the_blob(limited):
    first, _, names, connection = limited
    client = "drops-" + uuid.uuid4().hex[:6]
    container = BlobServiceClient.from_connection_string(connection).get_container_client(
        names.uploads)
    window_start()
    for i in range(3):
        container.upload_blob(f"{client}/export-{i}.csv", SMALL)
    deadline = time.monotonic() + 60
    reports: list[dict] = []
    while time.monotonic() < deadline:
        reports = read(first, "api/reports", params={"clientId": client}).get("results", [])
        if len(reports) == 3 and all(r["status"] in ("completed", "failed") for r in reports):
            break
        time.sleep(0.5)
    failed = [r for r in reports if r["status"] == "failed"]
    assert len(reports) == 3 and len(failed) == 1, reports
    detail = read(first, f"api/reports/{failed[0]['reportId']}")
    assert "received more than 2 files" in detail["failureReason"]
    assert f"{client}/{failed[0]['fileName']}" in [b.name for b in container.list_blobs(
        name_starts_with=client)]


def test_the_cli_waits_when_rate_limited(limited, tmp_path, capsys):
    host = limited[0]
    key = ["--url", host.base_url, "--key", host.function_key]
    window_start()
    for _ in range(5):  # use up this key's reads in this window
        host.request("GET", "api/clients")
    started = time.monotonic()
    assert main([*key, "list"]) == 0
    err = capsys.readouterr().err
    assert "rate limited by the server: waiting" in err
    assert time.monotonic() - started >= 1
