"""shared.storage.batch writes exactly what the SDK's submit_transaction writes, on Azurite."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime

import pytest
from azure.data.tables import EdmType, EntityProperty, TableServiceClient, TableTransactionError

from shared.storage.batch import upsert_transaction


@pytest.fixture
def tables(storage_connection):
    service = TableServiceClient.from_connection_string(storage_connection)
    names = ["b" + uuid.uuid4().hex[:12], "b" + uuid.uuid4().hex[:12]]
    clients = [service.create_table(n) for n in names]
    yield clients
    for n in names:
        service.delete_table(n)


def _entities(partition: str) -> list[dict]:
    return [{
        "PartitionKey": partition, "RowKey": f"{i:010d}",
        "text": f"row {i}: O'Brien & Søn, 東京 \"quoted\" \\ 🙂",
        "number": i, "ratio": i / 7, "flag": i % 2 == 0, "empty": "",
        "when": datetime(2026, 11, 23, 12, 0, i % 60, tzinfo=UTC),
        "big": EntityProperty(2**40 + i, EdmType.INT64),
    } for i in range(100)]


def _read(table, partition: str) -> list[dict]:
    return sorted((dict(e) for e in table.query_entities(
        "PartitionKey eq @pk", parameters={"pk": partition})), key=lambda e: e["RowKey"])


def test_a_transaction_stores_what_the_sdk_stores(tables, monkeypatch):
    fast, sdk = tables

    def no_fallback(*args, **kwargs):
        raise AssertionError("a clean transaction must not be sent again through the SDK")
    monkeypatch.setattr(fast, "submit_transaction", no_fallback)
    for partition in ("plain", "quote'd key", "spaces, ünïcode & more"):
        rows = _entities(partition)
        upsert_transaction(fast, rows)
        sdk.submit_transaction([("upsert", e) for e in rows])
        assert _read(fast, partition) == _read(sdk, partition)
        assert len(_read(fast, partition)) == 100


def test_an_upsert_merges_into_an_existing_entity(tables):
    fast, _ = tables
    upsert_transaction(fast, [{"PartitionKey": "p", "RowKey": "1", "a": "x", "b": "kept"}])
    upsert_transaction(fast, [{"PartitionKey": "p", "RowKey": "1", "a": "y"}])
    stored = fast.get_entity("p", "1")
    assert stored["a"] == "y" and stored["b"] == "kept"  # merge, as the SDK's "upsert"


def test_a_refused_transaction_raises_the_sdks_error_and_stores_nothing(tables):
    fast, _ = tables
    rows = [{"PartitionKey": "p", "RowKey": "ok", "a": "x"},
            {"PartitionKey": "p", "RowKey": "bad", "a": "x" * 40_000}]  # over 64 KiB UTF-16
    with pytest.raises(TableTransactionError):
        upsert_transaction(fast, rows)
    assert _read(fast, "p") == []
