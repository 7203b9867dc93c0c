"""Orchestration state in Table Storage, modelled on the Durable extension's Azure Storage provider.

- `<hub>Instances`: one row per instance (status, input, output, custom status, times).
- `<hub>History`: PartitionKey = instance id, RowKey = sequence number, one row per event.
- `<hub>Inbox`: messages for an instance (task completions, timers fired, raised events) that
  no episode has consumed yet. A message becomes a history row carrying its `MessageId`, so a
  crash between writing history and deleting the message never delivers it twice.
- Values too large for a table property go to the `<hub>-largemessages` container.
"""

from __future__ import annotations

import contextlib
import json
import time
import uuid
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from itertools import count
from typing import Any

from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableServiceClient, UpdateMode
from azure.storage.blob import BlobServiceClient

TERMINAL = frozenset({"Completed", "Failed", "Terminated", "Canceled"})
_MAX_INLINE_CHARS = 30_000  # a table string property holds 64 KiB of UTF-16
_BLOB_PREFIX = "blob:"
_sequence = count()


@dataclass
class InstanceRecord:
    instance_id: str
    name: str
    status: str
    input: str | None
    output: str | None = None
    custom_status: str | None = None
    created: str = ""
    updated: str = ""
    parent_instance_id: str | None = None
    parent_task_id: int | None = None
    # A new id per execution (start, restart, continue-as-new), as DTFx's ExecutionId.
    execution_id: str | None = None

    @property
    def is_terminal(self) -> bool:
        return self.status in TERMINAL


class DurableStore:
    def __init__(self, tables: TableServiceClient, blobs: BlobServiceClient, hub: str) -> None:
        self.hub = hub
        self._tables = tables
        self.instances = tables.get_table_client(f"{hub}Instances")
        self.history = tables.get_table_client(f"{hub}History")
        self.inbox = tables.get_table_client(f"{hub}Inbox")
        self.large = blobs.get_container_client(f"{hub.lower()}-largemessages")

    def ensure(self) -> None:
        for table in (self.instances, self.history, self.inbox):
            with contextlib.suppress(ResourceExistsError):
                self._tables.create_table(table.table_name)
        with contextlib.suppress(ResourceExistsError):
            self.large.create_container()

    # -- values over the table limit -------------------------------------------------------

    def _pack(self, instance_id: str, text: str | None) -> str | None:
        if text is None or len(text) <= _MAX_INLINE_CHARS:
            return text
        name = f"{instance_id}/{uuid.uuid4().hex}.json"
        self.large.upload_blob(name, text.encode("utf-8"), overwrite=True)
        return _BLOB_PREFIX + name

    def _unpack(self, value: str | None) -> str | None:
        if value is None or not value.startswith(_BLOB_PREFIX):
            return value
        return self.large.download_blob(value[len(_BLOB_PREFIX):]).readall().decode("utf-8")

    # -- instances ------------------------------------------------------------------------

    def save_instance(self, record: InstanceRecord) -> None:
        entity = {k: v for k, v in asdict(record).items() if v is not None}
        for key in ("input", "output", "custom_status"):
            if key in entity:
                entity[key] = self._pack(record.instance_id, entity[key])
        entity["PartitionKey"] = record.instance_id
        entity["RowKey"] = ""
        self.instances.upsert_entity(entity, mode=UpdateMode.REPLACE)

    def _record(self, entity: dict[str, Any]) -> InstanceRecord:
        fields = {k: entity.get(k) for k in InstanceRecord.__dataclass_fields__}
        for key in ("input", "output", "custom_status"):
            fields[key] = self._unpack(fields[key])
        return InstanceRecord(**fields)

    def load_instance(self, instance_id: str) -> InstanceRecord | None:
        try:
            return self._record(self.instances.get_entity(instance_id, ""))
        except ResourceNotFoundError:
            return None

    def list_instances(self, statuses: Iterable[str] | None = None) -> list[InstanceRecord]:
        if statuses:
            query = " or ".join(f"status eq '{s}'" for s in statuses)
            entities = self.instances.query_entities(query)
        else:
            entities = self.instances.list_entities()
        return [self._record(e) for e in entities]

    def delete_instance(self, instance_id: str) -> None:
        with contextlib.suppress(ResourceNotFoundError):
            self.instances.delete_entity(instance_id, "")

    # -- history --------------------------------------------------------------------------

    def append_history(
        self, instance_id: str, start: int, events: list[dict[str, Any]],
        message_ids: list[str | None],
    ) -> None:
        rows = []
        for offset, (event, message_id) in enumerate(zip(events, message_ids, strict=True)):
            row = {
                "PartitionKey": instance_id,
                "RowKey": f"{start + offset:010d}",
                "Event": self._pack(instance_id, json.dumps(event)),
            }
            if message_id:
                row["MessageId"] = message_id
            rows.append(row)
        self._upsert_batches(self.history, rows)

    def rewrite_history(self, instance_id: str, changed: dict[int, dict[str, Any]]) -> None:
        """Replace events in place (rewind); other columns of their rows stay."""
        self._upsert_batches(self.history, [
            {"PartitionKey": instance_id, "RowKey": f"{index:010d}",
             "Event": self._pack(instance_id, json.dumps(event))}
            for index, event in sorted(changed.items())])

    def load_history(self, instance_id: str) -> tuple[list[dict[str, Any]], set[str]]:
        rows = sorted(
            self.history.query_entities("PartitionKey eq @pk", parameters={"pk": instance_id}),
            key=lambda r: r["RowKey"],
        )
        events = [json.loads(self._unpack(r["Event"])) for r in rows]
        consumed = {r["MessageId"] for r in rows if r.get("MessageId")}
        return events, consumed

    def delete_history(self, instance_id: str) -> None:
        self._delete_partition(self.history, instance_id)

    # -- inbox ----------------------------------------------------------------------------

    def add_message(self, instance_id: str, event: dict[str, Any]) -> str:
        # Time first so a partition scan returns messages in arrival order.
        message_id = f"{time.time_ns():020d}-{next(_sequence):08d}"
        self.inbox.upsert_entity({
            "PartitionKey": instance_id,
            "RowKey": message_id,
            "Event": self._pack(instance_id, json.dumps(event)),
        })
        return message_id

    def load_messages(self, instance_id: str) -> list[tuple[str, dict[str, Any]]]:
        rows = self.inbox.query_entities("PartitionKey eq @pk", parameters={"pk": instance_id})
        return sorted(
            ((r["RowKey"], json.loads(self._unpack(r["Event"]))) for r in rows),
            key=lambda m: m[0],
        )

    def delete_messages(self, instance_id: str, message_ids: list[str]) -> None:
        for chunk in _chunks(message_ids, 100):
            self.inbox.submit_transaction(
                [("delete", {"PartitionKey": instance_id, "RowKey": m}) for m in chunk]
            )

    def delete_all_messages(self, instance_id: str) -> None:
        self._delete_partition(self.inbox, instance_id)

    # -- helpers --------------------------------------------------------------------------

    def purge(self, instance_id: str) -> None:
        self.delete_history(instance_id)
        self.delete_all_messages(instance_id)
        for blob in self.large.list_blobs(name_starts_with=f"{instance_id}/"):
            self.large.delete_blob(blob.name)
        self.delete_instance(instance_id)

    @staticmethod
    def _upsert_batches(table, rows: list[dict[str, Any]]) -> None:
        # An entity-group transaction holds at most 100 entities and 4 MiB.
        chunk: list[dict[str, Any]] = []
        size = 0
        for row in rows:
            row_size = len(row["Event"]) * 2 + 512
            if chunk and (len(chunk) == 100 or size + row_size > 3_000_000):
                table.submit_transaction([("upsert", r) for r in chunk])
                chunk, size = [], 0
            chunk.append(row)
            size += row_size
        if chunk:
            table.submit_transaction([("upsert", r) for r in chunk])

    @staticmethod
    def _delete_partition(table, partition: str) -> None:
        keys = [
            r["RowKey"] for r in table.query_entities(
                "PartitionKey eq @pk", parameters={"pk": partition}, select=["RowKey"])
        ]
        for chunk in _chunks(keys, 100):
            table.submit_transaction(
                [("delete", {"PartitionKey": partition, "RowKey": k}) for k in chunk]
            )


def _chunks(items: list, size: int) -> Iterable[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]
