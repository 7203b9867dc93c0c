"""Handing freed memory back to the operating system after a step that used a lot of it.

A worker process serves one step after another. Parsing a large export or rendering a PDF of
every row frees almost everything it made when it returns, but the C allocator keeps the freed
pages in its heaps: at 200,000 rows a worker kept about 200 MB resident after validation, on
top of which every later step's memory was counted (on Flex Consumption, against the
instance's memory). glibc's malloc_trim returns the free pages; elsewhere this does nothing.

The collection before the trim must not cost more than it frees. A full collection walks every
object the garbage collector tracks, and most of them are the imported modules' (some 120,000
once the renderers are loaded): 55-100 ms a step, twelve steps a report, about a sixth of a
5,000-row report's CPU, to find a few thousand unreachable objects. What imports made lives as
long as the process, so after the first collection following new imports it is moved out of
the collector's sight (gc.freeze); later collections walk only what steps made.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
import logging
import sys
import time
from collections.abc import Callable
from typing import ParamSpec, TypeVar

_log = logging.getLogger("advisor_reports.pipeline")
P = ParamSpec("P")
R = TypeVar("R")


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return None


_modules_frozen = 0  # len(sys.modules) at the last freeze


def release() -> None:
    """Collect garbage, then return the allocator's free pages to the system."""
    global _modules_frozen
    started = time.perf_counter()
    gc.collect()
    collected = time.perf_counter()
    if len(sys.modules) != _modules_frozen:
        # Modules were imported (the app at start, a renderer's library at its first use).
        # Whatever survived the collection is frozen with them: module objects and caches,
        # and objects of steps running at that moment on other threads, which the reference
        # counts still free (only cycles among them would stay, once per import, not per step).
        _modules_frozen = len(sys.modules)
        gc.freeze()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)
    ended = time.perf_counter()
    if ended - started > 1:
        _log.info("releasing memory took %.1f s (collection %.1f s, trim %.1f s)",
                  ended - started, collected - started, ended - collected)


def released_after(step: Callable[P, R]) -> Callable[P, R]:
    """`step`, followed by `release()` once what it made is garbage."""
    @functools.wraps(step)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return step(*args, **kwargs)
        finally:
            release()
    return run
