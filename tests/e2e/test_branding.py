"""Branded deliverables through the devhost: the client's name, logo and colour, the partner,
consultant's notes, and the workbook and deck, read back with independent readers (pypdf,
openpyxl, python-pptx)."""

from __future__ import annotations

import io
import uuid

import openpyxl
import pytest
from pptx import Presentation
from pypdf import PdfReader

from tests.e2e.test_robustness import principal
from tests.support.app import upload, wait_report
from tests.support.exports import CURRENT_SAMPLE, SAMPLES

pytestmark = pytest.mark.timeout(300)
SAMPLE = CURRENT_SAMPLE
CLIENT_LOGO = (SAMPLES / "logo-contoso.png").read_bytes()
PARTNER_LOGO = (SAMPLES / "logo-partner.jpg").read_bytes()
ADMIN = principal("Reports.Admin", "Reports.AllClients")
# A row whose texts would be formulas if a workbook wrote them as they come.
HOSTILE = ('Cost,High,"=HYPERLINK(""http://evil.example"",""click"")",'
           '3f2a1b4c-0000-4000-8000-000000000001,Contoso Production,rg-x,"@SUM(1+1)",'
           'Microsoft.Compute/virtualMachines,2026-11-12T00:00:00Z,"-2+3",100,USD,,,,,\n')
NOTES = ("Reviewed with the platform team.\n\n- **Reserve** the D-series VMs\n"
         "- <script>alert(1)</script> stays text\n\nNext review in **January**.")


def new_client() -> str:
    return "br-" + uuid.uuid4().hex[:8]


def download(app, report: dict, name: str):
    url = next(a["url"] for a in report["artifacts"]
               if f"{a['reportType']}.{a['format']}" == name)
    r = app.request("GET", url.split("/", 3)[3])
    assert r.status_code == 200, r.text
    return r


@pytest.fixture(scope="module")
def branded(app) -> dict:
    """One upload by a consultant: client named on upload, logos, colour, partner, notes, all
    four formats."""
    client = new_client()
    assert app.request("PATCH", "api/branding", headers=ADMIN, json={
        "name": "Northwind Cloud Advisory", "contact": "jane@northwind.example"}).status_code \
        == 200
    assert app.request("PUT", "api/branding/logo", headers={**ADMIN, "Content-Type":
                                                            "image/jpeg"},
                       data=PARTNER_LOGO).status_code == 200
    data = SAMPLE + HOSTILE.encode()
    r = app.request("POST", "api/reports", params={
        "clientId": client, "clientName": "Fabrikam Ltd.", "formats": "html,pdf,xlsx,pptx"},
        data={"notes": NOTES}, files={"file": ("export.csv", data, "text/csv")})
    assert r.status_code == 202, r.text
    first = wait_report(app, r.json()["reportId"])
    assert first["status"] == "completed", first
    # The logo and colour arrive after the first render: render again to brand the files.
    r = app.request("PUT", f"api/clients/{client}/logo", data=CLIENT_LOGO,
                    headers={**ADMIN, "Content-Type": "image/png"})
    assert r.status_code == 200, r.text
    assert r.json()["logo"]["width"] > 0
    assert app.request("PATCH", f"api/clients/{client}", headers=ADMIN,
                       json={"accentColor": "#6B2FA0"}).status_code == 200
    r = app.request("POST", f"api/reports/{first['reportId']}/render")
    assert r.status_code == 202, r.text
    report = wait_report(app, first["reportId"])
    assert report["status"] == "completed"
    return {"client": client, "report": report}


def test_the_upload_names_the_client_and_the_files(app, branded):
    client = app.request("GET", f"api/clients/{branded['client']}").json()
    assert client["name"] == "Fabrikam Ltd." and client["accentColor"] == "#6b2fa0"
    report = branded["report"]
    assert {(a["reportType"], a["format"]) for a in report["artifacts"]} >= {
        ("executive", "pptx"), ("detailed", "xlsx"), ("cost", "pdf")}
    assert ("detailed", "pptx") not in {(a["reportType"], a["format"])
                                        for a in report["artifacts"]}
    r = download(app, report, "executive.pdf")
    # No title of its own (the file's name): the export's month names the review.
    assert 'filename="Fabrikam Ltd. - Executive summary - November 2026.pdf"' \
        in r.headers["Content-Disposition"]


def test_pdf_and_html_carry_both_brands_and_escaped_notes(app, branded):
    pdf = PdfReader(io.BytesIO(download(app, branded["report"], "executive.pdf").content))
    cover = pdf.pages[0].extract_text()
    assert "Fabrikam Ltd." in cover and "Northwind Cloud Advisory" in cover
    assert len(pdf.pages[0].images) == 2  # the client's and the partner's logos
    text = "\n".join(p.extract_text() for p in pdf.pages)
    # The header band names the client and partner; the contact line is in "About this
    # report" at the end (issue 32: page 1 is for the key figures).
    assert "jane@northwind.example" in pdf.pages[-1].extract_text()
    assert "Consultant's notes" in text and "<script>alert(1)</script> stays text" in text
    html = download(app, branded["report"], "executive.html").text
    assert html.count('src="data:image/') == 2
    assert "--accent: #6b2fa0" in html
    assert "<strong>Reserve</strong>" in html and "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; stays text" in html
    detailed = download(app, branded["report"], "detailed.html").text
    assert "Consultant&#39;s notes" not in detailed and "Consultant's notes" not in detailed


def test_workbook_holds_every_row_with_links_numbers_and_no_formulas(app, branded):
    r = download(app, branded["report"], "detailed.xlsx")
    assert r.headers["Content-Type"].startswith("application/vnd.openxmlformats")
    book = openpyxl.load_workbook(io.BytesIO(r.content))
    # "Tracking": the action review sheet (issue 34); "Changes" when the report has a baseline.
    assert [n for n in book.sheetnames if n not in ("Changes", "Tracking")] == [
        "Summary", "Action plan", "Recommendations", "By subscription", "Retirements"]
    sheet = book["Recommendations"]
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) - 1 == branded["report"]["counts"]["rowsAccepted"]
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref.startswith("A1:")
    header = rows[0]
    hostile = next(row for row in rows if row[3] and row[3].startswith("=HYPERLINK"))
    for value in (hostile[3], hostile[4], hostile[10]):  # recommendation, resource, benefits
        assert isinstance(value, str)
    cells = {c.value: c for c in next(r for r in sheet.iter_rows()
                                      if r[3].value and r[3].value.startswith("="))}
    guarded = cells['=HYPERLINK("http://evil.example","click")']
    assert guarded.data_type == "s" and guarded.quotePrefix
    savings = rows[1:][[r[3] for r in rows[1:]].index(hostile[3])][header.index(
        "Annual savings")]
    assert savings == 100
    linked = [c for c in sheet["O"][1:] if c.hyperlink]
    assert linked and all((c.hyperlink.target + "#" + c.hyperlink.location).startswith(
        "https://portal.azure.com/#resource/subscriptions/") for c in linked)
    money = next(c for c in sheet["J"][1:] if c.value is not None)
    assert isinstance(money.value, float | int) and "USD" in money.number_format
    summary = [r for r in book["Summary"].iter_rows(values_only=True)]
    assert ("Client", "Fabrikam Ltd.") in [r[:2] for r in summary]
    assert ("Prepared by", "Northwind Cloud Advisory") in [r[:2] for r in summary]


def test_deck_has_logos_native_charts_and_pillar_slides(app, branded):
    r = download(app, branded["report"], "executive.pptx")
    deck = Presentation(io.BytesIO(r.content))
    titles = []
    for slide in deck.slides:
        texts = [s.text_frame.text for s in slide.shapes if s.has_text_frame and
                 s.text_frame.text]
        titles.append(texts[0] if texts else "")
    assert titles[1] == "Key figures" and "Consultant's notes" in titles
    # A Retirements slide only with three or more (issue 32: no one-row slides).
    assert {"Top actions", "Savings by lever"} <= set(titles)
    assert any(t.endswith(": top actions") for t in titles)
    first = deck.slides[0]
    assert sum(1 for s in first.shapes if s.shape_type == 13) == 2  # 13: picture
    words = " ".join(s.text_frame.text for s in first.shapes if s.has_text_frame)
    assert "Fabrikam Ltd." in words and "Northwind Cloud Advisory" in words
    charts = [s.chart for slide in deck.slides for s in slide.shapes if s.has_chart]
    assert len(charts) >= 2  # by category, savings by lever: editable, not pictures
    lever = next(c for c in charts if "lever" in c.chart_title.text_frame.text)
    assert sum(lever.plots[0].series[0].values) > 0


def test_rendering_again_is_byte_identical_and_a_colour_change_touches_only_colour(
        app, branded):
    report = branded["report"]
    before = {name: download(app, report, name).content
              for name in ("executive.html", "executive.pdf", "cost.xlsx", "executive.pptx")}
    r = app.request("POST", f"api/reports/{report['reportId']}/render")
    assert r.status_code == 202
    again = wait_report(app, report["reportId"])
    assert {name: download(app, again, name).content for name in before} == before
    assert app.request("PATCH", f"api/clients/{branded['client']}", headers=ADMIN,
                       json={"accentColor": "#0B5CAD"}).status_code == 200
    r = app.request("POST", f"api/reports/{report['reportId']}/render",
                    json={"reportTypes": ["executive"], "formats": ["html"]})
    recoloured = download(app, wait_report(app, report["reportId"]), "executive.html").text
    old = before["executive.html"].decode().splitlines()
    new = recoloured.splitlines()
    assert len(old) == len(new)
    changed = [(a, b) for a, b in zip(old, new, strict=True) if a != b]
    assert changed and all("#6b2fa0" in a and "#0b5cad" in b for a, b in changed)
    assert app.request("PATCH", f"api/clients/{branded['client']}", headers=ADMIN,
                       json={"accentColor": "#6b2fa0"}).status_code == 200


@pytest.mark.parametrize(("data", "content_type", "status", "code"), [
    (b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"></svg>', "image/png",
     415, "UnsupportedImage"),
    (b"\x89PNG\r\n\x1a\n" + b"\0" * 64, "image/png", 400, "InvalidLogo"),
    (CLIENT_LOGO[: len(CLIENT_LOGO) // 2], "image/png", 400, "InvalidLogo"),
    (b"\x89PNG" + b"\0" * (600 * 1024), "image/png", 413, "LogoTooLarge"),
    (CLIENT_LOGO, "image/svg+xml", 415, "UnsupportedImage"),
])
def test_bad_logos_are_refused_saying_why(app, data, content_type, status, code):
    client = new_client()
    assert app.request("POST", "api/clients", json={"name": "Logo test", "clientId": client}) \
        .status_code == 201
    r = app.request("PUT", f"api/clients/{client}/logo", data=data,
                    headers={**ADMIN, "Content-Type": content_type})
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code
    assert app.request("GET", f"api/clients/{client}/logo").status_code == 404


def test_logo_round_trip_and_removal(app):
    client = new_client()
    assert app.request("POST", "api/clients", json={"name": "Logo", "clientId": client}) \
        .status_code == 201
    url = f"api/clients/{client}/logo"
    assert app.request("PUT", url, data=PARTNER_LOGO, headers={"Content-Type": "image/jpeg"},
                       ).status_code == 200  # the function key alone is trusted as admin
    r = app.request("GET", url)
    assert r.content == PARTNER_LOGO and r.headers["Content-Type"] == "image/jpeg"
    assert app.request("DELETE", url).status_code == 204
    assert app.request("GET", url).status_code == 404
    assert app.request("DELETE", url).status_code == 404
    assert app.request("GET", f"api/clients/{client}").json()["logo"] is None


def test_inactive_client_refuses_uploads(app):
    client = new_client()
    assert app.request("POST", "api/clients", json={"name": "Gone Ltd", "clientId": client,
                                                    "active": False}).status_code == 201
    r = upload(app, SAMPLE, clientId=client)
    assert r.status_code == 409, r.text
    assert r.json()["error"]["code"] == "ClientInactive" and "Gone Ltd" in r.text


def test_rows_of_other_subscriptions_warn_by_name(app):
    client = new_client()
    assert app.request("POST", "api/clients", json={
        "name": "Scoped", "clientId": client,
        "subscriptionIds": ["3f2a1b4c-0000-4000-8000-000000000001"]}).status_code == 201
    r = upload(app, SAMPLE, clientId=client, formats="html")
    report = wait_report(app, r.json()["reportId"])
    assert report["status"] == "completed"
    warning = next(w for w in report["warnings"] if w["code"] == "UnexpectedSubscriptions")
    assert "Zürich-Prod (3f2a1b4c-0000-4000-8000-000000000002)" in warning["message"]
    assert warning["count"] > 0 and warning["lines"]
    assert report["counts"]["rowsAccepted"] == 60  # still stored


def test_notes_by_patch_are_checked_and_a_deck_needs_the_executive_type(app, branded):
    url = f"api/reports/{branded['report']['reportId']}"
    r = app.request("PATCH", url, json={"notes": "x" * 20_001})
    assert r.status_code == 400 and r.json()["error"]["details"][0]["target"] == "notes"
    r = app.request("PATCH", url, json={"notes": "\U0001F600" * 16_001})
    assert r.status_code == 400, r.text
    assert app.request("PATCH", url, json={"notes": NOTES}).json()["notes"] == NOTES
    r = upload(app, SAMPLE, clientId=new_client(), reportTypes="cost", formats="pptx")
    assert r.status_code == 400 and "executive" in r.json()["error"]["details"][0]["message"]
    r = app.request("POST", f"{url}/render", json={"reportTypes": ["cost"],
                                                   "formats": ["pptx"]})
    assert r.status_code == 400
