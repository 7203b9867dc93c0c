"""Caps that hold under concurrency: a counter row beside the rows it counts.

The rows a cap limits live in one partition (a client's exclusion rules, a report's share
links); the partition also holds a counter row (RowKey `COUNTER`). Adding a row is one
entity-group transaction: the counter, written one higher under the ETag it was read with
(If-Match), and the new row. Of two writers racing for the last place one transaction
commits; the other's If-Match fails (412), it reads the counter again, now at the cap, and is
refused. Removing a row lowers the counter the same way. A partition without a counter (rows
made before there was one) gets one counting its rows.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import TableClient, TableTransactionError, UpdateMode

COUNTER = "~count"  # sorts after every id; never an id (ids hold no "~")
_PATIENCE = 15.0  # seconds of lost races before giving up (Contended)


class Contended(Exception):
    """Too many writers at once: the caller may try again."""


def _attempts() -> Iterator[int]:
    """Attempt numbers, with a jittered, growing pause after each lost race (so a crowd of
    writers spreads out instead of colliding again), until `_PATIENCE` runs out."""
    deadline = time.monotonic() + _PATIENCE
    attempt = 0
    while True:
        yield attempt
        attempt += 1
        if time.monotonic() >= deadline:
            return
        time.sleep(random.uniform(0, min(0.2, 0.005 * 2 ** min(attempt, 6))))


def _counter(table: TableClient, partition: str) -> tuple[int | None, Any]:
    """(the count, the ETag it has), or (None, None) when there is no counter yet."""
    try:
        entity = table.get_entity(partition, COUNTER)
    except ResourceNotFoundError:
        return None, None
    return int(entity.get("count") or 0), entity.metadata["etag"]


def _write(partition: str, count: int, etag: Any) -> tuple:
    entity = {"PartitionKey": partition, "RowKey": COUNTER, "count": count}
    if etag is None:
        return ("create", entity)
    return ("update", entity, {"mode": UpdateMode.MERGE, "etag": etag,
                               "match_condition": MatchConditions.IfNotModified})


def _lost_race(error: TableTransactionError) -> bool:
    """The counter changed (412) or another writer made it first (409)."""
    return error.status_code in (409, 412)


def add(table: TableClient, entity: dict[str, Any], cap: int,
        count_rows: Callable[[], int]) -> bool:
    """Insert `entity` unless its partition already holds `cap` counted rows; False when it
    does. `count_rows` counts them when the partition has no counter yet."""
    partition = entity["PartitionKey"]
    for _ in _attempts():
        count, etag = _counter(table, partition)
        if count is None:
            count = count_rows()
        if count >= cap:
            return False
        try:
            table.submit_transaction([_write(partition, count + 1, etag), ("create", entity)])
        except TableTransactionError as error:
            if _lost_race(error):
                continue
            raise
        return True
    raise Contended(partition)


def change(table: TableClient, partition: str, operation: Callable[[], tuple | None],
           delta: int = -1) -> bool:
    """Apply a transaction operation on a row of `partition` (its delete, or the update that
    stops it counting) and move the counter by `delta`, together. `operation()` reads the row
    afresh for each attempt and returns the operation (conditional on the row's ETag), or
    None when there is nothing to do (the row is gone, or no longer counted): then False."""
    for _ in _attempts():
        op = operation()
        if op is None:
            return False
        count, etag = _counter(table, partition)
        ops = [op] if count is None else [_write(partition, max(0, count + delta), etag), op]
        try:
            table.submit_transaction(ops)  # without a counter, the next add counts the rows
        except TableTransactionError as error:
            if error.status_code in (404, 409, 412):  # the counter or the row moved
                continue
            raise
        return True
    raise Contended(partition)
