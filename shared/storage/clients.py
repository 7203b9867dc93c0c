"""The Clients table: PartitionKey = "client", RowKey = client id (a slug)."""

from __future__ import annotations

import contextlib
import json
import re
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableClient

from shared.storage.reports import now_iso

PARTITION = "client"
SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
# Kept as JSON text in the table.
JSON_FIELDS = ("contacts", "subscriptionIds", "logo", "importSchedule")
SLUG_TEXT = "lowercase letters, digits and hyphens (1-63 characters, no hyphen at either end)"


def is_slug(value: str) -> bool:
    return bool(SLUG.match(value))


def view(entity: dict[str, Any]) -> dict[str, Any]:
    """A client row as the API shows it (JSON fields decoded, defaults filled in)."""
    out = {"clientId": entity["RowKey"] if "RowKey" in entity else entity["clientId"],
           "name": entity.get("name", ""), "contacts": [], "notes": entity.get("notes", ""),
           "subscriptionIds": [], "active": bool(entity.get("active", True)),
           "accentColor": (entity.get("accentColor") or "").lower() or None, "logo": None,
           "importSchedule": None,
           "createdAt": entity.get("createdAt"), "updatedAt": entity.get("updatedAt")}
    for key in JSON_FIELDS:
        if entity.get(key):  # "" (removed) keeps the default
            out[key] = json.loads(entity[key])
    return out


class ClientsRepository:
    def __init__(self, table: TableClient) -> None:
        self.table = table

    def get(self, client_id: str) -> dict[str, Any] | None:
        try:
            entity = self.table.get_entity(PARTITION, client_id)
        except ResourceNotFoundError:
            return None
        out = {k: v for k, v in entity.items() if k not in ("PartitionKey", "RowKey")}
        out["clientId"] = entity["RowKey"]
        return out

    def ensure(self, client_id: str, name: str = "") -> None:
        """Create a client unless it exists (uploads may name new clients): named `name`,
        else after its id."""
        with contextlib.suppress(ResourceExistsError):
            self.table.create_entity({"PartitionKey": PARTITION, "RowKey": client_id,
                                      "name": name or client_id, "active": True,
                                      "createdAt": now_iso(), "updatedAt": now_iso()})
