"""Small helpers shared by the table repositories."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

from azure.core.exceptions import ResourceExistsError
from azure.data.tables import TableClient, TableServiceClient, TableTransactionError

MAX_BATCH = 100  # entities per entity-group transaction


def ensure_table(service: TableServiceClient, name: str) -> TableClient:
    with contextlib.suppress(ResourceExistsError):
        service.create_table(name)
    return service.get_table_client(name)


def chunks(items: list, size: int = MAX_BATCH) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


def delete_partition(table: TableClient, partition: str) -> int:
    keys = [e["RowKey"] for e in table.query_entities(
        "PartitionKey eq @pk", parameters={"pk": partition}, select=["RowKey"])]
    for chunk in chunks(keys):
        try:
            table.submit_transaction(
                [("delete", {"PartitionKey": partition, "RowKey": k}) for k in chunk])
        except TableTransactionError:
            # Someone else deleted some of them meanwhile (a delete racing an activity's
            # clean-up): one by one, where a row already gone is no error.
            for k in chunk:
                table.delete_entity(partition, k)
    return len(keys)


def odata_quote(value: str) -> str:
    return "'" + value.replace("'", "''") + "'"

