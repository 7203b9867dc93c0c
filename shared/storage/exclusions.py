"""The Exclusions table: PartitionKey = client id, RowKey = rule id; a rule's fields as
properties. Each client's partition also holds the counter of its rules (`caps.COUNTER`)."""

from __future__ import annotations

from typing import Any

from shared.advisor.exclusions import MATCH_FIELDS, in_force
from shared.storage.caps import COUNTER
from shared.storage.context import Storage
from shared.storage.reports import now_iso
from shared.storage.tables import odata_quote


def view(entity: dict[str, Any], now: str | None = None) -> dict[str, Any]:
    """A rule as the API shows it, with whether it is in force now."""
    rule = {"ruleId": entity["RowKey"], "clientId": entity["PartitionKey"],
            **{f: entity.get(f) or None for f in MATCH_FIELDS},
            "all": bool(entity.get("all")), "reason": entity.get("reason", ""),
            "kind": entity.get("kind", ""), "expiresAt": entity.get("expiresAt") or None,
            "createdBy": entity.get("createdBy", ""), "createdAt": entity.get("createdAt"),
            "updatedAt": entity.get("updatedAt")}
    rule["inForce"] = in_force(rule, now or now_iso())
    return rule


def rules_of(storage: Storage, client_id: str) -> list[dict[str, Any]]:
    """A client's rules, oldest first (the order in which they are applied)."""
    entities = storage.exclusions.query_entities(
        f"PartitionKey eq {odata_quote(client_id)} and RowKey ne {odata_quote(COUNTER)}")
    return sorted((view(e) for e in entities), key=lambda r: (r["createdAt"] or "",
                                                               r["ruleId"]))
