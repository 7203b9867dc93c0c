"""The share page's pure parts: which answer a caller gets, what the page shows, its style."""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime

import pytest

from shared.http.responses import prefers_html
from web.share_page import _style, offer_view, page_headers

CHROME = ("text/html,application/xhtml+xml,application/xml;q=0.9,image/avif,image/webp,"
          "image/apng,*/*;q=0.8,application/signed-exchange;v=b3;q=0.7")


@pytest.mark.parametrize("accept, html", [
    (CHROME, True), ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", True),
    ("text/html", True), ("text/*", True), ("application/json;q=0.5, text/html", True),
    # The API's JSON: asked for, a tie, anything, nothing, or nonsense.
    ("application/json", False), ("*/*", False), (None, False), ("", False),
    ("application/json, text/html", False), ("text/html;q=0.5, application/*", False),
    ("text/html;q=abc, */*", False), ("text/html;q=0", False),
])
def test_a_browser_gets_html_and_everyone_else_json(accept, html):
    assert prefers_html(accept) is html


REPORT = {"reportId": "r1", "title": "month2.csv", "fileName": "month2.csv",
          "exportDate": "2026-12-18T10:00:00Z",
          "artifacts": [{"reportType": t, "format": f, "size": 2048}
                        for t, f in (("cost", "pdf"), ("executive", "html"),
                                     ("executive", "pdf"))]}
SHARE = {"artifacts": [{"reportType": t, "format": f} for t, f in (
    ("cost", "pdf"), ("executive", "html"), ("executive", "pdf"), ("executive", "pptx"))],
    "expiresAt": "2026-12-27T09:00:00Z", "maxDownloads": 5, "downloads": 2}


def test_the_page_groups_files_by_report_and_offers_only_what_exists():
    view = offer_view(REPORT, SHARE, "Contoso Ltd", "/api/shared/tok",
                      datetime(2026, 12, 20, 9, tzinfo=UTC))
    # Leadership's report first, PDF first; the deck was shared but not rendered: not offered.
    assert [(r["label"], [f["name"] for f in r["formats"]]) for r in view["reports"]] == [
        ("Executive summary", ["PDF", "Web page"]), ("Cost optimisation", ["PDF"])]
    assert view["reports"][1]["formats"][0]["url"] == "/api/shared/tok/cost.pdf"
    # A title that is only the file's name: the export's month.
    assert view["title"] == "December 2026" and view["as_of"] == "18 December 2026"
    assert (view["expires_day"], view["expires_time"], view["expires_in"]) == (
        "27 December 2026", "09:00 UTC", "in 7 days")
    assert (view["downloads_left"], view["max_downloads"]) == (3, 5)
    unlimited = offer_view(REPORT, {**SHARE, "maxDownloads": None}, "C", "/x",
                           datetime(2026, 12, 27, 8, tzinfo=UTC))
    assert unlimited["downloads_left"] is None and unlimited["expires_in"] == \
        "within two hours"


def test_only_a_colour_reaches_the_style_and_the_csp_allows_exactly_it():
    assert _style("#6B2FA0").startswith(":root{--accent:#6b2fa0}")
    assert _style("#ffff00").startswith(":root{--accent:#") and "#ffff00" not in \
        _style("#ffff00")  # too pale for white text: darkened
    hostile = _style("red}</style><script>alert(1)</script>")
    assert hostile.startswith(":root{--accent:#0f6cbd}") and "<" not in hostile.split("\n")[0]
    style = _style("")
    digest = base64.b64encode(hashlib.sha256(style.encode()).digest()).decode()
    assert f"style-src 'sha256-{digest}'" in page_headers(style)["Content-Security-Policy"]
