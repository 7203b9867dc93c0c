"""The staged rows of the report a worker is rendering, read once per worker process.

A report's ten renders run as separate activities, most of them in the same worker process;
each used to download and decode every shard blob again (about 12 MB at 50,000 rows). The rows
of the latest report are kept here, keyed by the shard blobs' ETags, so a re-validated report
(new blobs) is never served stale rows. One report at a time, and only up to MAX_BYTES of
shard data: a very large export is read per render rather than pinned in memory between them.
Concurrent renders of the same report wait for one read instead of each doing it.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from concurrent.futures import Future

from shared.advisor.model import Recommendation

# About 60,000 rows (~630 bytes a row staged): their decoded rows, under 200 MB, stay in a
# worker between renders; larger exports are read per render instead of pinned.
MAX_BYTES = 40 * 1024 * 1024

Key = tuple[str, ...]

_lock = threading.Lock()
_slot: tuple[Key, Future] | None = None


def rows(key: Key, size: int, load: Callable[[], list[Recommendation]]
         ) -> list[Recommendation]:
    """The rows for `key` (the shard blobs' names and ETags), loading them with `load` when this
    process does not hold them. Callers must not change the list."""
    global _slot
    if size > MAX_BYTES:
        return load()
    with _lock:
        if _slot is not None and _slot[0] == key:
            future = _slot[1]
            owner = False
        else:
            future, owner = Future(), True
            _slot = (key, future)
    if owner:
        try:
            future.set_result(load())
        except BaseException as exc:
            with _lock:
                if _slot is not None and _slot[1] is future:
                    _slot = None
            future.set_exception(exc)
    return future.result()


def clear() -> None:
    global _slot
    with _lock:
        _slot = None
