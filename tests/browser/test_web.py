"""A consultant's day in the web app, in Chromium: sign in, create a client, upload, watch,
read, download, exclude, share, sign out; and what others may not do."""

from __future__ import annotations

import re
import uuid
from pathlib import Path

import requests
from playwright.sync_api import Page, expect

from tests.browser.conftest import axe_violations, sign_in
from tests.support.app import start_app, upload, wait_report
from tests.support.exports import sample_export

ROOT = Path(__file__).resolve().parents[2]
SAMPLE = ROOT / "samples" / "advisor-export-sample.csv"


def _client_id() -> str:
    return "c" + uuid.uuid4().hex[:10]


def _create_client(page: Page, name: str, client_id: str) -> None:
    page.get_by_label("Name", exact=True).fill(name)
    page.get_by_label("Id").fill(client_id)
    page.get_by_role("button", name="Create client").click()
    page.wait_for_url(re.compile(f"/clients/{client_id}"))


def _upload_and_wait(page: Page, path: Path, title: str) -> str:
    """Upload on the client page and follow the live progress to the report page."""
    page.get_by_label("Export file (CSV)").set_input_files(str(path))
    page.get_by_label("Title").fill(title)
    page.get_by_role("button", name="Upload and process").click()
    expect(page.locator("[data-progress]")).to_be_visible()
    page.wait_for_url(re.compile(r"/reports/[A-Za-z0-9-]+$"), timeout=90_000)
    return page.url.rsplit("/", 1)[1]


def test_sign_in_upload_watch_read_download_exclude_share_sign_out(web, new_page, tmp_path):
    page = new_page()
    sign_in(page, web.base_url, "ana@partner.example")
    expect(page.get_by_role("heading", name="Clients")).to_be_visible()
    client_id = _client_id()
    _create_client(page, "Contoso Ltd", client_id)
    expect(page.get_by_role("heading", name="Contoso Ltd")).to_be_visible()

    report_id = _upload_and_wait(page, SAMPLE, "December review")
    expect(page.get_by_role("heading", name=re.compile("December review"))).to_be_visible()
    stats = web.request("GET", f"api/reports/{report_id}/statistics").json()["totals"]
    cards = page.locator(".card .figure")
    assert cards.nth(0).inner_text() == f"{stats['recommendations']:,}"
    assert cards.nth(1).inner_text() == f"{stats['highImpact']:,}"
    assert page.get_by_text("This is the client's first report").is_visible()

    with page.expect_download() as pending:
        page.get_by_role("link", name="PDF of the Executive summary").click()
    saved = tmp_path / pending.value.suggested_filename
    pending.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF") and saved.name.endswith(".pdf")

    # the recommendations browser: filtered on the server, a page at a time
    page.get_by_label("Category").select_option("Cost")
    page.get_by_role("button", name="Filter").click()
    cost = web.request("GET", f"api/reports/{report_id}/recommendations",
                       params={"category": "Cost"}).json()["count"]
    expect(page.get_by_text(f"{cost} recommendations match")).to_be_visible()
    with page.expect_download() as pending:
        page.get_by_role("link", name="Download these as CSV").click()
    lines = Path(pending.value.path()).read_text(encoding="utf-8-sig").splitlines()
    assert lines[0].startswith("recommendation,category") and len(lines) == cost + 1
    assert all(",Cost," in line for line in lines[1:])

    page.goto(f"{web.base_url}/clients/{client_id}")
    page.get_by_text("Add an exclusion").click()
    page.get_by_label("Value").fill("Delete unattached managed disks")
    page.get_by_label("Reason").fill("Kept for the quarterly restore test")
    page.get_by_role("button", name="Add exclusion").click()
    expect(page.get_by_text("Exclusion rule added")).to_be_visible()
    rules = web.request("GET", f"api/clients/{client_id}/exclusions").json()["results"]
    assert [r["recommendation"] for r in rules] == ["Delete unattached managed disks"]

    page.goto(f"{web.base_url}/reports/{report_id}")
    page.get_by_role("button", name="Create share link").click()
    link = page.get_by_label("Share link").input_value()
    assert "/api/shared/" in link
    shared = requests.get(link, headers={"Accept": "application/json"}, timeout=10)
    assert shared.status_code == 200 and shared.json()["artifacts"]

    page.get_by_role("link", name="Back to the report").click()
    page.get_by_role("link", name="Sign out").click()
    page.goto(web.base_url + "/")
    assert "/.auth/login/aad" in page.url


def test_a_reader_sees_no_upload_and_a_forged_post_is_refused(web, new_page):
    client_id = _client_id()
    assert web.request("POST", "api/clients", json={"name": "Fabrikam", "clientId": client_id}
                       ).status_code == 201
    page = new_page()
    sign_in(page, web.base_url, "rae@partner.example", roles="Reports.Reader, Reports.AllClients",
            start=f"/clients/{client_id}")
    expect(page.get_by_role("heading", name="Fabrikam")).to_be_visible()
    assert page.get_by_role("button", name="Upload and process").count() == 0
    assert page.get_by_text("Add an exclusion").count() == 0
    # The same post the form would send, with the page's own token: the server refuses it.
    status = page.evaluate("""async (url) => {
        const body = new FormData();
        body.append("file", new Blob(["a,b\\n"], {type: "text/csv"}), "x.csv");
        const token = document.querySelector('meta[name="csrf-token"]').content;
        const headers = {"X-CSRF-Token": token, "Accept": "application/json"};
        const r = await fetch(url, {method: "POST", body, headers});
        return r.status; }""", f"/clients/{client_id}/upload")
    assert status == 403


def test_a_client_scoped_user_never_sees_another_client(web, new_page):
    mine, theirs = _client_id(), _client_id()
    for client_id, name in ((mine, "Northwind"), (theirs, "Tailspin")):
        assert web.request("POST", "api/clients", json={"name": name, "clientId": client_id}
                           ).status_code == 201
    report = upload(web, sample_export(20), clientId=theirs).json()["reportId"]
    wait_report(web, report)
    page = new_page()
    sign_in(page, web.base_url, "sam@client.example", roles="Reports.Reader",
            claims=[{"typ": "clientIds", "val": mine}])
    expect(page.get_by_role("link", name="Northwind")).to_be_visible()
    assert page.get_by_text("Tailspin").count() == 0
    for path in (f"/clients/{theirs}", f"/reports/{report}",
                 f"/reports/{report}/files/executive.pdf"):
        response = page.goto(web.base_url + path)
        assert response.status == 404, path
        assert "Tailspin" not in page.content()


def test_a_bad_export_shows_the_servers_line_and_column(web, new_page, tmp_path):
    bad = tmp_path / "not-advisor.csv"
    bad.write_text("Name,Colour\nwidget,blue\n")
    page = new_page()
    sign_in(page, web.base_url, "ana@partner.example")
    client_id = _client_id()
    _create_client(page, "Bad Data Inc", client_id)
    page.get_by_label("Export file (CSV)").set_input_files(str(bad))
    page.get_by_role("button", name="Upload and process").click()
    problems = page.locator("[data-problems]")
    expect(problems).to_be_visible()
    text = problems.inner_text()
    assert "not-advisor.csv" in text and re.search(r"line 1", text, re.IGNORECASE)
    assert "Request id:" in text


def test_the_upload_flow_by_keyboard_alone(web, new_page):
    page = new_page()
    # Listening from the start turns on the browser's file chooser interception before any
    # key is pressed (turned on at the key press, it can miss the dialog).
    page.on("filechooser", lambda chooser: chooser.set_files(str(SAMPLE)))
    sign_in(page, web.base_url, "kim@partner.example")
    client_id = _client_id()
    page.get_by_label("Name", exact=True).focus()
    page.keyboard.type("Keyboard Co")
    page.keyboard.press("Tab")
    page.keyboard.type(client_id)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(f"/clients/{client_id}"))
    page.keyboard.press("Tab")  # the skip link comes first
    assert page.evaluate("document.activeElement.textContent") == "Skip to content"
    for _ in range(40):  # tab along until the file field has focus
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "file":
            break
    assert page.evaluate("document.activeElement.id") == "file"
    page.keyboard.press("Space")  # opens the file dialog, answered by the listener above
    expect(page.locator("#file")).to_have_value(re.compile(r"advisor-export-sample\.csv$"))
    while page.evaluate("document.activeElement.textContent") != "Upload and process":
        page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"/reports/[A-Za-z0-9-]+$"), timeout=90_000)
    expect(page.locator(".card .figure").first).to_be_visible()


def test_every_page_passes_axe_and_fits_a_phone(web, new_page):
    client_id = _client_id()
    assert web.request("POST", "api/clients", json={"name": "Axe & Co <Ltd>",
                                                    "clientId": client_id}).status_code == 201
    report = upload(web, SAMPLE.read_bytes(), clientId=client_id, title="Review").json()
    wait_report(web, report["reportId"])
    pages = ["/", f"/clients/{client_id}", f"/reports/{report['reportId']}",
             f"/reports/{report['reportId']}?preview=executive",
             f"/reports/{report['reportId']}/delete", "/admin", "/no-such-page"]
    for width in (1280, 375):
        page = new_page(width=width)
        sign_in(page, web.base_url, "ana@partner.example")
        for path in pages:
            page.goto(web.base_url + path)
            assert axe_violations(page) == [], (width, path)
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (width, path)
        # What to do first shows its resources and savings without scrolling sideways.
        page.goto(web.base_url + f"/reports/{report['reportId']}")
        plan = page.locator("section[aria-labelledby=plan-h] .table-wrap")
        assert plan.evaluate("w => w.scrollWidth <= w.clientWidth"), width
        # On a phone an action's impact and resources sit under its name, not in columns
        # that left the name a word a line; on a laptop they are columns again.
        first = plan.locator("tbody tr").first
        assert first.locator(".phone").is_visible() == (width == 375), width
        assert first.locator("td").nth(1).is_visible() == (width == 1280), width
        if width == 375:
            assert first.locator("th").evaluate("h => h.getBoundingClientRect().width") > 200
        # A table's wrapper is a tab stop (a labelled region) only while it scrolls.
        wraps = page.locator(".table-wrap").evaluate_all(
            "ws => ws.map(w => [w.scrollWidth > w.clientWidth + 1, w.tabIndex === 0,"
            " w.getAttribute('role') === 'region'])")
        assert wraps and all(scrolls == stop == region for scrolls, stop, region in wraps), \
            (width, wraps)
        assert any(scrolls for scrolls, _, _ in wraps) == (width == 375), (width, wraps)
    # The HTML report comes compressed through the page's route; the browser inflates it.
    shown = page.goto(web.base_url + f"/reports/{report['reportId']}/files/executive.html"
                      "?preview=1")
    assert shown.headers.get("content-encoding") == "gzip", shown.headers
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    assert page.locator("table").count() > 0
    page.goto(web.base_url + "/.auth/logout")
    page.goto(web.base_url + "/.auth/login/aad")
    assert axe_violations(page) == []
    assert "Axe &amp; Co &lt;Ltd&gt;" not in requests.get(web.base_url + "/").text  # not signed in


def test_pages_refuse_cross_site_posts_and_forged_principals(web, new_page):
    page = new_page()
    sign_in(page, web.base_url, "ana@partner.example")
    cookies = {c["name"]: c["value"] for c in page.context.cookies()}
    token = page.locator('meta[name="csrf-token"]').get_attribute("content")
    session = requests.Session()
    session.cookies.update(cookies)
    form = {"name": "Evil", "clientId": _client_id(), "csrf": token}
    cross = session.post(web.base_url + "/clients", data=form, allow_redirects=False,
                         headers={"Origin": "https://evil.example"})
    assert cross.status_code == 403
    no_token = session.post(web.base_url + "/clients", data={**form, "csrf": "x" * 43},
                            allow_redirects=False, headers={"Origin": web.base_url})
    assert no_token.status_code == 403
    same = session.post(web.base_url + "/clients", data=form, allow_redirects=False,
                        headers={"Origin": web.base_url})
    assert same.status_code == 303
    # A principal header sent by the caller is never taken for a signed-in user.
    forged = requests.get(web.base_url + "/", allow_redirects=False, headers={
        "X-MS-CLIENT-PRINCIPAL": "eyJjbGFpbXMiOiBbeyJ0eXAiOiAicm9sZXMiLCAidmFsIjogIlJlcG9y"
                                 "dHMuQWRtaW4ifV19"})
    assert forged.status_code == 302 and "/.auth/login/aad" in forged.headers["Location"]
    headers = session.get(web.base_url + "/").headers
    assert "script-src 'self'" in headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "same-origin"


def test_pages_need_the_platforms_sign_in(storage_connection, tmp_path_factory):
    """Without App Service Authentication the pages trust no header and say how to set it up;
    the API still answers its key."""
    host, _ = start_app(storage_connection, tmp_path_factory.mktemp("noauth"),
                        WEBSITE_AUTH_ENABLED="false")
    try:
        page = requests.get(host.base_url + "/", timeout=10)
        assert page.status_code == 503 and "App Service Authentication" in page.text
        assert host.request("GET", "api/health").status_code == 200
    finally:
        host.stop()


def test_an_admin_brands_the_partner_and_runs_a_bulk_render(web, new_page):
    client_id = _client_id()
    assert web.request("POST", "api/clients", json={"name": "Bulk Co", "clientId": client_id}
                       ).status_code == 201
    report = upload(web, sample_export(20), clientId=client_id).json()["reportId"]
    wait_report(web, report)
    page = new_page()
    sign_in(page, web.base_url, "ana@partner.example", start="/admin")
    page.get_by_label("Name", exact=True).fill("Northwind Cloud Advisory")
    page.get_by_label("Contact line").fill("Jane Doe · jane@northwind.example")
    page.get_by_label("Logo").set_input_files(str(ROOT / "samples" / "logo-partner.jpg"))
    page.get_by_role("button", name="Save partner").click()
    expect(page.get_by_text("Partner branding saved")).to_be_visible()
    partner = web.request("GET", "api/branding").json()
    assert partner["name"] == "Northwind Cloud Advisory" and partner["logo"]
    page.get_by_label("Report ids").fill(report)
    page.get_by_label("Bulk action", exact=True).select_option("render")
    page.get_by_role("button", name="Run bulk action").click()
    page.wait_for_url(re.compile(r"/admin\?bulk="))
    expect(page.get_by_text(re.compile(r"Bulk render"))).to_be_visible()
    entries = web.request("GET", "api/audit", params={"action": "updatePartner"}).json()
    assert entries["results"][0]["actor"]["name"] == "ana@partner.example"
    # a contributor is no admin: the page says so
    other = new_page()
    sign_in(other, web.base_url, "cal@partner.example",
            roles="Reports.Contributor, Reports.AllClients", start="/admin")
    expect(other.get_by_role("heading", name="Not allowed")).to_be_visible()


def test_the_portfolio_finds_and_pages_clients(web, new_page):
    tag = uuid.uuid4().hex[:6]
    for i in range(27):
        assert web.request("POST", "api/clients", json={"name": f"Paged {tag} {i:02d}"}
                           ).status_code == 201
    page = new_page()
    sign_in(page, web.base_url, "ana@partner.example")
    page.get_by_label("Find a client").fill(f"paged {tag}")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("Page 1 of 2")).to_be_visible()
    assert page.locator("table.data tbody tr").count() == 25
    page.get_by_role("link", name="Next").click()
    expect(page.get_by_text("Page 2 of 2")).to_be_visible()
    assert page.locator("table.data tbody tr").count() == 2
    assert page.get_by_role("link", name=f"Paged {tag} 26").is_visible()


def test_what_the_hostile_pass_found_stays_fixed(storage_connection, tmp_path_factory):
    """DNS rebinding, a client-scoped admin re-branding every client's reports, a page with
    sections silently missing under the rate limit, the emulator's cross-site sign-in, and a
    form's address opened as a page."""
    host, _ = start_app(storage_connection, tmp_path_factory.mktemp("hostile"),
                        RATE_LIMIT_READS="12")
    try:
        base = host.base_url
        rebound = requests.get(base + "/", timeout=10, allow_redirects=False,
                               headers={"Host": f"attacker.example:{host.port}"})
        assert rebound.status_code == 421
        cross = requests.post(base + "/.auth/login/aad", timeout=10, allow_redirects=False,
                              headers={"Sec-Fetch-Site": "cross-site"},
                              data={"username": "x", "roles": "Reports.Admin"})
        assert cross.status_code == 403
        scoped = requests.Session()
        scoped.post(base + "/.auth/login/aad", timeout=10, headers={"Origin": base}, data={
            "username": "ada", "roles": "Reports.Admin",
            "claims": '[{"typ": "clientIds", "val": "alpha"}]'})
        admin = scoped.get(base + "/admin", timeout=10)
        assert admin.status_code == 200 and "Partner branding" not in admin.text
        token = re.search(r'name="csrf-token" content="([^"]+)"', admin.text).group(1)
        refused = scoped.post(base + "/admin/partner", timeout=10, allow_redirects=False,
                              headers={"Origin": base}, data={"csrf": token, "name": "Evil"})
        assert refused.status_code == 403
        assert host.request("GET", "api/branding").json()["name"] == ""
        assert scoped.get(base + "/admin/bulk", timeout=10).status_code == 405
        # Every section of a report page or none: under the read limit the page says so.
        report = upload(host, sample_export(20), clientId="alpha").json()["reportId"]
        wait_report(host, report)
        statuses = set()
        for _ in range(6):
            page = scoped.get(f"{base}/reports/{report}", timeout=10)
            statuses.add(page.status_code)
            if page.status_code == 200:
                assert "Key figures" in page.text and "Recommendations" in page.text
            else:
                assert page.status_code == 429 and page.headers.get("Retry-After")
        assert 429 in statuses
    finally:
        host.stop()
