"""The workbook round trip through the devhost: the app's workbook has the tracked columns,
the client edits it (openpyxl; LibreOffice), uploads it back; bad cells are refused naming
sheet, row and column with nothing applied; the next render shows what was applied."""

from __future__ import annotations

import gzip
import io
import time
import uuid
import zipfile
from datetime import date

import openpyxl
import pytest

from advisor_cli.__main__ import main
from tests.e2e.test_robustness import principal
from tests.support.app import upload, wait_report
from tests.support.exports import sample_export
from tests.support.workbooks import edit, resaved_by_libreoffice, rows_by_key

pytestmark = pytest.mark.timeout(300)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def new_client(app, rows: int = 120, seed: int = 21) -> tuple[str, str]:
    client_id = "wb-" + uuid.uuid4().hex[:8]
    r = upload(app, sample_export(rows, seed=seed), clientId=client_id, formats="xlsx",
               reportTypes="executive,cost")
    assert r.status_code == 202, r.text
    report_id = r.json()["reportId"]
    assert wait_report(app, report_id)["status"] == "completed"
    return client_id, report_id


def workbook(app, report_id: str, kind: str = "executive") -> bytes:
    r = app.request("GET", f"api/reports/{report_id}/artifacts/{kind}.xlsx")
    assert r.status_code == 200
    return r.content


def put(app, client_id: str, data: bytes, multipart: bool = False):
    if multipart:
        return app.request("PUT", f"api/clients/{client_id}/actions",
                           files={"file": ("plan.xlsx", data, XLSX)})
    return app.request("PUT", f"api/clients/{client_id}/actions", data=data,
                       headers={"Content-Type": XLSX})


def states(app, client_id: str) -> dict[str, dict]:
    found = app.request("GET", f"api/clients/{client_id}/actions",
                        params={"pageSize": 100}).json()["results"]
    return {a["actionKey"]: a for a in found}


def test_the_action_plan_sheet_has_the_tracked_columns(app):
    client_id, report_id = new_client(app)
    book = openpyxl.load_workbook(io.BytesIO(workbook(app, report_id)))
    sheet = book["Action plan"]
    headers = [c.value for c in sheet[1]]
    assert headers[-6:] == ["Owner", "Status", "Due date", "Comment", "Check", "Key"]
    key_column = openpyxl.utils.get_column_letter(len(headers))
    assert sheet.column_dimensions[key_column].hidden
    lists = [v for v in sheet.data_validations.dataValidation if v.type == "list"]
    assert lists and lists[0].formula1 == '"Open,In progress,Done,Won\'t do"'
    assert any(v.type == "date" for v in sheet.data_validations.dataValidation)
    assert book["Tracking"].sheet_state == "hidden"
    assert book["Tracking"]["B2"].value == client_id
    assert book["Tracking"]["B3"].value == report_id
    plan = states(app, client_id)
    assert set(rows_by_key(workbook(app, report_id))) == set(plan)
    cost = rows_by_key(workbook(app, report_id, "cost"))
    assert cost and set(cost) < set(plan)  # the cost workbook: the cost actions


def test_bad_cells_are_refused_by_sheet_row_and_column_and_nothing_is_applied(app):
    client_id, report_id = new_client(app)
    data = workbook(app, report_id)
    rows = sorted(rows_by_key(data).values(), key=lambda r: r["row"])
    a, b, c, d, e = (r["row"] for r in rows[:5])
    bad = edit(data, {a: {"Owner": "Ana Lima"}, b: {"Status": "Finished"},
                      c: {"Due date": "next week"}, d: {"Comment": "=HYPERLINK(\"x\")"}})
    before = states(app, client_id)
    r = put(app, client_id, bad)
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    assert error["code"] == "InvalidWorkbook" and "nothing was applied" in error["message"]
    where = {(x["sheet"], x["row"], x["column"], x["code"]) for x in error["details"]}
    headers = [cell.value for cell in openpyxl.load_workbook(io.BytesIO(data))["Action plan"][1]]
    letter = {h: openpyxl.utils.get_column_letter(i + 1) for i, h in enumerate(headers)}
    assert where == {("Action plan", b, letter["Status"], "InvalidStatus"),
                     ("Action plan", c, letter["Due date"], "InvalidDate"),
                     ("Action plan", d, letter["Comment"], "FormulaNotAllowed")}
    assert f"Action plan, row {b}, column {letter['Status']} (Status)" in error["message"]
    assert states(app, client_id) == before  # Ana's row was fine, and is not applied either

    key_cell = edit(data, {a: {"Key": "0123456789abcdef"}})
    r = put(app, client_id, key_cell)
    assert r.status_code == 400 and r.json()["error"]["code"] == "UnknownAction"
    assert r.json()["error"]["details"][0]["column"] == letter["Key"]

    fixed = edit(data, {a: {"Owner": "Ana Lima"}, b: {"Status": "Done"},
                        c: {"Due date": date(2026, 10, 31)}, d: {"Comment": "Agreed"}})
    r = put(app, client_id, fixed, multipart=True)
    assert r.status_code == 200, r.text
    answer = r.json()
    assert answer["actionsChanged"] == 4 and answer["reportId"] == report_id
    assert {(x["row"], x["field"], x["to"]) for x in answer["changes"]} == {
        (a, "owner", "Ana Lima"), (b, "status", "done"), (c, "dueDate", "2026-10-31"),
        (d, "comment", "Agreed")}
    after = states(app, client_id)
    key = {r["row"]: k for k, r in rows_by_key(data).items()}
    assert after[key[a]]["owner"] == "Ana Lima" and after[key[b]]["status"] == "done"
    assert after[key[c]]["dueDate"] == "2026-10-31" and after[key[c]]["overdue"]
    assert put(app, client_id, fixed).json()["actionsChanged"] == 0  # again: nothing new

    # Changed since the workbook was made: the workbook's untouched cells do not undo it
    # (the row of e was not edited in the workbook); a cell the client edited does.
    app.request("PATCH", f"api/clients/{client_id}/actions/{key[e]}", json={"owner": "Bo"})
    assert put(app, client_id, fixed).json()["actionsChanged"] == 0
    assert states(app, client_id)[key[e]]["owner"] == "Bo"

    # Rendered again, the workbook is pre-filled with what is stored.
    r = app.request("POST", f"api/reports/{report_id}/render",
                    json={"reportTypes": ["executive"], "formats": ["xlsx"]})
    assert r.status_code == 202
    wait_report(app, report_id)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        shown = rows_by_key(workbook(app, report_id))
        if shown[key[b]]["Status"] == "Done":
            break
        time.sleep(0.5)
    assert shown[key[e]]["Owner"] == "Bo" and shown[key[b]]["Status"] == "Done"
    assert shown[key[b]]["Check"] == "Marked done, still reported by Advisor"
    assert shown[key[c]]["Due date"].date() == date(2026, 10, 31)
    assert shown[key[c]]["Check"] == "Overdue"


def test_a_workbook_saved_by_libreoffice_is_applied(app):
    """`make test` installs LibreOffice Calc where it is missing (as chromium): no skip."""
    client_id, report_id = new_client(app, seed=23)
    data = workbook(app, report_id)
    rows = sorted(rows_by_key(data).values(), key=lambda r: r["row"])
    a, b = rows[0]["row"], rows[1]["row"]
    saved = resaved_by_libreoffice(edit(data, {
        a: {"Owner": "Zoë Müller", "Status": "In progress", "Due date": date(2027, 2, 1)},
        b: {"Status": "Won't do", "Comment": "Sandbox, deleted in March"}}))
    assert saved != data
    r = put(app, client_id, saved)
    assert r.status_code == 200, r.text
    changed = {(x["row"], x["field"]): x["to"] for x in r.json()["changes"]}
    assert changed == {(a, "owner"): "Zoë Müller", (a, "status"): "in-progress",
                       (a, "dueDate"): "2027-02-01", (b, "status"): "wont-do",
                       (b, "comment"): "Sandbox, deleted in March"}
    bad = resaved_by_libreoffice(edit(data, {b: {"Status": "Later"}}))
    r = put(app, client_id, bad)
    assert r.status_code == 400 and r.json()["error"]["details"][0]["row"] == b


def test_another_clients_workbook_and_other_files_are_refused(app, tmp_path):
    client_id, report_id = new_client(app, rows=40, seed=25)
    other_id, _ = new_client(app, rows=40, seed=25)
    data = workbook(app, report_id)
    r = put(app, other_id, data)
    assert r.status_code == 400 and r.json()["error"]["code"] == "OtherClient"
    assert client_id in r.json()["error"]["message"]
    r = put(app, client_id, b"Category,Recommendation\nCost,x\n")
    assert r.status_code == 415
    r = app.request("PUT", f"api/clients/{client_id}/actions", data=data,
                    headers={"Content-Type": "text/csv"})
    assert r.status_code == 415
    gzipped = app.request("PUT", f"api/clients/{client_id}/actions", data=gzip.compress(data),
                          headers={"Content-Type": XLSX, "Content-Encoding": "gzip"})
    assert gzipped.status_code == 415
    assert gzipped.json()["error"]["code"] == "UnsupportedContentEncoding"
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/workbook.xml", "<workbook/>")
        z.writestr("xl/worksheets/sheet1.xml", b"\0" * (50 * 1024 * 1024))  # 1000:1
    assert len(bomb.getvalue()) < 1_000_000
    r = put(app, client_id, bomb.getvalue())
    assert r.status_code == 413 and r.json()["error"]["code"] == "WorkbookTooLarge"
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book["Action plan"]
    for row in range(sheet.max_row + 1, 10_003):
        sheet.cell(row, 1, "x")
    big = io.BytesIO()
    book.save(big)
    r = put(app, client_id, big.getvalue())
    assert r.status_code == 413 and r.json()["error"]["code"] == "TooManyRows"
    reader = app.request("PUT", f"api/clients/{client_id}/actions", data=data, headers={
        "Content-Type": XLSX,
        **principal("Reports.Reader", claims=[{"typ": "clientId", "val": client_id}])})
    assert reader.status_code == 403

    path = tmp_path / "plan.xlsx"
    first = sorted(rows_by_key(data).values(), key=lambda r: r["row"])[0]["row"]
    path.write_bytes(edit(data, {first: {"Owner": "Cli User"}}))
    base = ["--url", app.base_url, "--key", app.function_key]
    assert main([*base, "actions", "import", str(path), "--client", client_id]) == 0
    assert any(a["owner"] == "Cli User" for a in states(app, client_id).values())
