"""The client page's import section and schedule in Chromium: set the schedule by the form,
start an import by the button against the fake Azure, and every state passes axe and fits a
phone."""

from __future__ import annotations

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, sign_in
from tests.support.app import start_app, wait_report
from tests.support.exports import SUBSCRIPTIONS, build_rows
from tests.support.fake_azure import FakeAzure


@pytest.fixture(scope="module")
def azure_web(storage_connection, tmp_path_factory):
    rows = build_rows(60, seed=9)
    with FakeAzure(tmp_path_factory.mktemp("fake-azure-web"), page_size=25) as fake:
        for sub_id, name in SUBSCRIPTIONS[:2]:
            fake.add(sub_id, name, [r for r in rows if r["Subscription ID"] == sub_id])
        host, _ = start_app(storage_connection, tmp_path_factory.mktemp("web-import"),
                            **fake.env())
        yield host
        host.stop()


def test_schedule_and_import_from_the_client_page(azure_web, new_page):
    client_id = "imp-" + uuid.uuid4().hex[:8]
    assert azure_web.request("POST", "api/clients", json={
        "name": "Import & Co", "clientId": client_id,
        "subscriptionIds": [s for s, _ in SUBSCRIPTIONS[:2]]}).status_code == 201
    page = new_page()
    sign_in(page, azure_web.base_url, "ana@partner.example", start=f"/clients/{client_id}")
    expect(page.locator("#schedule")).to_have_text("No scheduled import from Azure")
    page.get_by_label("Scheduled import on").check()
    page.get_by_label("Day", exact=True).select_option("3")
    page.get_by_label("Hour", exact=True).select_option("9")
    page.get_by_role("button", name="Save details").click()
    expect(page.locator("#schedule")).to_contain_text("every month on day 3 at 09:00 UTC")
    assert axe_violations(page) == []
    page.get_by_role("button", name="Import now").click()
    page.wait_for_url(re.compile(r"/reports/[A-Za-z0-9-]+$"))
    report_id = page.url.rsplit("/", 1)[1]
    assert wait_report(azure_web, report_id)["status"] == "completed"
    # The page reloads itself when the report is done (a reload of our own could abort it).
    expect(page.locator(".heading .muted")).to_contain_text("imported from Azure",
                                                            timeout=15_000)
    expect(page.get_by_role("link", name="How to fix").first).to_have_attribute(
        "href", re.compile(r"^https://learn\.microsoft\.com/"))
    assert axe_violations(page) == []
    phone = new_page(width=375)
    sign_in(phone, azure_web.base_url, "ana@partner.example", start=f"/clients/{client_id}")
    assert axe_violations(phone) == []
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
