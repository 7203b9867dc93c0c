"""Clients: the organisations reports belong to."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, datetime
from typing import Any

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import UpdateMode

from shared.http.errors import ApiError, not_found
from shared.services.schedule import next_run
from shared.storage.clients import JSON_FIELDS, PARTITION, is_slug, view
from shared.storage.context import Storage
from shared.storage.reports import creation_order, is_deleted, now_iso
from shared.storage.tables import odata_quote
from shared.storage.trend import completed_reports, left_out, trend_point

FIELDS = ("name", "contacts", "notes", "subscriptionIds", "active", "accentColor",
          "importSchedule")


def slugify(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", "-", text).strip("-")[:55].strip("-") or "client"


def _encode(fields: dict[str, Any]) -> dict[str, Any]:
    """Lists and objects as JSON text; null as "" (a merge cannot remove a property). A
    schedule set now runs from now on (`since`): no import for a run time before it."""
    if fields.get("importSchedule"):
        fields = {**fields, "importSchedule": {**fields["importSchedule"], "since": now_iso()}}
    return {k: "" if v is None else json.dumps(v, ensure_ascii=False) if k in JSON_FIELDS else v
            for k, v in fields.items()}


def shown(entity: dict[str, Any]) -> dict[str, Any]:
    """A client as the API shows it, with its next scheduled import's time."""
    client = view(entity)
    if client["importSchedule"]:
        client["importSchedule"]["nextRunAt"] = next_run(client["importSchedule"],
                                                         datetime.now(UTC))
    return client


def create(storage: Storage, body: dict[str, Any],
           visible: frozenset[str] | None = None) -> dict[str, Any]:
    """Create a client; a caller limited to some clients may create only those."""
    table = storage.client_records.table
    fields = {k: body[k] for k in FIELDS if k in body}
    fields["name"] = fields["name"].strip()
    fields.setdefault("active", True)
    explicit = body.get("clientId")
    base = explicit or slugify(fields["name"])
    for n in range(1, 100):
        client_id = base if n == 1 else f"{base[:58]}-{n}"
        if visible is not None and client_id not in visible:
            raise ApiError(403, "Forbidden", f"You may create only the clients your sign-in "
                           f"names ({', '.join(sorted(visible)) or 'none'}); pass one of them "
                           "as clientId.", target="clientId")
        entity = {"PartitionKey": PARTITION, "RowKey": client_id, **_encode(fields),
                  "createdAt": now_iso(), "updatedAt": now_iso()}
        try:
            table.create_entity(entity)
            return shown(entity)
        except ResourceExistsError:
            if explicit:
                raise ApiError(409, "Conflict", f"Client '{explicit}' exists already.",
                               target="clientId") from None
    raise ApiError(409, "Conflict", "Too many clients with this name; choose a clientId.",
                   target="name")


def get(storage: Storage, client_id: str, visible: frozenset[str] | None) -> dict[str, Any]:
    entity = storage.client_records.get(client_id) if is_slug(client_id) else None
    if entity is None or (visible is not None and client_id not in visible):
        raise not_found(f"Client '{client_id}'", "clientId")
    return shown({**entity, "RowKey": client_id})


def check_accepts_uploads(storage: Storage, client_id: str) -> None:
    """409 when the client is marked inactive (an unknown client is created by the upload)."""
    entity = storage.client_records.get(client_id)
    if entity is not None and not entity.get("active", True):
        raise ApiError(409, "ClientInactive", f"Client '{client_id}' "
                       f"({entity.get('name') or client_id}) is inactive and takes no new "
                       "reports; an admin can make it active again (PATCH "
                       f"/api/clients/{client_id} with active: true).", target="clientId")


def search(storage: Storage, text: str | None, active: bool | None,
           visible: frozenset[str] | None) -> list[dict[str, Any]]:
    rows = storage.client_records.table.query_entities(f"PartitionKey eq {odata_quote(PARTITION)}")
    needle = (text or "").casefold()
    out = []
    for entity in rows:
        client = shown(entity)
        if visible is not None and client["clientId"] not in visible:
            continue
        if needle and needle not in client["name"].casefold() and \
                needle not in client["clientId"]:
            continue
        if active is not None and client["active"] != active:
            continue
        out.append(client)
    return sorted(out, key=lambda c: (c["name"].casefold(), c["clientId"]))


def update(storage: Storage, client_id: str, body: dict[str, Any]) -> dict[str, Any]:
    current = get(storage, client_id, None)
    fields = {k: body[k] for k in (*FIELDS, "logo") if k in body}
    if _same_schedule(current["importSchedule"], fields.get("importSchedule")):
        del fields["importSchedule"]  # unchanged: it keeps running from when it was set
    if "name" in fields:
        fields["name"] = fields["name"].strip()
    storage.client_records.table.upsert_entity(
        {"PartitionKey": PARTITION, "RowKey": client_id, **_encode(fields),
         "updatedAt": now_iso()}, mode=UpdateMode.MERGE)
    return get(storage, client_id, None)


def _same_schedule(current: dict[str, Any] | None, new: dict[str, Any] | None) -> bool:
    keys = ("frequency", "day", "hour")
    return bool(current and new) and all(current.get(k) == new.get(k) for k in keys)


def reports_of(storage: Storage, client_id: str) -> list[dict[str, Any]]:
    return storage.reports.list(f"PartitionKey eq {odata_quote(client_id)}")


def statistics(storage: Storage, client: dict[str, Any]) -> dict[str, Any]:
    reports = sorted((r for r in reports_of(storage, client["clientId"]) if not is_deleted(r)),
                     key=creation_order)
    done = completed_reports(reports)  # without those marked not for comparison
    latest = done[-1] if done else None
    return {
        "clientId": client["clientId"],
        "name": client["name"],
        "reportCount": len(reports),
        "reportsByStatus": {s: sum(1 for r in reports if r.get("status") == s)
                            for s in ("queued", "processing", "completed", "failed")},
        "latestReport": None if latest is None else {
            "reportId": latest["reportId"], "title": latest.get("title", ""),
            "createdAt": latest.get("createdAt"), "totals": latest["totals"]},
        "trend": [{k: point[k] for k in (
            "reportId", "createdAt", "recommendations", "highImpact", "savingsByCurrency",
            "estimatedSavingsByCurrency")} for point in map(trend_point, done)],
        "leftOut": left_out(reports),
    }
