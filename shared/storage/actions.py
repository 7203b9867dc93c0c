"""The Actions table: a client's tracked actions. PartitionKey = client id, RowKey = the
action's key (shared.advisor.tracking.action_key), so all of a client's states are one
partition: read in one query, and written in entity-group transactions (all or nothing, up to
100 at a time).

A row holds the four tracked fields (owner, status, dueDate as YYYY-MM-DD, comment), the
action's category and text as last seen (to list it once the export no longer holds it), who
changed it and when (updatedBy, updatedAt) and when its status last changed
(statusChangedAt: "done since the last review" compares it with the baseline's time). An
action nobody has touched has no row: it is open, without owner or date.
"""

from __future__ import annotations

from typing import Any

from azure.data.tables import UpdateMode

from shared.advisor.tracking import FIELDS, state_of
from shared.storage.context import Storage
from shared.storage.tables import chunks, delete_partition, odata_quote

KEPT = (*FIELDS, "category", "recommendation", "updatedBy", "updatedAt", "statusChangedAt",
        "createdAt")


def view(entity: dict[str, Any]) -> dict[str, Any]:
    """A stored state, its fields by name ("" for none)."""
    return {"key": entity["RowKey"], **{k: str(entity.get(k) or "") for k in KEPT},
            **state_of(entity)}


def states_of(storage: Storage, client_id: str) -> dict[str, dict[str, Any]]:
    """Every stored state of a client, by action key."""
    entities = storage.actions.query_entities(f"PartitionKey eq {odata_quote(client_id)}")
    return {e["RowKey"]: view(e) for e in entities}


def write(storage: Storage, client_id: str, rows: list[dict[str, Any]]) -> None:
    """Merge the given fields of each state (each with its `key`), a transaction of up to 100
    rows at a time (one partition: each transaction is all or nothing)."""
    operations = [("upsert", {"PartitionKey": client_id, "RowKey": row["key"],
                              **{k: v for k, v in row.items() if k != "key"}},
                   {"mode": UpdateMode.MERGE}) for row in rows]
    for chunk in chunks(operations):
        storage.actions.submit_transaction(chunk)


def delete_all(storage: Storage, client_id: str) -> int:
    """A deleted client's states."""
    return delete_partition(storage.actions, client_id)


def tracking_facts(storage: Storage, report: dict[str, Any],
                   baseline: dict[str, Any] | None) -> dict[str, Any]:
    """What a report's renders need of the client's tracked actions, read once by the summary
    (so every render of the report shows the same states): the client's states, the report's
    date overdue is judged on (its creation, never the wall clock: the same report renders the
    same), and the baseline's creation time ("done since the last review")."""
    return {"clientId": report["clientId"], "reportId": report["reportId"],
            "asOf": (report.get("createdAt") or "")[:10],
            "since": (baseline or {}).get("createdAt"),
            "states": states_of(storage, report["clientId"])}
