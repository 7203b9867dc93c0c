"""Tracked actions on the client's page, in Chromium: the list with owner, status and due
date, one action changed in its small form (CSRF field and all), a reader without the forms,
and the page still passing axe."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, sign_in
from tests.support.app import upload, wait_report
from tests.support.exports import sample_export


def test_an_action_is_owned_scheduled_and_shown(web, new_page):
    client_id = "c" + uuid.uuid4().hex[:10]
    report = upload(web, sample_export(40, seed=5), clientId=client_id).json()["reportId"]
    assert wait_report(web, report)["status"] == "completed"
    first = web.request("GET", f"api/clients/{client_id}/actions").json()["results"][0]
    page = new_page()
    sign_in(page, web.base_url, "ana@example.com", "Reports.Contributor, Reports.AllClients",
            start=f"/clients/{client_id}")
    section = page.locator("#actions")
    expect(section.get_by_role("heading", name="Actions")).to_be_visible()
    row = section.locator("tbody tr").first
    expect(row).to_contain_text(first["recommendation"])
    row.get_by_text("Edit").click()
    row.get_by_label("Owner").fill("Ana Lima")
    row.get_by_label("Status").select_option("in-progress")
    row.get_by_label("Due date").fill("2026-11-30")
    row.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status")).to_contain_text("Action saved")
    row = page.locator("#actions tbody tr").first
    expect(row).to_contain_text("Ana Lima")
    expect(row).to_contain_text("In progress")
    expect(row).to_contain_text("overdue")
    stored = web.request("GET", f"api/clients/{client_id}/actions/{first['actionKey']}").json()
    assert (stored["owner"], stored["status"], stored["dueDate"], stored["updatedBy"]) == (
        "Ana Lima", "in-progress", "2026-11-30", "ana@example.com")
    assert axe_violations(page) == []

    reader = new_page()
    sign_in(reader, web.base_url, "rita@example.com", "Reports.Reader, Reports.AllClients",
            start=f"/clients/{client_id}")
    expect(reader.locator("#actions tbody tr").first).to_contain_text("Ana Lima")
    expect(reader.locator("#actions form")).to_have_count(0)
