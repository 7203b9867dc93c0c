"""The page a client opens from a share link: the client's and the partner's brands, the
review, how long the link lasts, how many downloads are left and a button per file.

It is served at the link itself (`GET /api/shared/{token}`, when the browser asks for HTML) to
someone without an account, so it stands alone: no script, its one style inline and allowed by
its hash, logos as data: URIs, nothing fetched from anywhere, the token kept out of referrers
and caches. A link that no longer works gets a page saying why, naming neither the client nor
the report.
"""

from __future__ import annotations

import base64
import hashlib
import re
from datetime import datetime
from pathlib import Path
from typing import Any

from markupsafe import Markup

from shared.advisor.headlines import MONTHS, review_name
from shared.http.api import Reply
from shared.pipeline.branding import branding_of, partner, partner_logo
from shared.rendering.document import Image
from shared.rendering.report_types import REPORT_TYPES
from shared.rendering.theme import accent
from shared.storage.context import Storage
from shared.storage.reports import parse_iso
from web.html import render

STYLE = (Path(__file__).parent / "templates" / "share.css").read_text(encoding="utf-8")
FORMAT_NAMES = {"pdf": "PDF", "pptx": "PowerPoint", "xlsx": "Excel", "html": "Web page"}
# What a link that no longer works says: the heading and the line under it.
REFUSALS = {
    "expired": ("This link has expired",
                "The files it shared are no longer available through it."),
    "revoked": ("This link was revoked",
                "The person who shared it has turned it off."),
    "exhausted": ("This link has been used up",
                  "Every download it allowed has been made."),
    "unknown": ("This link does not work",
                "It may be incomplete (check that the whole address was copied), or what it "
                "shared has been removed."),
}


def _style(colour: str) -> str:
    """The page's stylesheet with the client's accent, darkened where white text on it would
    not read at 4.5:1 (theme.accent). Only a #rrggbb value reaches the CSS."""
    shade = accent(colour if re.fullmatch(r"#[0-9a-fA-F]{6}", colour or "") else "")
    return f":root{{--accent:{shade}}}\n{STYLE}"


def page_headers(style: str) -> dict[str, str]:
    """No script at all, the one inline style by its hash, images only as data: URIs; the
    token in the URL goes to no referrer, cache or frame."""
    digest = base64.b64encode(hashlib.sha256(style.encode("utf-8")).digest()).decode()
    return {
        "Content-Type": "text/html; charset=utf-8",
        "Content-Security-Policy": f"default-src 'none'; style-src 'sha256-{digest}'; "
                                   "img-src data:; frame-ancestors 'none'; base-uri 'none'; "
                                   "form-action 'none'",
        "X-Content-Type-Options": "nosniff",
        "Referrer-Policy": "no-referrer",
        "Cache-Control": "no-store",
        "X-Frame-Options": "DENY",
        "X-Robots-Tag": "noindex, nofollow",
        "Vary": "Accept",
    }


def _data_uri(image: Image | None) -> str:
    if image is None:
        return ""
    return f"data:{image.content_type};base64,{base64.b64encode(image.data).decode()}"


def _day(value: str | None) -> str:
    """"14 December 2026" from an ISO date or time; "" when it is none."""
    moment = parse_iso(value)
    return f"{moment.day} {MONTHS[moment.month - 1]} {moment.year}" if moment else ""


def _remaining(until: datetime | None, now: datetime) -> str:
    seconds = (until - now).total_seconds() if until else 0
    days, hours = round(seconds / 86400), round(seconds / 3600)
    if days >= 2:
        return f"in {days} days"
    return f"in {hours} hours" if hours >= 2 else "within two hours"


def offer_view(report: dict[str, Any], share: dict[str, Any], client: str, files_path: str,
               now: datetime) -> dict[str, Any]:
    """What the page shows of a usable link (`share`: shares.view), without its brands: the
    files grouped by report (leadership's first), each format a button, PDF first."""
    listed = {(a["reportType"], a["format"]): a for a in report.get("artifacts") or []}
    shared = {(a["reportType"], a["format"]) for a in share["artifacts"]}
    reports = []
    for key, kind in REPORT_TYPES.items():
        # A format rendered again without it has nothing to download: not offered.
        formats = [{"name": name, "size": listed[(key, fmt)].get("size"),
                    "url": f"{files_path}/{key}.{fmt}"}
                   for fmt, name in FORMAT_NAMES.items()
                   if (key, fmt) in shared and (key, fmt) in listed]
        if formats:
            reports.append({"label": kind.label, "purpose": kind.purpose, "formats": formats})
    most = share["maxDownloads"]
    return {"client": client, "title": review_name(report),
            "as_of": _day(report.get("exportDate")),
            # The link's times are UTC: the page has no script to show the reader's zone.
            "expires_day": _day(share["expiresAt"]),
            "expires_time": f"{parse_iso(share['expiresAt']):%H:%M} UTC",
            "expires_in": _remaining(parse_iso(share["expiresAt"]), now),
            "downloads_left": None if most is None else most - share["downloads"],
            "max_downloads": most, "reports": reports}


def offer_reply(storage: Storage, report: dict[str, Any], share: dict[str, Any],
                files_path: str, now: datetime) -> Reply:
    """The page of a usable link, branded as the report's files are."""
    client, branding = branding_of(storage, report["clientId"])
    style = _style(branding.accent)
    html = render("share.html", style=Markup(style), **offer_view(report, share, client,
                                                                  files_path, now),
                  client_logo=_data_uri(branding.client_logo),
                  partner_logo=_data_uri(branding.partner_logo),
                  partner=branding.partner_name, contact=branding.partner_contact)
    return Reply(200, raw=html.encode("utf-8"), headers=page_headers(style))


def refused_reply(storage: Storage, status: int, state: str) -> Reply:
    """The page of a link that does not work (404 or 410, as the JSON answer): which of
    expired, revoked, used up or unknown, and whom to ask; the partner's brand only, never
    the client's or the report's."""
    found = partner(storage)
    style = _style("")
    heading, line = REFUSALS.get(state, REFUSALS["unknown"])
    html = render("share_refused.html", style=Markup(style), heading=heading, line=line,
                  partner=found["name"], contact=found["contact"],
                  partner_logo=_data_uri(partner_logo(storage, found)))
    return Reply(status, raw=html.encode("utf-8"), headers=page_headers(style))
