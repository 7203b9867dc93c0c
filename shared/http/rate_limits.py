"""Rate limits: fixed-window counters in Table Storage, so every instance of a scaled-out app
counts against the same limit.

One entity per (route class, caller, window): PartitionKey = class, RowKey = caller and the
window's start. An instance reserves slots by reading the counter and writing it back higher
under the ETag it read (optimistic concurrency): two instances racing for the last slot cannot
both win. It reserves a twentieth of the limit at a time and spends those slots without a round
trip, so a busy caller pays for the shared counter once every few requests; a limit under 20
reserves one slot at a time and is exact. (An instance may hold a few unspent slots when the
window ends: the limit is never exceeded, at worst reached a little early.)
"""

from __future__ import annotations

import hashlib
import threading
import time
from dataclasses import dataclass

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.data.tables import TableClient, UpdateMode

UPLOADS, RENDERS, READS, DROPS = "uploads", "renders", "reads", "drops"
SHARE_FAILURES = "sharefailures"  # anonymous share-link requests that failed, per address
_ATTEMPTS = 20  # conflicts to ride out before giving up on a hot counter
_SHARE = 20  # a reservation is a twentieth of the limit
_reserved: dict[tuple[str, str, str], int] = {}  # (table, class, RowKey) -> unspent slots
_lock = threading.Lock()


@dataclass(frozen=True)
class Verdict:
    allowed: bool
    retry_after: int = 0  # seconds until the window ends (when refused)


def caller_key(principal_id: str, principal_name: str, function_key: str) -> str:
    """Who is counted: the signed-in principal (by object id, else name), else the function
    key (by a hash: keys are secrets, and the host does not tell the app a key's name)."""
    if principal_id:
        return f"id:{principal_id}"
    if principal_name:
        return f"name:{principal_name}"
    return "key:" + hashlib.sha256(function_key.encode()).hexdigest()[:16]


def caller_address(forwarded_for: str | None) -> str:
    """The caller's network address as the platform's front end saw it: the last entry of
    X-Forwarded-For (the front end appends it; a caller can only add entries before it),
    without its port. "unknown" when there is none."""
    last = (forwarded_for or "").split(",")[-1].strip()
    if last.startswith("["):  # [v6]:port
        last = last[1:].split("]", 1)[0]
    elif last.count(":") == 1:  # v4:port
        last = last.split(":", 1)[0]
    return last[:64] or "unknown"


def _safe(text: str) -> str:
    """RowKeys may not hold / \\ # ? or control characters."""
    return "".join(c if c.isprintable() and c not in "/\\#?" else "_" for c in text)[:200]


def check(table: TableClient, route_class: str, caller: str, limit: int, window: int,
          now: float | None = None) -> Verdict:
    """Count one request; refused when the window already holds `limit` of them."""
    if limit <= 0:
        return Verdict(True)
    moment = time.time() if now is None else now
    start = int(moment // window) * window
    key = f"{_safe(caller)}|{start}"
    slot = (table.table_name, route_class, key)
    with _lock:
        if _reserved.get(slot, 0) > 0:
            _reserved[slot] -= 1
            return Verdict(True)
        for old in [s for s in _reserved if int(s[2].rsplit("|", 1)[1]) < start]:
            del _reserved[old]  # reservations of ended windows
    retry_after = max(1, int(start + window - moment + 0.999))
    want = max(1, limit // _SHARE)
    for _ in range(_ATTEMPTS):
        try:
            entity = table.get_entity(route_class, key)
        except ResourceNotFoundError:
            got = min(want, limit)
            try:
                table.create_entity({"PartitionKey": route_class, "RowKey": key, "count": got,
                                     "expires": start + window})
            except ResourceExistsError:
                continue  # another instance made it first: count on it
            return _keep(slot, got)
        count = int(entity["count"])
        if count >= limit:
            return Verdict(False, retry_after)
        got = min(want, limit - count)
        try:
            table.update_entity({"PartitionKey": route_class, "RowKey": key,
                                 "count": count + got},
                                mode=UpdateMode.MERGE, etag=entity.metadata["etag"],
                                match_condition=MatchConditions.IfNotModified)
        except ResourceModifiedError:
            continue
        return _keep(slot, got)
    return Verdict(False, 1)  # too contended to count: ask the caller to come back


def spent(table: TableClient, route_class: str, caller: str, limit: int, window: int,
          now: float | None = None) -> Verdict:
    """Whether `caller` has already used up `limit` in this window: a read, counting nothing
    (failures are counted with `check` once they happen)."""
    if limit <= 0:
        return Verdict(True)
    moment = time.time() if now is None else now
    start = int(moment // window) * window
    try:
        entity = table.get_entity(route_class, f"{_safe(caller)}|{start}")
    except ResourceNotFoundError:
        return Verdict(True)
    if int(entity.get("count") or 0) < limit:
        return Verdict(True)
    return Verdict(False, max(1, int(start + window - moment + 0.999)))


def _keep(slot: tuple[str, str, str], reserved: int) -> Verdict:
    """One of the reserved slots is this request's; the rest wait for the next ones."""
    with _lock:
        _reserved[slot] = _reserved.get(slot, 0) + reserved - 1
    return Verdict(True)


def purge(table: TableClient, now: float | None = None) -> int:
    """Counters of ended windows (the daily cleanup); how many went."""
    moment = int(time.time() if now is None else now)
    old = list(table.query_entities(f"expires lt {moment}", select=["PartitionKey", "RowKey"]))
    for entity in old:
        table.delete_entity(entity["PartitionKey"], entity["RowKey"])
    return len(old)
