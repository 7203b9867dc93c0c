"""Share links and the audit log over real HTTP on the devhost."""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from azure.data.tables import TableServiceClient, UpdateMode
from azure.storage.blob import BlobServiceClient

from tests.e2e.test_robustness import principal
from tests.support.app import start_app, upload, wait_report
from tests.support.exports import CURRENT_SAMPLE

pytestmark = pytest.mark.timeout(300)
SAMPLE = CURRENT_SAMPLE
CONTRIBUTOR = principal("Reports.Contributor", "Reports.AllClients")
READER = principal("Reports.Reader", "Reports.AllClients")


@pytest.fixture(scope="module")
def app(storage_connection, tmp_path_factory):
    host, names = start_app(storage_connection, tmp_path_factory.mktemp("shares"))
    yield host, names, storage_connection
    host.stop()


@pytest.fixture(scope="module")
def report(app) -> dict:
    host = app[0]
    r = upload(host, SAMPLE, clientId="share-" + uuid.uuid4().hex[:6], formats="html,pdf",
               reportTypes="executive,cost")
    assert r.status_code == 202, r.text
    done = wait_report(host, r.json()["reportId"])
    assert done["status"] == "completed"
    return done


def share(host, report: dict, **body) -> dict:
    body.setdefault("artifacts", [{"type": "executive", "format": "pdf"}])
    r = host.request("POST", f"api/reports/{report['reportId']}/shares", json=body,
                     headers=CONTRIBUTOR)
    assert r.status_code == 201, r.text
    return r.json()


def path_of(url: str) -> str:
    return url.split("/", 3)[3]


def test_a_share_link_serves_without_a_key_and_counts_downloads(app, report):
    host = app[0]
    made = share(host, report, maxDownloads=2)
    assert made["state"] == "active" and made["downloads"] == 0
    link = path_of(made["url"])
    offered = host.request("GET", link, key=False)
    assert offered.status_code == 200, offered.text
    body = offered.json()
    assert body["downloadsLeft"] == 2 and [a["reportType"] + "." + a["format"]
                                           for a in body["artifacts"]] == ["executive.pdf"]
    first = host.request("GET", path_of(body["artifacts"][0]["url"]), key=False)
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    same = host.request("GET", path_of(body["artifacts"][0]["url"]), key=False,
                        headers={"If-None-Match": first.headers["ETag"]})
    assert same.status_code == 304  # not a download: does not count
    assert host.request("GET", link.replace("/shared/", "/shared/") + "/cost.pdf",
                        key=False).status_code == 404  # not shared
    assert host.request("GET", path_of(body["artifacts"][0]["url"]), key=False) \
        .status_code == 200
    used_up = host.request("GET", path_of(body["artifacts"][0]["url"]), key=False)
    assert used_up.status_code == 410 and "2 download" in used_up.json()["error"]["message"]
    listed = host.request("GET", f"api/reports/{report['reportId']}/shares").json()["results"]
    mine = next(s for s in listed if s["shareId"] == made["shareId"])
    assert mine["downloads"] == 2 and mine["state"] == "exhausted"
    assert link.rsplit("/", 1)[-1] not in str(listed)  # the token is never shown again


def test_revoked_expired_and_unknown_links(app, report):
    host, names, connection = app
    tables = TableServiceClient.from_connection_string(connection)
    revoked = share(host, report)
    assert host.request("DELETE", f"api/reports/{report['reportId']}/shares/"
                        f"{revoked['shareId']}", headers=CONTRIBUTOR).status_code == 204
    assert host.request("GET", path_of(revoked["url"]), key=False).status_code == 410
    expiring = share(host, report, expiresInHours=1)
    # The clock, moved on: the link's expiry put in the past.
    tables.get_table_client(names.shares_table).update_entity(
        {"PartitionKey": report["reportId"], "RowKey": expiring["shareId"],
         "expiresAt": (datetime.now(UTC) - timedelta(minutes=1)).strftime(
             "%Y-%m-%dT%H:%M:%SZ")}, mode=UpdateMode.MERGE)
    gone = host.request("GET", path_of(expiring["url"]), key=False)
    assert gone.status_code == 410 and "expired" in gone.json()["error"]["message"]
    assert host.request("GET", "api/shared/" + "A" * 43, key=False).status_code == 404
    r = host.request("POST", f"api/reports/{report['reportId']}/shares", headers=CONTRIBUTOR,
                     json={"artifacts": [{"type": "detailed", "format": "pdf"}]})
    assert r.status_code == 400 and r.json()["error"]["code"] == "UnknownArtifact"
    assert host.request("POST", f"api/reports/{report['reportId']}/shares", headers=READER,
                        json={"artifacts": [{"type": "cost", "format": "pdf"}]}) \
        .status_code == 403


def test_a_deleted_reports_links_answer_404(app):
    host = app[0]
    r = upload(host, SAMPLE, clientId="share-del", formats="html", reportTypes="executive")
    done = wait_report(host, r.json()["reportId"])
    made = share(host, done, artifacts=[{"type": "executive", "format": "html"}])
    assert host.request("DELETE", f"api/reports/{done['reportId']}").status_code == 204
    assert host.request("GET", path_of(made["url"]), key=False).status_code == 404


def audit(host, **params) -> list[dict]:
    r = host.request("GET", "api/audit", params={"pageSize": 100, **params})
    assert r.status_code == 200, r.text
    return r.json()["results"]


def test_audit_names_actor_action_targets_request_and_outcome(app, report):
    host = app[0]
    rid = "audit-" + uuid.uuid4().hex[:8]
    headers = {**CONTRIBUTOR, "x-request-id": rid}
    assert host.request("PATCH", f"api/reports/{report['reportId']}", headers=headers,
                        json={"title": "Audited title"}).status_code == 200
    entry = next(e for e in audit(host) if e["requestId"] == rid)
    assert entry["action"] == "updateReport" and entry["outcome"] == "succeeded"
    assert entry["actor"]["name"] == "ana@example.com"
    assert entry["targets"]["reportId"] == report["reportId"]
    assert entry["clientId"] == report["clientId"]
    # A failure after auth is recorded; a refusal at auth is not.
    failed_rid, refused_rid = "audit-f-" + uuid.uuid4().hex[:6], "audit-r-" + uuid.uuid4().hex[:6]
    assert host.request("PATCH", f"api/reports/{report['reportId']}", json={"title": ""},
                        headers={**CONTRIBUTOR, "x-request-id": failed_rid}).status_code == 400
    assert host.request("DELETE", f"api/reports/{report['reportId']}",
                        headers={**READER, "x-request-id": refused_rid}).status_code == 403
    entries = audit(host, clientId=report["clientId"])
    failed = next(e for e in entries if e["requestId"] == failed_rid)
    assert failed["outcome"] == "failed" and failed["status"] == 400
    assert all(e["requestId"] != refused_rid for e in entries)
    # Reads are not state changes.
    assert all(e["action"] != "getReport" for e in entries)
    assert host.request("GET", "api/audit", headers=READER).status_code == 403


def test_audit_records_uploads_drops_clients_branding_exclusions_and_shares(app, report):
    host, names, connection = app
    client = "aud-" + uuid.uuid4().hex[:6]
    assert host.request("POST", "api/clients", json={"name": "Audit Ltd",
                                                     "clientId": client}).status_code == 201
    assert host.request("PATCH", f"api/clients/{client}", json={"notes": "x"}).status_code == 200
    assert host.request("PATCH", "api/branding", json={"contact": "c"}).status_code == 200
    rule = host.request("POST", f"api/clients/{client}/exclusions", json={
        "all": True, "reason": "test", "kind": "accepted-risk"})
    assert rule.status_code == 201
    up = upload(host, SAMPLE, clientId=client, formats="html", reportTypes="executive")
    done = wait_report(host, up.json()["reportId"])
    made = share(host, done, artifacts=[{"type": "executive", "format": "html"}])
    token = made["url"].rsplit("/", 1)[-1]
    assert host.request("GET", path_of(made["url"]) + "/executive.html", key=False) \
        .status_code == 200
    # A blob drop, written straight into the uploads container.
    blobs = BlobServiceClient.from_connection_string(connection)
    blobs.get_blob_client(names.uploads, f"{client}/dropped.csv").upload_blob(SAMPLE)
    deadline = datetime.now(UTC) + timedelta(seconds=60)
    while datetime.now(UTC) < deadline:
        entries = audit(host, clientId=client)
        if any(e["action"] == "blobDrop" for e in entries):
            break
        time.sleep(0.5)
    actions = {e["action"] for e in entries}
    assert {"createClient", "updateClient", "createExclusion", "uploadReport", "createShare",
            "downloadShared", "blobDrop"} <= actions, actions
    assert "updatePartner" in {e["action"] for e in audit(host, action="updatePartner")}
    used = next(e for e in entries if e["action"] == "downloadShared")
    assert used["actor"]["name"] == "share link" and used["targets"]["shareId"] == \
        made["shareId"]
    assert token not in str(audit(host))
    assert all(e["actor"]["name"] == "function key" for e in entries
               if e["action"] == "createClient")
