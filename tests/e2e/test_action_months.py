"""Issue 34's "done when", over HTTP through the devhost, with real workbooks: the first
report's workbook edited (an owner, one action done, a due date in the past, a bad status),
refused with sheet, row and column and nothing applied; fixed (and saved by LibreOffice, as
many clients do) and applied; the second month's executive PDF, deck and workbook show the
action done but still reported, the overdue one, the owners and the action the data resolved;
a 4-row upload after it warns and, once marked not for comparison, changes neither the next
report's baseline nor the portfolio."""

from __future__ import annotations

import io
import uuid
import zipfile
from datetime import date

import openpyxl
import pytest
from pypdf import PdfReader

from tests.support.app import upload, wait_report
from tests.support.exports import build_rows, to_csv
from tests.support.workbooks import edit, resaved_by_libreoffice, rows_by_key

pytestmark = pytest.mark.timeout(420)
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MONTH_1 = build_rows(240, seed=51)


def processed(app, rows: list[dict], client_id: str, title: str) -> dict:
    r = upload(app, to_csv(rows), clientId=client_id, title=title, reportTypes="executive",
               formats="pdf,xlsx,pptx")
    assert r.status_code == 202, r.text
    report = wait_report(app, r.json()["reportId"])
    assert report["status"] == "completed", report
    return report


def artifact(app, report: dict, fmt: str) -> bytes:
    r = app.request("GET", f"api/reports/{report['reportId']}/artifacts/executive.{fmt}")
    assert r.status_code == 200
    return r.content


def flat(text: str) -> str:
    return " ".join(text.split())


def test_done_when(app):
    client_id = "m-" + uuid.uuid4().hex[:8]
    november = processed(app, MONTH_1, client_id, "November review")
    book = artifact(app, november, "xlsx")
    rows = sorted(rows_by_key(book).values(), key=lambda r: r["row"])
    done, late, bad, gone = rows[0], rows[1], rows[2], rows[3]
    edits = {done["row"]: {"Owner": "Ana Lima", "Status": "Done"},
             late["row"]: {"Owner": "Bo Chen", "Due date": date(2026, 11, 30)},
             bad["row"]: {"Status": "Finished"},
             gone["row"]: {"Owner": "Dana Ruiz", "Status": "In progress"}}
    url = f"api/clients/{client_id}/actions"

    r = app.request("PUT", url, data=edit(book, edits), headers={"Content-Type": XLSX})
    assert r.status_code == 400, r.text
    error = r.json()["error"]
    status_column = openpyxl.utils.get_column_letter(
        [c.value for c in openpyxl.load_workbook(io.BytesIO(book))["Action plan"][1]]
        .index("Status") + 1)
    assert [(d["sheet"], d["row"], d["column"]) for d in error["details"]] == [
        ("Action plan", bad["row"], status_column)]
    assert f"Action plan, row {bad['row']}, column {status_column} (Status)" in error["message"]
    listed = app.request("GET", url, params={"pageSize": 100}).json()["results"]
    assert not any(a["tracked"] for a in listed)  # nothing applied, not even the good rows

    edits[bad["row"]] = {"Status": "In progress"}
    fixed = resaved_by_libreoffice(edit(book, edits))  # as a client with LibreOffice saves it
    r = app.request("PUT", url, files={"file": ("November.xlsx", fixed, XLSX)})
    assert r.status_code == 200, r.text
    assert r.json()["actionsChanged"] == 4
    states = {a["actionKey"]: a for a in app.request("GET", url, params={"pageSize": 100})
              .json()["results"]}
    assert states[late["Key"]]["overdue"] and states[done["Key"]]["status"] == "done"

    # December: the export no longer holds the action Dana was working on.
    december_rows = [r for r in MONTH_1 + build_rows(25, seed=52)
                     if r["Recommendation"] != gone["Action"]]
    december = processed(app, december_rows, client_id, "December review")
    assert december["baseline"]["reportId"] == november["reportId"]
    assert not [w for w in december["warnings"] if w["code"] == "SharpDrop"]

    pdf = flat(" ".join(p.extract_text() for p in
                        PdfReader(io.BytesIO(artifact(app, december, "pdf"))).pages))
    for text in ("Action tracking", "Marked done, still reported by Advisor", "Ana Lima",
                 "Bo Chen", "Dana Ruiz", "Resolved: Advisor no longer reports it",
                 "1 action was done; 1 in progress, 1 overdue"):
        assert text in pdf, text
    with zipfile.ZipFile(io.BytesIO(artifact(app, december, "pptx"))) as deck:
        slides = flat(" ".join(deck.read(n).decode() for n in deck.namelist()
                               if n.startswith("ppt/slides/slide")))
    for text in ("Action tracking", "Done since the last review", "Overdue", "Ana Lima",
                 "Bo Chen", "Marked done, still reported by Advisor"):
        assert text in slides, text
    workbook = artifact(app, december, "xlsx")
    shown = rows_by_key(workbook)
    assert shown[done["Key"]]["Status"] == "Done" and shown[done["Key"]]["Owner"] == "Ana Lima"
    assert shown[done["Key"]]["Check"] == "Marked done, still reported by Advisor"
    assert shown[late["Key"]]["Check"] == "Overdue" and shown[late["Key"]]["Owner"] == "Bo Chen"
    assert gone["Key"] not in shown
    review = openpyxl.load_workbook(io.BytesIO(workbook))["Action review"]
    cells = flat(" ".join(str(v) for row in review.iter_rows(values_only=True) for v in row
                          if v is not None))
    assert "Dana Ruiz" in cells and "Resolved: Advisor no longer reports it" in cells
    listed = {a["actionKey"]: a for a in app.request("GET", url, params={"pageSize": 100})
              .json()["results"]}
    assert listed[gone["Key"]]["inLatestReport"] is False

    # November's workbook, a month old, is still accepted (and undoes nothing since).
    older = edit(book, {rows[5]["row"]: {"Owner": "Eve Adams"}})
    r = app.request("PUT", url, data=older, headers={"Content-Type": XLSX})
    assert r.status_code == 200 and r.json()["actionsChanged"] == 1

    # A 4-row upload: it warns, and once marked not for comparison changes nothing.
    before = app.request("GET", "api/analytics/summary").json()
    mine = next(c for c in before["byClient"] if c["clientId"] == client_id)["latestReport"]
    assert mine["reportId"] == december["reportId"]
    four = processed(app, december_rows[:4], client_id, "January (4 rows)")
    assert [w for w in four["warnings"] if w["code"] == "SharpDrop"]
    assert app.request("PATCH", f"api/reports/{four['reportId']}",
                       json={"comparable": False}).status_code == 200
    after = app.request("GET", "api/analytics/summary").json()
    assert next(c for c in after["byClient"] if c["clientId"] == client_id)["latestReport"] \
        == mine
    february = processed(app, december_rows, client_id, "February review")
    assert february["baseline"]["reportId"] == december["reportId"]
