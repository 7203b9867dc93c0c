"""Staged shards are read and stored as their blobs download, a chunk at a time, not whole
(against real Azurite, through the app's clients)."""

from __future__ import annotations

from shared.advisor import records as rec_io
from shared.advisor.model import Recommendation
from shared.pipeline import report_rows
from shared.storage import layout, recommendations
from shared.storage.factory import MAX_SINGLE_GET_BYTES
from tests.integration.test_cleanup import make_storage

SHARDS = 4


def _rows_of_one_shard(count: int, shard: int = 1) -> list[Recommendation]:
    lines = (n for n in range(2, 10**7) if layout.shard_of(n, SHARDS) == shard)
    return [Recommendation(line=next(lines), recommendation=f"Rightsize VM {i}",
                           resource_name=f"vm-{i:06d}-" + "x" * 200, category="Cost")
            for i in range(count)]


def test_a_shard_larger_than_one_request_downloads_in_chunks(storage_connection, unique_name):
    storage = make_storage(storage_connection, unique_name)
    rows = _rows_of_one_shard(30_000)
    data = rec_io.dumps_lines(rows)
    assert len(data) > 2 * MAX_SINGLE_GET_BYTES
    name = layout.shard_blob_name("acme", "r1", 1)
    storage.artifacts.upload_blob(name, data)
    sizes = [len(c) for c in storage.artifacts.get_blob_client(name).download_blob().chunks()]
    assert len(sizes) >= 3 and max(sizes) <= MAX_SINGLE_GET_BYTES and sum(sizes) == len(data)
    assert list(report_rows.shard_records(storage, "acme", "r1", 1)) == rows


def test_a_shard_is_stored_a_transaction_at_a_time_as_rows_arrive(storage_connection,
                                                                  unique_name, monkeypatch):
    storage = make_storage(storage_connection, unique_name)
    rows = _rows_of_one_shard(250)
    pulled, sent = [], []

    def arriving():
        for row in rows:
            pulled.append(row)
            yield row

    real = recommendations.upsert_transaction

    def upsert(table, entities):  # the real write; noted: how many rows had been read by then
        sent.append((len(pulled), len(entities)))
        return real(table, entities)

    monkeypatch.setattr(recommendations, "upsert_transaction", upsert)
    assert storage.recommendations.store_shard("r1", arriving(), SHARDS) == (250, 0)
    assert [n for _, n in sent] == [100, 100, 50]
    # Never more than one transaction's rows ahead (and the one row that ends it).
    assert all(read <= done + n + 1 for (read, n), done in zip(sent, (0, 100, 200), strict=True))
    stored = storage.recommendations.query("r1", SHARDS)
    assert sorted(e["RowKey"] for e in stored) == sorted(f"{r.line:010d}" for r in rows)
