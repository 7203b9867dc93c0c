"""The audit log: one entry per state change, who did it, to what, and how it ended.

Entries live in one partition, keyed newest first (RowKey = the time subtracted from a far
future, then a random suffix), so "the latest entries" is a plain forward read and a time range
is a RowKey range. CSV contents and share tokens never appear: entries hold ids only.
"""

from __future__ import annotations

import json
import logging
import secrets
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.redaction import clean, clean_value
from shared.storage.context import Storage
from shared.storage.reports import iso
from shared.storage.tables import odata_quote

log = logging.getLogger(__name__)
PARTITION = "audit"
_FAR_FUTURE_NS = 10**19  # RowKeys count down from here: newer entries sort first


@dataclass
class AuditEntry:
    action: str  # the operation id, e.g. deleteReport, or blobDrop
    actor: str  # the principal's name, or "function key"
    actor_id: str = ""
    targets: dict[str, Any] = field(default_factory=dict)
    request_id: str = ""
    outcome: str = "succeeded"  # succeeded | failed
    status: int = 200
    detail: str = ""  # the error code when it failed
    client_id: str = ""


def _row_key(moment_ns: int) -> str:
    return f"{_FAR_FUTURE_NS - moment_ns:020d}-{secrets.token_hex(4)}"


def _key_bound(moment: datetime) -> str:
    """The RowKey of a moment; moments before 1970 or after the far future (2286) are
    clamped, so every date the API takes gives a key of the same shape."""
    ns = min(max(int(moment.timestamp() * 1e9), 0), _FAR_FUTURE_NS)
    return f"{_FAR_FUTURE_NS - ns:020d}"


def record(storage: Storage, entry: AuditEntry, now_ns: int | None = None) -> None:
    """Write one entry; a failure to write is logged, never raised (the action happened)."""
    moment_ns = time.time_ns() if now_ns is None else now_ns
    at = datetime.fromtimestamp(moment_ns / 1e9, UTC)
    try:
        # Text from requests (route values, names from claims, request ids) is stored
        # escaped and bounded: no control character reaches a reader of the audit.
        storage.audit.create_entity({
            "PartitionKey": PARTITION, "RowKey": _row_key(moment_ns), "at": iso(at),
            "action": clean(entry.action, 100), "actor": clean(entry.actor, 200),
            "actorId": clean(entry.actor_id, 200),
            "targets": json.dumps(clean_value(entry.targets, 300), ensure_ascii=False)[:8000],
            "requestId": clean(entry.request_id, 200), "outcome": entry.outcome,
            "status": entry.status, "detail": clean(entry.detail, 200),
            "clientId": clean(entry.client_id, 100)})
    except Exception:  # the audit must not turn a done action into a 5xx
        log.exception("Could not write the audit entry of %s (request %s)", entry.action,
                      entry.request_id)


def _targets(text: str | None) -> dict[str, Any]:
    try:
        found = json.loads(text or "{}")
    except ValueError:  # cut at 8,000 characters when written
        return {"truncated": (text or "")[:8000]}
    return found if isinstance(found, dict) else {}


def view(entity: dict[str, Any]) -> dict[str, Any]:
    return {"at": entity["at"], "action": entity["action"],
            "actor": {"name": entity.get("actor", ""), "id": entity.get("actorId") or None},
            "targets": _targets(entity.get("targets")),
            "clientId": entity.get("clientId") or None,
            "requestId": entity.get("requestId") or None, "outcome": entity["outcome"],
            "status": entity.get("status"), "detail": entity.get("detail") or None}


def query(storage: Storage, *, client_ids: frozenset[str] | None = None,
          client_id: str | None = None, actor: str | None = None, action: str | None = None,
          start: datetime | None = None, end: datetime | None = None) -> list[dict[str, Any]]:
    """Entries newest first, filtered; `client_ids` limits to the clients a caller sees
    (entries of no client are then left out too)."""
    parts = [f"PartitionKey eq {odata_quote(PARTITION)}"]
    if end is not None:
        parts.append(f"RowKey ge {odata_quote(_key_bound(end))}")
    if start is not None:
        parts.append(f"RowKey lt {odata_quote(_key_bound(start) + '~')}")
    if client_id:
        parts.append(f"clientId eq {odata_quote(client_id)}")
    if action:
        parts.append(f"action eq {odata_quote(action)}")
    out = []
    needle = (actor or "").casefold()
    for entity in storage.audit.query_entities(" and ".join(parts)):
        if client_ids is not None and entity.get("clientId") not in client_ids:
            continue
        if needle and needle not in entity.get("actor", "").casefold() \
                and needle != entity.get("actorId", "").casefold():
            continue
        out.append(view(entity))
    return out


def purge(storage: Storage, now: datetime, days: int) -> int:
    """Delete entries older than `days` (the daily cleanup); how many went."""
    cutoff = _key_bound(now - timedelta(days=days))
    old = storage.audit.query_entities(
        f"PartitionKey eq {odata_quote(PARTITION)} and RowKey gt {odata_quote(cutoff + '~')}",
        select=["PartitionKey", "RowKey"])
    count = 0
    for entity in old:
        storage.audit.delete_entity(PARTITION, entity["RowKey"])
        count += 1
    return count
