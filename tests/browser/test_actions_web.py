"""Tracked actions on the client's page, in Chromium: the list with owner, status and due
date, one action changed in its small form (CSRF field and all), a reader without the forms,
and the page still passing axe."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from tests.browser.conftest import axe_violations, sign_in
from tests.support.app import upload, wait_report
from tests.support.exports import sample_export
from tests.support.workbooks import edit, rows_by_key


def test_an_action_is_owned_scheduled_and_shown(web, new_page, tmp_path):
    client_id = "c" + uuid.uuid4().hex[:10]
    report = upload(web, sample_export(40, seed=5), clientId=client_id,
                    formats="html,xlsx").json()["reportId"]
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

    # The workbook, edited by the client, applied from the same page.
    book = web.request("GET", f"api/reports/{report}/artifacts/executive.xlsx").content
    second = sorted(rows_by_key(book).values(), key=lambda r: r["row"])[1]
    edited = tmp_path / "plan.xlsx"
    edited.write_bytes(edit(book, {second["row"]: {"Owner": "Bo Chen", "Status": "Done"}}))
    page.get_by_label("Apply an edited workbook").set_input_files(str(edited))
    page.get_by_role("button", name="Apply the workbook").click()
    expect(page.get_by_role("status")).to_contain_text("Workbook applied")
    expect(page.locator("#actions tbody tr", has_text="Bo Chen")).to_contain_text("Done")
    bad = tmp_path / "bad.xlsx"
    bad.write_bytes(edit(book, {second["row"]: {"Status": "Finished"}}))
    page.get_by_label("Apply an edited workbook").set_input_files(str(bad))
    page.get_by_role("button", name="Apply the workbook").click()
    expect(page.locator(".problems")).to_contain_text(
        f"Action plan, row {second['row']}, column")

    reader = new_page()
    sign_in(reader, web.base_url, "rita@example.com", "Reports.Reader, Reports.AllClients",
            start=f"/clients/{client_id}")
    expect(reader.locator("#actions tbody tr").first).to_contain_text("Ana Lima")
    expect(reader.locator("#actions form")).to_have_count(0)


def test_a_sharp_drop_is_marked_not_for_comparison_and_the_portfolio_says_so(web, new_page):
    from tests.support.exports import build_rows, to_csv

    client_id = "c" + uuid.uuid4().hex[:10]
    rows = build_rows(120, seed=41)
    first = upload(web, to_csv(rows), clientId=client_id, title="November").json()["reportId"]
    assert wait_report(web, first)["status"] == "completed"
    small = upload(web, to_csv(rows[:4]), clientId=client_id, title="Four rows").json()[
        "reportId"]
    assert wait_report(web, small)["status"] == "completed"
    page = new_page()
    sign_in(page, web.base_url, "ana@example.com", "Reports.Contributor, Reports.AllClients",
            start=f"/reports/{small}")
    panel = page.get_by_role("region", name="Check this export before comparing")
    expect(panel).to_contain_text("4 accepted rows against 120")
    panel.get_by_role("button", name="Mark not for comparison").click()
    expect(page.get_by_role("status")).to_contain_text("Marked not for comparison")
    expect(page.get_by_role("heading", name="Not for comparison")).to_be_visible()
    assert axe_violations(page) == []
    page.goto(f"{web.base_url}/?q={client_id}")
    row = page.locator("tbody tr", has_text=client_id)
    expect(row).to_contain_text("1 not for comparison (left out)")
    expect(row.locator("td.num").first).to_contain_text("120")  # November's figures, not 4
    page.goto(f"{web.base_url}/clients/{client_id}")
    expect(page.locator("#trend-h + p")).to_contain_text("Left out, marked not for comparison")
