"""The staged rows of the report a worker is summarizing or rendering, read once per worker.

A report's summary and ten renders run as separate activities, several in the same worker
process; each used to download and decode every shard blob again (about 12 MB at 50,000
rows). The rows of the latest report are kept here, keyed by the shard blobs' ETags, so a
re-validated report (new blobs) is never served stale rows. Concurrent renders of the same
report wait for one read and share it instead of each holding a copy.

One report at a time. Up to MAX_BYTES of shard data the rows stay between renders; above it
they are shared only while some render still holds them (a weak reference), so a very large
export is not pinned in memory between its renders.
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable
from concurrent.futures import Future

from shared.advisor.row_table import RowTable

# About 300,000 rows (~440 bytes a row staged; held by column, about 100 bytes a row of
# memory, see RowTable): they stay in a worker between renders. Each render needs them all
# anyway, so keeping them raises no render's peak; reading them again for each of ten renders
# took seconds each at 200,000 rows. Validation drops them before it parses the next export.
MAX_BYTES = 128 * 1024 * 1024

Key = tuple[str, ...]

_lock = threading.Lock()
_slot: tuple[Key, Future | weakref.ref] | None = None


def rows(key: Key, size: int, load: Callable[[], RowTable]) -> RowTable:
    """The rows for `key` (the shard blobs' names and ETags, `size` bytes in all), loading them
    with `load` when this process does not hold them. The table is shared: never changed."""
    global _slot
    with _lock:
        held = _slot[1] if _slot is not None and _slot[0] == key else None
        if isinstance(held, weakref.ref):
            alive = held()
            if alive is not None:
                return alive
            held = None
        owner = held is None
        future: Future = Future() if owner else held
        if owner:
            _slot = (key, future)
    if owner:
        try:
            value = load()
        except BaseException as exc:
            with _lock:
                if _slot is not None and _slot[1] is future:
                    _slot = None
            future.set_exception(exc)
            raise
        with _lock:
            if size > MAX_BYTES and _slot is not None and _slot[1] is future:
                _slot = (key, weakref.ref(value))  # shared while in use, then freed
        future.set_result(value)
    return future.result()


def clear() -> None:
    global _slot
    with _lock:
        _slot = None
