"""The ingest pipeline end to end: upload or drop a CSV, the orchestration stores and renders it.

Real devhost, real Azurite, real HTTP: nothing is mocked.
"""

from __future__ import annotations

import json
import time
import uuid

import pytest
import requests

from shared.advisor.parse import parse_export
from shared.advisor.stats import compute_statistics
from tests.support.app import AppStorage, start_app, upload, wait_report
from tests.support.exports import (
    HEADER_13,
    HEADER_14,
    HEADER_17,
    HEADER_API,
    build_rows,
    to_csv,
)
from tests.support.waiting import wait_until

pytestmark = pytest.mark.timeout(240)
MAX_BYTES = 2_000_000


@pytest.fixture(scope="module")
def app(storage_connection, tmp_path_factory):
    host, names = start_app(storage_connection, tmp_path_factory.mktemp("app"),
                            MAX_UPLOAD_BYTES=str(MAX_BYTES))
    yield host, AppStorage(storage_connection, names)
    host.stop()


@pytest.mark.parametrize("header", [HEADER_17, HEADER_14, HEADER_13, HEADER_API],
                         ids=["17-columns", "14-columns", "13-columns", "api-flat"])
def test_each_layout_completes_with_exact_counts_and_statistics(app, header):
    host, stored = app
    data = to_csv(build_rows(150, seed=len(header)), header)
    expected = parse_export(data)
    r = upload(host, data, clientId="contoso", title="Layout check")
    assert r.status_code == 202, r.text
    body = r.json()
    assert r.headers["Location"] == body["statusQueryGetUri"]
    assert body["reportUrl"].endswith(f"/api/reports/{body['reportId']}")
    report = wait_report(host, body["reportId"])
    assert report["status"] == "completed", report
    assert report["counts"] == {"rowsTotal": 150, "rowsAccepted": expected.rows_accepted,
                                "rowsRejected": 0, "duplicates": 0}
    assert len(stored.recommendation_keys(body["reportId"])) == expected.rows_accepted
    stats = host.request("GET", "api/reports/" + body["reportId"]).json()
    assert stats["progress"]["percent"] == 100
    # The row says completed as the last activity ends; the orchestration ends just after.
    status = host.wait_for_status(body["statusQueryGetUri"])
    assert status["runtimeStatus"] == "Completed"
    assert status["customStatus"]["rowsStored"] == expected.rows_accepted
    assert status["customStatus"]["artifactsDone"] == 10
    statistics = stored.blobs.get_blob_client(
        stored.names.reports, f"contoso/{body['reportId']}/statistics.json").download_blob()
    assert json.loads(statistics.readall())["totals"] == \
        compute_statistics(expected.records)["totals"]
    assert len(report["artifacts"]) == 10
    for artifact in report["artifacts"]:
        got = requests.get(artifact["url"], headers={"x-functions-key": host.function_key},
                           timeout=30)
        assert got.status_code == 200 and len(got.content) == artifact["size"]
        # Only the HTML goes compressed (requests inflates it); the others are already.
        assert got.headers.get("Content-Encoding") == (
            "gzip" if artifact["format"] == "html" else None)
        assert got.headers["Content-Type"].startswith(artifact["contentType"].split(";")[0])


def test_artifact_download_headers_and_conditional_get(app):
    host, _ = app
    r = upload(host, to_csv(build_rows(40, seed=3)), title="Q4 review", reportTypes="executive",
               formats="pdf", clientId="zurich-" + uuid.uuid4().hex[:6], clientName="Zürich AG")
    report = wait_report(host, r.json()["reportId"])
    assert [(a["reportType"], a["format"]) for a in report["artifacts"]] == [
        ("executive", "pdf")]
    path = report["artifacts"][0]["url"].split("/", 3)[3]
    got = host.request("GET", path)
    assert got.content.startswith(b"%PDF")
    assert got.headers["Content-Type"] == "application/pdf"
    disposition = got.headers["Content-Disposition"]
    # The client's name, the report type and the review (the title); ASCII and UTF-8 forms.
    assert 'filename="Z_rich AG - Executive summary - Q4 review.pdf"' in disposition
    assert ("filename*=UTF-8''Z%C3%BCrich%20AG%20-%20Executive%20summary%20-%20Q4%20review.pdf"
            in disposition)
    again = host.request("GET", path, headers={"If-None-Match": got.headers["ETag"]})
    assert again.status_code == 304
    stale = host.request("GET", path, headers={"If-None-Match": '"0x0"'})
    assert stale.status_code == 200 and stale.content == got.content
    missing = host.request("GET", path.replace("executive.pdf", "cost.pdf"))
    assert missing.status_code == 404 and missing.json()["error"]["code"] == "NotFound"


@pytest.mark.parametrize("case", ["too-large", "empty", "media-type", "not-advisor",
                                  "bad-options", "no-file"])
def test_refused_uploads_get_4xx_and_store_nothing(app, case):
    host, stored = app
    before = (stored.blob_names(stored.names.uploads), len(stored.reports_rows()))
    good = to_csv(build_rows(5, seed=1))
    if case == "too-large":
        r = upload(host, good + b"x" * MAX_BYTES)
        expected = (413, "FileTooLarge")
    elif case == "empty":
        r = upload(host, b"")
        expected = (400, "EmptyFile")
    elif case == "media-type":
        r = host.request("POST", "api/reports", data=good,
                         headers={"Content-Type": "application/json"})
        expected = (415, "UnsupportedMediaType")
    elif case == "not-advisor":
        r = upload(host, b"name,age\nana,3\n", file_name="people.csv")
        expected = (422, "NotAdvisorExport")
    elif case == "bad-options":
        r = upload(host, good, reportTypes="executive,bogus", formats="docx",
                   clientId="Not A Slug")
        expected = (400, "InvalidRequest")
    else:
        r = host.request("POST", "api/reports", files={"other": ("a.csv", good, "text/csv")})
        expected = (400, "MissingFile")
    assert (r.status_code, r.json()["error"]["code"]) == expected, r.text
    assert r.headers["x-request-id"]
    if case == "bad-options":
        targets = {d["target"] for d in r.json()["error"]["details"]}
        assert targets == {"reportTypes", "formats", "clientId"}
    if case == "not-advisor":
        assert "people.csv" in r.json()["error"]["message"]
    assert (stored.blob_names(stored.names.uploads), len(stored.reports_rows())) == before


def test_raw_csv_body_is_accepted(app):
    host, _ = app
    r = host.request("POST", "api/reports", data=to_csv(build_rows(12, seed=4)),
                     params={"fileName": "raw.csv"}, headers={"Content-Type": "text/csv"})
    assert r.status_code == 202, r.text
    report = wait_report(host, r.json()["reportId"])
    assert report["status"] == "completed" and report["fileName"] == "raw.csv"


def test_file_refused_during_validation_fails_the_report_and_stores_no_rows(app):
    host, stored = app
    lines = to_csv(build_rows(10, seed=6)).decode("utf-8-sig").splitlines()
    broken = [lines[0]] + [line + ",surplus,fields" for line in lines[1:8]] + lines[8:]
    r = upload(host, "\r\n".join(broken).encode())
    assert r.status_code == 202
    report_id = r.json()["reportId"]
    report = wait_report(host, report_id)
    assert report["status"] == "failed"
    assert "more than half" in report["failureReason"]
    assert report["errors"][0]["line"] == 2 and report["errors"][0]["code"] == "WrongFieldCount"
    assert report["artifacts"] == []
    assert stored.recommendation_keys(report_id) == []
    status = host.wait_for_status(r.json()["statusQueryGetUri"])
    assert status["runtimeStatus"] == "Failed"
    assert "TooManyRejectedRows" in status["output"]


def test_rejected_rows_are_listed_with_line_numbers(app):
    host, stored = app
    lines = to_csv(build_rows(10, seed=7)).decode("utf-8-sig").splitlines()
    lines[3] += ",surplus"
    r = upload(host, "\r\n".join(lines).encode())
    report = wait_report(host, r.json()["reportId"])
    assert report["status"] == "completed"
    assert report["counts"]["rowsRejected"] == 1
    assert report["errors"] == [{"line": 4, "code": "WrongFieldCount", "message":
                                 "Line 4: expected 17 fields, found 18. A value that holds the "
                                 "delimiter probably lacks its quotes."}]
    assert len(stored.recommendation_keys(r.json()["reportId"])) == 9


def _reports_for(stored: AppStorage, file_name: str) -> list[dict]:
    return [r for r in stored.reports_rows() if r.get("fileName") == file_name]


def test_blob_drop_makes_one_report_per_blob_version(app):
    host, stored = app
    container = stored.blobs.get_container_client(stored.names.uploads)
    file_name = f"drop-{uuid.uuid4().hex[:6]}.csv"
    blob = f"fabrikam/monthly/{file_name}"
    container.upload_blob(blob, to_csv(build_rows(20, seed=8)),
                          metadata={"title": "Dropped export", "reportTypes": "executive"})
    wait_until(lambda: len(_reports_for(stored, file_name)) == 1)
    first = _reports_for(stored, file_name)[0]
    assert first["PartitionKey"] == "fabrikam" and first["title"] == "Dropped export"
    report = wait_report(host, first["RowKey"])
    assert report["status"] == "completed" and report["source"] == "blob"
    assert {a["reportType"] for a in report["artifacts"]} == {"executive"}
    host.restart()  # a rescan after a restart must not make a second report
    time.sleep(1.5)
    assert len(_reports_for(stored, file_name)) == 1
    container.upload_blob(blob, to_csv(build_rows(25, seed=9)), overwrite=True)
    wait_until(lambda: len(_reports_for(stored, file_name)) == 2)
    second = next(r for r in _reports_for(stored, file_name) if r["RowKey"] != first["RowKey"])
    assert wait_report(host, second["RowKey"])["counts"]["rowsAccepted"] == 25


def test_uploads_through_the_api_are_not_picked_up_again_by_the_blob_trigger(app):
    host, stored = app
    r = upload(host, to_csv(build_rows(8, seed=10)), clientId="northwind",
               reportTypes="executive", formats="html")
    wait_report(host, r.json()["reportId"])
    time.sleep(1.0)  # several blob polls
    rows = [e for e in stored.reports_rows() if e["PartitionKey"] == "northwind"]
    assert [e["RowKey"] for e in rows] == [r.json()["reportId"]]


def test_unknown_report_is_404(app):
    host, _ = app
    r = host.request("GET", "api/reports/nope")
    assert r.status_code == 404 and r.json()["error"]["code"] == "NotFound"
    assert host.request("GET", "api/reports/nope/artifacts/executive.pdf").status_code == 404


def test_killed_during_storing_resumes_with_exact_count_and_no_duplicates(
        storage_connection, tmp_path_factory):
    # One activity at a time, so shards are still waiting when the first has been stored and
    # the kill lands mid-storing (with ten slots all five shards could finish in between).
    host, names = start_app(
        storage_connection, tmp_path_factory.mktemp("kill"),
        AzureFunctionsJobHost__extensions__durableTask__maxConcurrentActivityFunctions="1")
    stored = AppStorage(storage_connection, names)
    try:
        data = to_csv(build_rows(12_000, seed=11))
        r = upload(host, data, reportTypes="executive", formats="html")
        assert r.status_code == 202
        report_id = r.json()["reportId"]
        status_url = r.json()["statusQueryGetUri"]
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            custom = requests.get(status_url, timeout=10).json().get("customStatus") or {}
            if custom.get("stage") == "storing" and 0 < custom.get("rowsStored", 0) < 12_000:
                break
            time.sleep(0.05)
        else:
            raise AssertionError("never saw the storing stage in progress")
        host.kill()
        partial = len(stored.recommendation_keys(report_id))
        assert partial < 12_000
        host.start()
        report = wait_report(host, report_id, timeout=180)
        assert report["status"] == "completed"
        keys = stored.recommendation_keys(report_id)
        assert len(keys) == len(set(keys)) == 12_000
    finally:
        host.stop()
