"""The Reports table: PartitionKey = client id, RowKey = report id.

Lists and objects (warnings, errors, artifacts, ...) are stored as JSON strings; reads return
plain dicts with them decoded.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceModifiedError, ResourceNotFoundError
from azure.data.tables import TableClient, UpdateMode

from shared.storage.tables import odata_quote

JSON_FIELDS = ("reportTypes", "formats", "warnings", "errors", "artifacts", "columns", "totals",
               "refusal", "renderInstances", "baseline", "changeCounts", "exclusionRules",
               "importSubscriptions", "imported", "importWarnings")
_MAX_JSON = 30_000  # characters; a string property holds 64 KiB of UTF-16


class ReportGone(LookupError):
    """The report was deleted (or is being deleted): work on it must stop and leave nothing."""


class ReportBusy(RuntimeError):
    """A conditional update lost to other writers every time it tried."""


def iso(moment: datetime) -> str:
    """A moment as stored: UTC, `YYYY-MM-DDTHH:MM:SSZ` (a time without a zone is UTC)."""
    if moment.tzinfo is not None:
        moment = moment.astimezone(UTC)
    # isoformat, not strftime: strftime writes year 999 as "999", which sorts after "2024".
    return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "Z"


def now_iso() -> str:
    return iso(datetime.now(UTC))


def parse_iso(value: str | None) -> datetime | None:
    """A stored (or any ISO 8601) time, UTC when it names no zone; None when it is not one."""
    try:
        moment = datetime.fromisoformat((value or "").replace("Z", "+00:00"))
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _encode(fields: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in fields.items():
        if key in JSON_FIELDS:
            text = json.dumps(value, ensure_ascii=False)
            while len(text) > _MAX_JSON and isinstance(value, list) and value:
                value = value[: len(value) // 2]  # keep the first ones: they come first
                text = json.dumps(value, ensure_ascii=False)
            out[key] = text
        else:
            out[key] = value
    return out


def _decode(entity: dict[str, Any]) -> dict[str, Any]:
    out = {k: v for k, v in entity.items() if k not in ("PartitionKey", "RowKey")}
    out["clientId"] = entity["PartitionKey"]
    out["reportId"] = entity["RowKey"]
    for key in JSON_FIELDS:
        if isinstance(out.get(key), str):
            out[key] = json.loads(out[key])
    return out


class ReportsRepository:
    def __init__(self, table: TableClient) -> None:
        self.table = table

    def create(self, client_id: str, report_id: str, fields: dict[str, Any]) -> None:
        """Create the row; an existing row is replaced (a retried start must not fail)."""
        entity = {"PartitionKey": client_id, "RowKey": report_id, **_encode(fields)}
        self.table.upsert_entity(entity, mode=UpdateMode.REPLACE)

    def update(self, client_id: str, report_id: str, fields: dict[str, Any]) -> None:
        """Merge fields into an existing row; never re-creates a deleted report (ReportGone)."""
        entity = {"PartitionKey": client_id, "RowKey": report_id,
                  **_encode({**fields, "updatedAt": now_iso()})}
        try:
            self.table.update_entity(entity, mode=UpdateMode.MERGE)
        except ResourceNotFoundError:
            raise ReportGone(f"Report {report_id} of client {client_id} no longer exists") \
                from None

    def update_checked(self, client_id: str, report_id: str,
                       change: Callable[[dict[str, Any]], dict[str, Any]]) -> dict[str, Any]:
        """Merge `change(report)` into the row unless the row changed since it was read
        (its ETag): then read it and ask again. `change` raises to refuse (a state or a count
        checked under concurrency, as a retry's attempts). The fields written."""
        for _ in range(20):
            try:
                entity = self.table.get_entity(client_id, report_id)
            except ResourceNotFoundError:
                raise ReportGone(f"Report {report_id} of client {client_id} no longer "
                                 "exists") from None
            fields = change(_decode(entity))
            try:
                self.table.update_entity(
                    {"PartitionKey": client_id, "RowKey": report_id,
                     **_encode({**fields, "updatedAt": now_iso()})},
                    mode=UpdateMode.MERGE, etag=entity.metadata["etag"],
                    match_condition=MatchConditions.IfNotModified)
            except ResourceModifiedError:
                continue
            return fields
        raise ReportBusy(f"Report {report_id} is being changed by many requests at once")

    def get(self, client_id: str, report_id: str) -> dict[str, Any] | None:
        try:
            return _decode(self.table.get_entity(client_id, report_id))
        except ResourceNotFoundError:
            return None

    def find(self, report_id: str) -> dict[str, Any] | None:
        """A report by id alone (the API's routes carry no client id)."""
        rows = list(self.table.query_entities(f"RowKey eq {odata_quote(report_id)}"))
        return _decode(rows[0]) if rows else None

    def list(self, odata: str = "", select: list[str] | None = None) -> list[dict[str, Any]]:
        """Rows matching an OData filter (every row without one); `select` reads only those
        properties (PartitionKey and RowKey are always read)."""
        if select:
            select = ["PartitionKey", "RowKey", *select]
        entities = self.table.query_entities(odata, select=select) if odata \
            else self.table.list_entities(select=select)
        return [_decode(e) for e in entities]

    def delete(self, client_id: str, report_id: str) -> None:
        self.table.delete_entity(client_id, report_id)


def creation_order(report: dict[str, Any]) -> tuple[str, int, str]:
    """Oldest first: the creation time, then its nanoseconds (rows older than the field sort
    first within their second), then the id."""
    return (report.get("createdAt") or "", int(report.get("createdNs") or 0), report["reportId"])


def is_deleted(report: dict[str, Any] | None) -> bool:
    """Gone, or marked for deletion (its data is being removed)."""
    return report is None or bool(report.get("deletedAt"))


def is_comparable(report: dict[str, Any]) -> bool:
    """Not marked "not for comparison" (`comparable: false`, PATCH /api/reports/{id}): such a
    report is never a baseline, and trends and the portfolio leave it out."""
    return report.get("comparable") is not False
