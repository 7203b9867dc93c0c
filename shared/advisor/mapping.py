"""An upload read through a file mapping instead of held in memory.

A million-row export is some 230 MB: held as bytes, it was most of what validation kept. The
validation step downloads the upload into a temporary file and hands the reader a read-only
mapping of it (`mapped`), which offers what the reader uses of bytes (its length, slices,
`find`, regular expressions). The reader reads it a chunk at a time and lets each chunk's
pages go when it is done with them (`release`), so the process holds a chunk of the file, not
the file; the operating system's cache keeps the rest, and can drop it. Bytes work the same
way (release does nothing), so the reader takes either.
"""

from __future__ import annotations

import mmap
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO

Upload = bytes | mmap.mmap

_COUNT_STEP = 16 * 1024 * 1024  # bytes counted before their pages are let go


@contextmanager
def mapped(download: Callable[[IO[bytes]], object]) -> Iterator[Upload]:
    """The bytes `download` writes into a temporary file, as a read-only mapping; the file
    is gone when the block ends."""
    with tempfile.TemporaryFile() as file:
        download(file)
        file.flush()
        if file.seek(0, 2) == 0:
            yield b""  # an empty file cannot be mapped
            return
        with mmap.mmap(file.fileno(), 0, access=mmap.ACCESS_READ) as data:
            yield data


def release(data: Upload, start: int, end: int) -> None:
    """Let the pages of `data[start:end]` go: read again from the file if they are needed."""
    if isinstance(data, mmap.mmap) and end > start:
        first = start - start % mmap.PAGESIZE
        data.madvise(mmap.MADV_DONTNEED, first, end - first)


def count(data: Upload, sub: bytes, start: int = 0) -> int:
    """`data.count(sub, start)` for a mapping too (which has no count), letting the pages go
    as it counts. `sub` is one byte, so no occurrence spans two steps."""
    if isinstance(data, bytes):
        return data.count(sub, start)
    total = 0
    for at in range(start, len(data), _COUNT_STEP):
        end = min(at + _COUNT_STEP, len(data))
        total += data[at:end].count(sub)
        release(data, at, end)
    return total
