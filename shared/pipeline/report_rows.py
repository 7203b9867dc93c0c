"""A stored report's validated rows, read back from their shard blobs: whole, as a table
held by column (once per worker while they do not change), or a batch at a time as they
download, for a step that keeps little of each row (the comparison with a baseline); and
those its exclusions leave in the figures."""

from __future__ import annotations

import threading
from collections.abc import Callable, Container, Iterator
from concurrent.futures import ThreadPoolExecutor
from itertools import islice
from typing import Any

from shared.advisor import records as rec_io
from shared.advisor.model import Recommendation
from shared.advisor.row_table import Builder, RowTable
from shared.pipeline import rows_cache
from shared.pipeline.json_blobs import read_json
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
                 take: Callable[[list[Recommendation]], object],
                 lines: Container[int] | None = None) -> None:
    """Give `take` the report's validated rows, a thousand at a time as the shards download,
    in no set order, one call at a time (several shards are read at once). `lines`: only the
    rows of these source lines (the others are not decoded)."""
    reader = rec_io.Reader()  # the same texts recur in every shard: kept once
    taking = threading.Lock()

    def read(shard: int) -> None:
        rows = shard_records(storage, client_id, report_id, shard, reader, lines)
        while batch := list(islice(rows, 1000)):
            with taking:
                take(batch)

    # Four at a time: decoding holds the GIL, so more threads only hold more blobs at once.
    with ThreadPoolExecutor(max_workers=4) as pool:
        list(pool.map(read, range(shards)))


def shard_records(storage: Storage, client_id: str, report_id: str, shard: int,
                  reader: rec_io.Reader | None = None,
                  lines: Container[int] | None = None) -> Iterator[Recommendation]:
    """A staged shard's rows (of `lines` only, when given) as its blob downloads, a few MB at
    a time (see factory.MAX_SINGLE_GET_BYTES), not the whole blob first."""
    blob = storage.artifacts.get_blob_client(layout.shard_blob_name(client_id, report_id, shard))
    return rec_io.iter_lines(blob.download_blob().chunks(), reader, lines)


def shards_of(storage: Storage, report: dict[str, Any]) -> int:
    """How many shards a report's rows were staged in."""
    return int(report.get("shards") or storage.settings.shards)


def records_in_force(storage: Storage, report: dict[str, Any],
                     exclusions: dict[str, Any] | None = None
                     ) -> tuple[RowTable, dict[str, Any]]:
    """The report's rows its exclusions left in the figures, and the exclusions (the rules
    applied with their row counts, and the excluded lines; read from their blob when not
    given)."""
    records = cached_records(storage, report["clientId"], report["reportId"],
                             shards_of(storage, report))
    if exclusions is None:
        exclusions = read_json(storage.artifacts, layout.exclusions_blob_name(
            report["clientId"], report["reportId"])) or {"rules": [], "excluded": {}}
    excluded = exclusions["excluded"]
    if excluded:
        records = records.where("line", lambda line: str(line) not in excluded)
    return records, exclusions
