"""Handing freed memory back to the operating system after a step that used a lot of it.

A worker process serves one step after another. Parsing a large export or rendering a PDF of
every row frees almost everything it made when it returns, but the C allocator keeps the freed
pages in its heaps: at 200,000 rows a worker kept about 200 MB resident after validation, on
top of which every later step's memory was counted (on Flex Consumption, against the
instance's memory). glibc's malloc_trim returns the free pages; elsewhere this does nothing.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import gc
from collections.abc import Callable
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
R = TypeVar("R")


@functools.lru_cache(maxsize=1)
def _malloc_trim() -> Callable[[int], int] | None:
    name = ctypes.util.find_library("c")
    try:
        return ctypes.CDLL(name).malloc_trim if name else None
    except (OSError, AttributeError):  # not glibc (musl, macOS, Windows)
        return None


def release() -> None:
    """Collect garbage, then return the allocator's free pages to the system."""
    gc.collect()
    trim = _malloc_trim()
    if trim is not None:
        trim(0)


def released_after(step: Callable[P, R]) -> Callable[P, R]:
    """`step`, followed by `release()` once what it made is garbage."""
    @functools.wraps(step)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return step(*args, **kwargs)
        finally:
            release()
    return run
