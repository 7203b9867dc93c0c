"""A report's JSON blobs written and read without holding them whole.

A report of 200,000 rows compared with a small baseline has some 200,000 new findings: as one
JSON text about 100 MB, and as parsed dicts several times that. The summary writes its blobs
through a file as it encodes them, and the list of changes as JSON Lines beside their figures,
which the workbook reads an item at a time while it writes them and the API a page at a time.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from typing import Any, overload

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContainerClient, ContentSettings

SPOOL_BYTES = 8 * 1024 * 1024  # a blob above this is encoded into a temporary file


def put_json(container: ContainerClient, name: str, value: dict[str, Any]) -> None:
    """`value` as one JSON blob, encoded a piece at a time (json.dump) rather than whole."""
    with _Spool() as whole:
        json.dump(value, whole.text, ensure_ascii=False)
        whole.upload(container, name, "application/json")


def put_json_and_lines(container: ContainerClient, name: str, value: dict[str, Any],
                       lines_name: str, items: Iterable[Any]) -> None:
    """`value` as JSON in `name`, and its list as JSON Lines (one item a line) in
    `lines_name`, each item made and encoded as it comes: the summary's changes, whose
    figures the API and pages read whole and whose 200,000 findings they read a page at a
    time (json_lines_slice), and the workbook all of them, an item at a time."""
    with _Spool() as lines:
        for item in items:
            lines.text.write(json.dumps(item, ensure_ascii=False) + "\n")
        lines.upload(container, lines_name, "application/x-ndjson")
    put_json(container, name, value)


class _Spool:
    """A blob's text encoded into memory, or a temporary file once it is large, then sent."""

    def __enter__(self) -> _Spool:
        self.raw = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)
        self.text = io.TextIOWrapper(self.raw, encoding="utf-8", newline="")
        return self

    def upload(self, container: ContainerClient, name: str, content_type: str) -> None:
        self.text.flush()
        size = self.raw.tell()
        self.raw.seek(0)
        container.upload_blob(name, self.raw, length=size, overwrite=True,
                              content_settings=ContentSettings(content_type=content_type))

    def __exit__(self, *exc: object) -> None:
        self.text.detach()  # the file is closed here, not by the wrapper
        self.raw.close()


def read_json(container: ContainerClient, name: str) -> Any:
    """A JSON blob of a report, or None when it is not there (older reports)."""
    try:
        return json.loads(container.get_blob_client(name).download_blob().readall())
    except ResourceNotFoundError:
        return None


def json_lines(container: ContainerClient, name: str) -> Iterator[Any] | None:
    """The items of a JSON Lines blob as it downloads (a few MB at a time), or None when the
    blob is not there (reports summarized before it was written)."""
    try:
        download = container.get_blob_client(name).download_blob()
    except ResourceNotFoundError:
        return None
    return _items(download.chunks())


def json_lines_slice(container: ContainerClient, name: str, start: int,
                     stop: int) -> list[Any] | None:
    """The items at positions `start` to `stop` (excluded) of a JSON Lines blob, decoding
    only those and downloading no further than the last; None when the blob is not there. A
    page of a report's 200,000 changes: parsing the whole list for it held 300 MB a request."""
    try:
        download = container.get_blob_client(name).download_blob()
    except ResourceNotFoundError:
        return None
    found: list[Any] = []
    at, rest = 0, b""  # the position of the next whole line, and the line a chunk cut
    for chunk in download.chunks():
        data = rest + chunk
        cut = data.rfind(b"\n") + 1
        whole, rest = data[:cut], data[cut:]
        count = whole.count(b"\n")
        if at + count > start:
            lines = whole.split(b"\n")[max(start - at, 0):min(stop - at, count)]
            found.extend(json.loads(line) for line in lines)
        at += count
        if at >= stop:
            return found
    if rest.strip() and start <= at < stop:
        found.append(json.loads(rest))
    return found


class LinesWindow(Sequence[Any]):
    """`size` items of a JSON Lines blob from position `start`, read when sliced (a page of a
    list, for paging.page_of)."""

    def __init__(self, container: ContainerClient, name: str, start: int, size: int) -> None:
        self.container, self.name, self.start, self.size = container, name, start, size

    def __len__(self) -> int:
        return self.size

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, int):
            found = self[index:index + 1] if 0 <= index < self.size else []
            if not found:
                raise IndexError(index)
            return found[0]
        first, last, step = index.indices(self.size)
        if step != 1:
            raise ValueError("a window of lines is read in order")
        if first >= last:
            return []
        return json_lines_slice(self.container, self.name, self.start + first,
                                self.start + last) or []


def _items(chunks: Iterable[bytes]) -> Iterator[Any]:
    rest = b""
    for chunk in chunks:
        *lines, rest = (rest + chunk).split(b"\n")
        yield from map(json.loads, lines)
    if rest.strip():
        yield json.loads(rest)
