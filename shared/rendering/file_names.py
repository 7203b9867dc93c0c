"""What a report's files are called when downloaded: "Contoso Ltd - Executive summary -
December 2026 review.pdf". The client, the report type and the review (its title, else its
export's month), unique among the client's reports, so this month's files never land on last
month's. Pure: the caller reads the client's reports."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable
from typing import Any

from shared.advisor.headlines import review_name
from shared.rendering.report_types import REPORT_TYPES
from shared.storage.reports import creation_order, is_deleted

MAX_CLIENT = 60  # characters of each part; the whole stays well under file systems' 255 bytes
MAX_REVIEW = 80
# Characters Windows refuses in a name (and "/" everywhere), besides the control characters.
_REFUSED = set('<>:"/\\|?*')


def safe_part(text: str) -> str:
    """One part of a file name: no path separator, no character a file system refuses, no
    control or invisible formatting character (a right-to-left override could disguise the
    extension), spaces collapsed."""
    kept = "".join(" " if c in _REFUSED or unicodedata.category(c)[0] == "C"
                   or unicodedata.category(c) in ("Zl", "Zp") else c for c in text)
    return " ".join(kept.split())


def _review(report: dict[str, Any]) -> str:
    # Without a trailing dot: "Q4 review." would end the stem in two dots before the extension.
    return safe_part(review_name(report))[:MAX_REVIEW].strip(" .")


def reviews_of(reports: Iterable[dict[str, Any]]) -> dict[str, str]:
    """Report id -> the review its files are named after, different for each report of a
    client: oldest first, a report whose review an earlier one already names gets " (2)",
    " (3)". Names are compared without regard to case (Windows' and macOS's file systems do
    not see it). Failed and deleted reports have no files and take no name; a new report
    never renames an older one's files."""
    taken: set[str] = set()
    out: dict[str, str] = {}
    for report in sorted(reports, key=creation_order):
        if is_deleted(report) or report.get("status") == "failed":
            continue
        base = _review(report)
        name, number = base, 1
        while name.casefold() in taken:
            number += 1
            name = f"{base} ({number})"
        taken.add(name.casefold())
        out[report["reportId"]] = name
    return out


def download_name(report: dict[str, Any], client_name: str, report_type: str, fmt: str,
                  siblings: Iterable[dict[str, Any]] = ()) -> str:
    """The file name of one of `report`'s files. `siblings`: the client's reports (this one
    among them or not), which its review must differ from."""
    reviews = reviews_of([*(s for s in siblings if s["reportId"] != report["reportId"]),
                          {**report, "status": "completed", "deletedAt": None}])
    parts = (safe_part(client_name)[:MAX_CLIENT].strip(), REPORT_TYPES[report_type].label,
             reviews[report["reportId"]])
    # Windows drops a name's leading and trailing dots and spaces: none to lose.
    stem = " - ".join(p for p in parts if p).strip(" .")
    return f"{stem}.{fmt}"
