"""Share links: a report's chosen files, downloadable without a key until a link expires, is
revoked or has served its downloads.

The token (256 random bits) is shown once, when the link is made; only its SHA-256 is stored.
A share is a row keyed by report and share id, and an index row keyed by the token's hash
finds it from a link.
"""

from __future__ import annotations

import hashlib
import json
import secrets
from datetime import datetime, timedelta
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import UpdateMode

from shared.http.errors import ApiError, not_found
from shared.storage import caps
from shared.storage.context import Storage
from shared.storage.reports import iso, parse_iso
from shared.storage.tables import odata_quote

INDEX = "token"  # PartitionKey of the index rows (report ids never equal it: they hold digits)
MAX_SHARES_PER_REPORT = 100


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8", "replace")).hexdigest()


def state(share: dict[str, Any], now: datetime) -> str:
    """active, revoked, expired or exhausted (pure: the clock is the caller's)."""
    if share.get("revokedAt"):
        return "revoked"
    if parse_iso(share["expiresAt"]) <= now:
        return "expired"
    most = share.get("maxDownloads")
    if most is not None and int(share.get("downloads") or 0) >= int(most):
        return "exhausted"
    return "active"


def view(share: dict[str, Any], now: datetime) -> dict[str, Any]:
    return {"shareId": share["RowKey"], "reportId": share["PartitionKey"],
            "clientId": share.get("clientId"),
            "artifacts": json.loads(share.get("artifacts") or "[]"),
            "createdAt": share.get("createdAt"), "createdBy": share.get("createdBy"),
            "expiresAt": share["expiresAt"], "maxDownloads": share.get("maxDownloads"),
            "downloads": int(share.get("downloads") or 0),
            "revokedAt": share.get("revokedAt") or None, "state": state(share, now)}


def create(storage: Storage, report: dict[str, Any], artifacts: list[dict[str, str]],
           hours: int, max_downloads: int | None, created_by: str,
           now: datetime) -> tuple[str, dict[str, Any]]:
    """A new share of listed artifacts; (token, share view). The token is not kept."""
    listed = {(a["reportType"], a["format"]) for a in report.get("artifacts") or []}
    missing = [f"{a['reportType']}.{a['format']}" for a in artifacts
               if (a["reportType"], a["format"]) not in listed]
    if missing:
        raise ApiError(400, "UnknownArtifact", f"The report has no {', '.join(missing)}; share "
                       "files it lists under artifacts.", target="artifacts")
    token = secrets.token_urlsafe(32)
    share_id = secrets.token_hex(8)
    unique = list({(a["reportType"], a["format"]): a for a in artifacts}.values())
    entity = {"PartitionKey": report["reportId"], "RowKey": share_id,
              "clientId": report["clientId"], "tokenHash": token_hash(token),
              "artifacts": json.dumps([{"reportType": a["reportType"], "format": a["format"]}
                                       for a in unique]),
              "createdAt": iso(now), "createdBy": created_by[:200],
              "expiresAt": iso(now + timedelta(hours=hours)), "downloads": 0}
    if max_downloads is not None:
        entity["maxDownloads"] = max_downloads
    # The index row first: a share row without one is never reachable, one without its share
    # finds nothing (404). The cap (links not revoked) holds under concurrent creates.
    storage.shares.create_entity({"PartitionKey": INDEX, "RowKey": token_hash(token),
                                  "reportId": report["reportId"], "shareId": share_id})
    try:
        added = caps.add(storage.shares, entity, MAX_SHARES_PER_REPORT,
                         lambda: _unrevoked(storage, report["reportId"]))
    except caps.Contended:
        added = None
    if not added:
        storage.shares.delete_entity(INDEX, token_hash(token))
        if added is None:
            raise ApiError(409, "Busy", "Many share links are being made for this report at "
                           "once; try again.", target="reportId")
        raise ApiError(409, "TooManyShares", f"A report may have at most "
                       f"{MAX_SHARES_PER_REPORT} share links not revoked; revoke some first.",
                       target="reportId")
    return token, view(entity, now)


def _rows(storage: Storage, report_id: str) -> list[dict[str, Any]]:
    """A report's share rows (not its counter)."""
    return list(storage.shares.query_entities(
        f"PartitionKey eq {odata_quote(report_id)} and RowKey ne {odata_quote(caps.COUNTER)}"))


def _unrevoked(storage: Storage, report_id: str) -> int:
    return sum(1 for r in _rows(storage, report_id) if not r.get("revokedAt"))


def list_shares(storage: Storage, report_id: str, now: datetime) -> list[dict[str, Any]]:
    return sorted((view(r, now) for r in _rows(storage, report_id)),
                  key=lambda s: s["createdAt"], reverse=True)


def revoke(storage: Storage, report_id: str, share_id: str, now: datetime) -> None:
    """Revoke a link (again: nothing more); it stops counting against the cap."""
    def revocation() -> tuple | None:
        try:
            share = storage.shares.get_entity(report_id, share_id)
        except ResourceNotFoundError:
            raise not_found(f"Share '{share_id}'", "shareId") from None
        if share.get("revokedAt"):
            return None
        return ("update", {"PartitionKey": report_id, "RowKey": share_id,
                           "revokedAt": iso(now)},
                {"mode": UpdateMode.MERGE, "etag": share.metadata["etag"],
                 "match_condition": MatchConditions.IfNotModified})

    try:
        caps.change(storage.shares, report_id, revocation)
    except caps.Contended:
        raise ApiError(409, "Busy", "This report's share links are changing; try again.",
                       target="shareId") from None


def delete_all(storage: Storage, report_id: str) -> None:
    """A deleted report's shares, their index rows and their counter."""
    for share in _rows(storage, report_id):
        if share.get("tokenHash"):
            storage.shares.delete_entity(INDEX, share["tokenHash"])  # absent rows: no error
        storage.shares.delete_entity(report_id, share["RowKey"])
    storage.shares.delete_entity(report_id, caps.COUNTER)


def find(storage: Storage, token: str) -> dict[str, Any]:
    """The share a link names, or 404 (an unknown token says nothing more)."""
    try:
        index = storage.shares.get_entity(INDEX, token_hash(token))
        return storage.shares.get_entity(index["reportId"], index["shareId"])
    except ResourceNotFoundError:
        raise not_found("Share link", "token") from None


class ShareGone(ApiError):
    """410: the link expired, was revoked or is used up; `state` says which (the page a
    browser gets names it; the JSON answer is the usual error)."""

    def __init__(self, found: str, why: str) -> None:
        super().__init__(410, "ShareGone", f"This share link {why}; ask for a new one.",
                         target="token")
        self.state = found


def check_usable(share: dict[str, Any], now: datetime) -> None:
    found = state(share, now)
    if found != "active":
        why = {"revoked": "was revoked", "expired": f"expired at {share['expiresAt']}",
               "exhausted": f"has served its {share.get('maxDownloads')} download(s)"}[found]
        raise ShareGone(found, why)


def count_download(storage: Storage, share: dict[str, Any], now: datetime) -> dict[str, Any]:
    """One more download, under the share's ETag: two downloads racing for the last one
    cannot both win. 410 when the link is used up meanwhile."""
    for _ in range(10):
        check_usable(share, now)
        try:
            storage.shares.update_entity(
                {"PartitionKey": share["PartitionKey"], "RowKey": share["RowKey"],
                 "downloads": int(share.get("downloads") or 0) + 1},
                mode=UpdateMode.MERGE, etag=share.metadata["etag"],
                match_condition=MatchConditions.IfNotModified)
            return share
        except ResourceModifiedError:
            share = storage.shares.get_entity(share["PartitionKey"], share["RowKey"])
    raise ApiError(409, "Busy", "This share link is being used by many downloads at once; "
                   "try again.", target="token")
