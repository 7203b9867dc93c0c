"""The share page as a client's CFO opens it, in Chromium: accessible (axe-core), no horizontal
scroll on a laptop or a phone, nothing loaded but the page, no style or script refused by its
CSP, and a download button that downloads (issue 32, item 5)."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from playwright.sync_api import Page

from tests.browser.conftest import axe_violations
from tests.support.app import upload, wait_report
from tests.support.exports import CURRENT_SAMPLE

SAMPLES = Path(__file__).resolve().parents[2] / "samples"


@pytest.fixture(scope="module")
def links(web) -> dict[str, str]:
    """A branded client's report shared twice: a link that works and one revoked."""
    client = "cfo-" + uuid.uuid4().hex[:6]
    assert web.request("POST", "api/clients", json={
        "clientId": client, "name": "Contoso Ltd", "accentColor": "#6b2fa0"}).status_code == 201
    web.request("PUT", f"api/clients/{client}/logo", headers={"Content-Type": "image/png"},
                data=(SAMPLES / "logo-contoso.png").read_bytes())
    web.request("PATCH", "api/branding", json={"name": "Northwind Cloud Advisory"})
    web.request("PUT", "api/branding/logo", headers={"Content-Type": "image/jpeg"},
                data=(SAMPLES / "logo-partner.jpg").read_bytes())
    report = wait_report(web, upload(web, CURRENT_SAMPLE, clientId=client,
                                     title="December 2026 review").json()["reportId"])
    made = []
    for _ in range(2):
        r = web.request("POST", f"api/reports/{report['reportId']}/shares", json={
            "artifacts": [{"type": t, "format": f} for t in ("executive", "cost")
                          for f in ("pdf", "html")], "maxDownloads": 5})
        assert r.status_code == 201, r.text
        made.append(r.json())
    # The second one revoked: the page a link that no longer works gets.
    assert web.request("DELETE", f"api/reports/{report['reportId']}/shares/"
                                 f"{made[1]['shareId']}").status_code == 204
    return {"open": made[0]["url"], "revoked": made[1]["url"], "report": report["reportId"]}


def _open(page: Page, url: str) -> tuple[int, list[str], list[str]]:
    """Open `url`: its status, every request the page made, and the console's complaints."""
    requests, complaints = [], []
    page.on("request", lambda r: requests.append(r.url))
    # (The 410 of a link that no longer works is reported too: it is the document's own.)
    page.on("console", lambda m: complaints.append(m.text) if m.type in ("error", "warning")
            and "status of 410" not in m.text else None)
    response = page.goto(url)
    page.wait_for_load_state("networkidle")
    return response.status, requests, complaints


@pytest.mark.parametrize("width", [1280, 375])
def test_the_page_is_accessible_fits_and_loads_nothing_else(links, new_page, width):
    for kind, status in (("open", 200), ("revoked", 410)):
        page = new_page(width=width, height=800)
        got, requests, complaints = _open(page, links[kind])
        assert got == status
        assert requests == [links[kind]], requests  # no style, image, font or icon fetched
        assert complaints == [], complaints  # nothing refused by the CSP
        assert axe_violations(page) == []
        assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_download_button_downloads_and_the_page_counts_it(links, new_page, tmp_path):
    page = new_page()
    page.goto(links["open"])
    assert page.get_by_text("5 of 5").is_visible()
    with page.expect_download() as pending:
        page.get_by_role("link", name="Cost optimisation: Download PDF").click()
    saved = tmp_path / pending.value.suggested_filename
    pending.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")
    assert saved.name == "Contoso Ltd - Cost optimisation - December 2026 review.pdf"
    page.reload()
    assert page.get_by_text("4 of 5").is_visible()


def test_a_button_clicked_after_the_link_is_used_up_shows_why(web, links, new_page):
    report_id = links["report"]
    r = web.request("POST", f"api/reports/{report_id}/shares", json={
        "artifacts": [{"type": "executive", "format": f} for f in ("pdf", "html")],
        "maxDownloads": 1})
    page = new_page()
    page.goto(r.json()["url"])
    with page.expect_download():
        page.get_by_role("link", name="Executive summary: Download PDF").click()
    # The page still offers the other file; its button now leads to the reason, not to a
    # failed download.
    page.get_by_role("link", name="Executive summary: Download Web page").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", name="This link has been used up").is_visible()
    assert "Contoso" not in page.content()
