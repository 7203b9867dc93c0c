"""The page a client opens from a share link, over real HTTP on the devhost (issue 32, item 5):
branded, self-contained, escaped, strict headers; JSON unchanged for scripts; pages for links
that no longer work that name neither the client nor the report; only files count."""

from __future__ import annotations

import base64
import hashlib
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from azure.data.tables import TableServiceClient, UpdateMode

from tests.support.app import start_app, upload, wait_report
from tests.support.exports import CURRENT_SAMPLE

pytestmark = pytest.mark.timeout(300)
SAMPLES = Path(__file__).resolve().parents[2] / "samples"
# What Chromium sends when a person opens a link.
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,"
                     "image/webp,image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7"}
JSON = {"Accept": "application/json"}
HOSTILE = '<script>alert("x")</script> & Sons'


@pytest.fixture(scope="module")
def app(storage_connection, tmp_path_factory):
    host, names = start_app(storage_connection, tmp_path_factory.mktemp("share-page"))
    yield host, names, storage_connection
    host.stop()


@pytest.fixture(scope="module")
def report(app) -> dict:
    """A client whose name holds markup, with a logo and an accent; the partner's brand."""
    host = app[0]
    client = "page-" + uuid.uuid4().hex[:6]
    assert host.request("POST", "api/clients", json={
        "clientId": client, "name": HOSTILE, "accentColor": "#6b2fa0"}).status_code == 201
    assert host.request("PUT", f"api/clients/{client}/logo", headers={
        "Content-Type": "image/png"}, data=(SAMPLES / "logo-contoso.png").read_bytes()
    ).status_code == 200
    assert host.request("PATCH", "api/branding", json={
        "name": "Northwind Cloud Advisory", "contact": "jane@northwind.example"}
    ).status_code == 200
    assert host.request("PUT", "api/branding/logo", headers={"Content-Type": "image/jpeg"},
                        data=(SAMPLES / "logo-partner.jpg").read_bytes()).status_code == 200
    r = upload(host, CURRENT_SAMPLE, clientId=client, title="December <b>2026</b> review",
               formats="html,pdf", reportTypes="executive,cost")
    assert r.status_code == 202, r.text
    done = wait_report(host, r.json()["reportId"])
    assert done["status"] == "completed"
    return done


def share(host, report: dict, **body) -> tuple[str, str]:
    """A new link's path (api/shared/<token>) and its share id."""
    body.setdefault("artifacts", [{"type": "executive", "format": "pdf"},
                                  {"type": "cost", "format": "pdf"},
                                  {"type": "executive", "format": "html"}])
    r = host.request("POST", f"api/reports/{report['reportId']}/shares", json=body)
    assert r.status_code == 201, r.text
    return r.json()["url"].split("/", 3)[3], r.json()["shareId"]


def downloads_of(host, report: dict, share_id: str) -> int:
    listed = host.request("GET", f"api/reports/{report['reportId']}/shares").json()["results"]
    return next(s["downloads"] for s in listed if s["shareId"] == share_id)


def check_page_headers(r) -> None:
    """No script at all; the one inline style allowed by its hash; images only as data:."""
    assert r.headers["Content-Type"] == "text/html; charset=utf-8"
    csp = r.headers["Content-Security-Policy"]
    style = re.search(r"<style>(.*?)</style>", r.text, re.S).group(1)
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert csp == (f"default-src 'none'; style-src 'sha256-{digest}'; img-src data:; "
                   "frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert r.headers["Referrer-Policy"] == "no-referrer"  # the token is in the URL
    assert r.headers["Cache-Control"] == "no-store"
    assert r.headers["Vary"] == "Accept"
    assert "<script" not in r.text.lower()
    # Nothing loaded from anywhere: every src is a data: URI, every link a file of this link.
    for attribute, value in re.findall(r'\b(src|href)="([^"]*)"', r.text):
        assert value.startswith("data:") or (attribute == "href" and value.startswith(
            "/api/shared/")), (attribute, value)


def test_a_browser_gets_the_branded_page(app, report):
    host = app[0]
    link, _ = share(host, report, maxDownloads=3, expiresInHours=48)
    r = host.request("GET", link, key=False, headers=BROWSER)
    assert r.status_code == 200, r.text
    check_page_headers(r)
    page = r.text
    # The client's name and the title escaped, never markup.
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; Sons" in page
    assert "December &lt;b&gt;2026&lt;/b&gt; review" in page and "<b>" not in page
    assert "Northwind Cloud Advisory" in page and "jane@northwind.example" in page
    # Both logos inline, the client's accent in the style.
    assert page.count('src="data:image/png;base64,') == 1
    assert page.count('src="data:image/jpeg;base64,') == 1
    assert ":root{--accent:#6b2fa0}" in page
    # The facts: the export's date, the expiry, the downloads left.
    assert "18 November 2026" in page and "in 2 days" in page
    assert re.search(r"3 of 3", page)
    # A button per file, with its size, grouped by report, PDF first.
    token = link.rsplit("/", 1)[-1]
    hrefs = re.findall(r'<a class="button[^"]*" href="([^"]+)">', page)
    assert hrefs == [f"/api/shared/{token}/executive.pdf", f"/api/shared/{token}/executive.html",
                     f"/api/shared/{token}/cost.pdf"]
    sizes = {(a["reportType"], a["format"]): a["size"] for a in report["artifacts"]}
    assert f"{sizes[('cost', 'pdf')] / 1024:,.1f} KB" in page
    assert "Download PDF" in page and "Download Web page" in page


def test_json_is_unchanged_for_scripts(app, report):
    host = app[0]
    link, _ = share(host, report, maxDownloads=2)
    for headers in (JSON, {"Accept": "*/*"}, {}, {"Accept": "application/json, text/html"}):
        r = host.request("GET", link, key=False, headers=headers)
        assert r.status_code == 200 and r.headers["Content-Type"].startswith(
            "application/json"), headers
        body = r.json()
        assert set(body) == {"title", "client", "exportDate", "expiresAt", "downloadsLeft",
                             "artifacts"}
        assert body["client"] == HOSTILE and body["downloadsLeft"] == 2
        assert [set(a) for a in body["artifacts"]] == [{"reportType", "format", "url"}] * 3


def test_only_files_count_as_downloads_not_the_page_nor_head(app, report):
    host = app[0]
    link, share_id = share(host, report, maxDownloads=2)
    for _ in range(3):
        assert host.request("GET", link, key=False, headers=BROWSER).status_code == 200
        assert host.request("HEAD", link, key=False, headers=BROWSER).status_code == 200
        assert host.request("HEAD", f"{link}/executive.pdf", key=False,
                            headers=BROWSER).status_code == 200
    assert downloads_of(host, report, share_id) == 0
    got = host.request("GET", f"{link}/executive.pdf", key=False, headers=BROWSER)
    assert got.status_code == 200 and got.content.startswith(b"%PDF")
    assert downloads_of(host, report, share_id) == 1
    assert "1 of 2" in host.request("GET", link, key=False, headers=BROWSER).text


def _refused(r, status: int, heading: str) -> None:
    assert r.status_code == status, r.text
    check_page_headers(r)
    assert f"<h1>{heading}</h1>" in r.text
    # Nothing of the report: neither the client, nor the title, nor a file.
    for secret in ("Sons", "alert", "December", "Executive", "/api/shared/"):
        assert secret not in r.text, secret
    assert "Ask Northwind Cloud Advisory for a new link" in r.text


def test_links_that_no_longer_work_say_why_and_reveal_nothing(app, report):
    host, names, connection = app
    # Used up: the page says so, as does a download button clicked afterwards.
    used, _ = share(host, report, maxDownloads=1)
    assert host.request("GET", f"{used}/cost.pdf", key=False).status_code == 200
    _refused(host.request("GET", used, key=False, headers=BROWSER), 410,
             "This link has been used up")
    _refused(host.request("GET", f"{used}/executive.pdf", key=False, headers=BROWSER), 410,
             "This link has been used up")
    # Revoked.
    revoked, share_id = share(host, report)
    assert host.request("DELETE", f"api/reports/{report['reportId']}/shares/{share_id}"
                        ).status_code == 204
    _refused(host.request("GET", revoked, key=False, headers=BROWSER), 410,
             "This link was revoked")
    # Expired: its expiry moved into the past, as the clock would.
    expired, share_id = share(host, report)
    TableServiceClient.from_connection_string(connection).get_table_client(
        names.shares_table).update_entity(
        {"PartitionKey": report["reportId"], "RowKey": share_id,
         "expiresAt": (datetime.now(UTC) - timedelta(minutes=1)).strftime(
             "%Y-%m-%dT%H:%M:%SZ")}, mode=UpdateMode.MERGE)
    _refused(host.request("GET", expired, key=False, headers=BROWSER), 410,
             "This link has expired")
    # Unknown.
    _refused(host.request("GET", "api/shared/" + "A" * 43, key=False, headers=BROWSER), 404,
             "This link does not work")
    # Scripts still get the JSON error, with the same statuses.
    for path, status in ((used, 410), (revoked, 410), (expired, 410),
                         ("api/shared/" + "A" * 43, 404)):
        r = host.request("GET", path, key=False, headers=JSON)
        assert r.status_code == status and r.json()["error"]["code"] in ("ShareGone",
                                                                         "NotFound")
    assert "expired" in host.request("GET", expired, key=False).json()["error"]["message"]
