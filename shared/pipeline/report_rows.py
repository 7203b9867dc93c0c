"""A stored report's validated rows, read back from their shard blobs: whole, as a table
held by column (once per worker while they do not change), or a batch at a time as they
download, for a step that keeps little of each row (the comparison with a baseline)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice

from shared.advisor import records as rec_io
from shared.advisor.model import Recommendation
from shared.advisor.row_table import Builder, RowTable
from shared.pipeline import rows_cache
from shared.storage import layout
from shared.storage.context import Storage


def cached_records(storage: Storage, client_id: str, report_id: str,
                   shards: int) -> RowTable:
    """The report's validated rows, read once per worker process while they do not change
    (see rows_cache); the table is shared by the activities that use it."""
    names = {layout.shard_blob_name(client_id, report_id, s) for s in range(shards)}
    blobs = [b for b in storage.artifacts.list_blobs(
        name_starts_with=layout.report_prefix(client_id, report_id)) if b.name in names]
    key = (storage.artifacts.url, *sorted(f"{b.name}@{b.etag}" for b in blobs))
    return rows_cache.rows(key, sum(b.size for b in blobs),
                           lambda: load_records(storage, client_id, report_id, shards))


def load_records(storage: Storage, client_id: str, report_id: str, shards: int) -> RowTable:
    """The report's validated rows, in source order, held by column (see row_table): a
    shard's rows go into the table a batch at a time as its blob downloads."""
    builder = Builder()
    read_batches(storage, client_id, report_id, shards, builder.extend)
    return builder.table().sorted_by("line")


def read_batches(storage: Storage, client_id: str, report_id: str, shards: int,
                 take: Callable[[list[Recommendation]], object]) -> None:
    """Give `take` the report's validated rows, a thousand at a time as the shards download,
    in no set order, one call at a time (several shards are read at once)."""
    reader = rec_io.Reader()  # the same texts recur in every shard: kept once
    taking = threading.Lock()

    def read(shard: int) -> None:
        rows = shard_records(storage, client_id, report_id, shard, reader)
        while batch := list(islice(rows, 1000)):
            with taking:
                take(batch)

    # Four at a time: decoding holds the GIL, so more threads only hold more blobs at once.
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(read, range(shards)))


def shard_records(storage: Storage, client_id: str, report_id: str, shard: int,
                  reader: rec_io.Reader | None = None) -> Iterator[Recommendation]:
    """A staged shard's rows as its blob downloads, a few MB at a time (see
    factory.MAX_SINGLE_GET_BYTES), not the whole blob first."""
    blob = storage.artifacts.get_blob_client(layout.shard_blob_name(client_id, report_id, shard))
    return rec_io.iter_lines(blob.download_blob().chunks(), reader)
