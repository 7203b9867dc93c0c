"""PNGs of the web app's pages in docs/screenshots/ (web-*.png), at desktop and phone widths,
and of the page a client opens from a share link (share-page*.png).

Runs the app on a devhost with its own Azurite, signs in through the local sign-in form as a
consultant, sets up a branded client with two months of exports (the samples) and photographs
each page in headless Chromium driven by Playwright. `make screenshots` runs it;
`--share-only` photographs only the share pages.
"""

from __future__ import annotations

import shutil
import sys
import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from azure.data.tables import TableServiceClient, UpdateMode  # noqa: E402
from playwright.sync_api import Browser, Page, sync_playwright  # noqa: E402

from devhost import azurite  # noqa: E402
from tests.support.app import start_app, upload, wait_report  # noqa: E402

OUT = ROOT / "docs" / "screenshots"
SAMPLES = ROOT / "samples"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def prepare(host) -> str:
    """Contoso with a logo, an accent colour, two reports and an exclusion; the newest id."""
    assert host.request("POST", "api/clients", json={
        "name": "Contoso Ltd", "clientId": "contoso", "accentColor": "#6b2fa0",
        "subscriptionIds": ["3f2a1b4c-0000-4000-8000-000000000001"],
        "notes": "Monthly review with the platform team; CFO receives the executive summary.",
    }).status_code == 201
    host.request("PUT", "api/clients/contoso/logo",
                 data=(SAMPLES / "logo-contoso.png").read_bytes(),
                 headers={"Content-Type": "image/png"})
    for name, title in (("advisor-export-sample-previous.csv", "November 2026 review"),
                        ("advisor-export-sample.csv", "December 2026 review")):
        report = upload(host, (SAMPLES / name).read_bytes(), file_name=name,
                        clientId="contoso", title=title, formats="html,pdf,xlsx").json()
        wait_report(host, report["reportId"])
    host.request("POST", "api/clients/contoso/exclusions", json={
        "recommendation": "Delete unattached managed disks", "kind": "accepted-risk",
        "reason": "Kept for the quarterly restore test"})
    for i, name in enumerate(("Fabrikam Inc", "Northwind Traders", "Tailspin Toys")):
        client_id = name.split()[0].lower()
        host.request("POST", "api/clients", json={"name": name, "clientId": client_id})
        if i < 2:
            report = upload(host, (SAMPLES / "advisor-export-sample.csv").read_bytes(),
                            clientId=client_id, title="December 2026 review").json()
            wait_report(host, report["reportId"])
    return report_of(host, "contoso")


def report_of(host, client_id: str) -> str:
    listed = host.request("GET", "api/reports", params={"clientId": client_id}).json()
    return listed["results"][0]["reportId"]


def shoot(page: Page, url: str, name: str, full: bool = True) -> None:
    page.goto(url)
    page.wait_for_load_state("networkidle")
    page.screenshot(path=str(OUT / f"{name}.png"), full_page=full)
    print("wrote", OUT / f"{name}.png")


def shoot_share_pages(host, names, connection: str, browser: Browser, report: str) -> None:
    """What the client's CFO sees opening a share link, on a laptop and a phone, and the page
    of a link that has expired."""
    host.request("PATCH", "api/branding", json={"name": "Northwind Cloud Advisory",
                                                "contact": "Jane Doe · jane@northwind.example"})
    host.request("PUT", "api/branding/logo", data=(SAMPLES / "logo-partner.jpg").read_bytes(),
                 headers={"Content-Type": "image/jpeg"})
    files = [{"type": t, "format": f} for t, f in (("executive", "pdf"), ("executive", "html"),
                                                   ("cost", "pdf"), ("executive", "xlsx"))]
    links = [host.request("POST", f"api/reports/{report}/shares", json={
        "artifacts": files, "expiresInHours": 168, "maxDownloads": 10}).json()
        for _ in range(2)]
    # The second link, its expiry moved into the past as the clock would.
    TableServiceClient.from_connection_string(connection).get_table_client(
        names.shares_table).update_entity(
        {"PartitionKey": report, "RowKey": links[1]["shareId"],
         "expiresAt": (datetime.now(UTC) - timedelta(hours=1)).strftime("%Y-%m-%dT%H:%M:%SZ")},
        mode=UpdateMode.MERGE)
    for width, height, suffix in ((1280, 800, ""), (375, 812, "-phone")):
        page = browser.new_page(viewport={"width": width, "height": height})
        shoot(page, links[0]["url"], f"share-page{suffix}")
        if not suffix:
            shoot(page, links[1]["url"], "share-page-expired")
        page.close()


def main() -> None:
    chromium = shutil.which("chromium")
    assert chromium, "chromium is missing: `make screenshots` installs it"
    ports = azurite.Ports(azurite.free_port(), azurite.free_port(), azurite.free_port())
    storage = azurite.start(ports, None)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            host, names = start_app(ports.connection_string(), Path(tmp))
            try:
                report = prepare(host)
                base = host.base_url
                with sync_playwright() as playwright:
                    browser = playwright.chromium.launch(executable_path=chromium, args=ARGS)
                    for width, tag in (() if "--share-only" in sys.argv
                                       else ((1280, "desktop"), (375, "phone"))):
                        page = browser.new_page(viewport={"width": width, "height": 900})
                        if tag == "desktop":
                            shoot(page, f"{base}/.auth/login/aad", "web-sign-in", full=False)
                        page.goto(f"{base}/.auth/login/aad?post_login_redirect_uri=/")
                        page.get_by_label("Username").fill("jane.doe@northwind.example")
                        page.get_by_label("Roles").fill("Reports.Admin, Reports.AllClients")
                        page.get_by_role("button", name="Login").click()
                        page.wait_for_url(f"{base}/")
                        shoot(page, f"{base}/", f"web-portfolio-{tag}")
                        shoot(page, f"{base}/clients/contoso", f"web-client-{tag}")
                        shoot(page, f"{base}/reports/{report}", f"web-report-{tag}")
                        if tag == "desktop":
                            shoot(page, f"{base}/reports/{report}?category=Cost#recommendations",
                                  "web-report-filtered-desktop", full=False)
                            shoot(page, f"{base}/reports/{report}?preview=executive#preview",
                                  "web-report-preview-desktop", full=False)
                            shoot(page, f"{base}/admin", "web-admin-desktop")
                        page.close()
                    shoot_share_pages(host, names, ports.connection_string(), browser, report)
                    browser.close()
            finally:
                host.stop()
    finally:
        storage.terminate()
        storage.wait(timeout=10)


if __name__ == "__main__":
    main()
