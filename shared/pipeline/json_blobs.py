"""A report's JSON blobs written and read without holding them whole.

A report of 200,000 rows compared with a small baseline has some 200,000 new findings: as one
JSON text about 100 MB, and as parsed dicts several times that. The summary writes its blobs
through a file as it encodes them, and the full list of changes also as JSON Lines, which the
workbook reads an item at a time while it writes them.
"""

from __future__ import annotations

import io
import json
import tempfile
from collections.abc import Iterable, Iterator
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.storage.blob import ContainerClient, ContentSettings

SPOOL_BYTES = 8 * 1024 * 1024  # a blob above this is encoded into a temporary file


def put_json(container: ContainerClient, name: str, value: dict[str, Any],
             items: Iterable[Any] | None = None) -> None:
    """`value` as one JSON blob, encoded a piece at a time (json.dump) rather than whole; with
    `items`, and those as its last key, "results" (the same text as json.dump of the dict with
    them as a list), each item encoded as it comes."""
    with _Spool() as whole:
        if items is None:
            json.dump(value, whole.text, ensure_ascii=False)
        else:
            _write_with_items(whole.text, value, map(_encoded, items))
        whole.upload(container, name, "application/json")


def put_json_and_lines(container: ContainerClient, name: str, value: dict[str, Any],
                       lines_name: str, items: Iterable[Any]) -> None:
    """put_json(name, value, items), and the same items as JSON Lines (one a line) in
    `lines_name`, in one pass over the items, each encoded once: the summary's list of
    changes is both the API's blob and the workbook's lines, and making and encoding 200,000
    of them twice held the GIL of a worker whose stores were waiting for it."""
    with _Spool() as whole, _Spool() as lines:
        def encoded() -> Iterator[str]:
            for item in items:
                text = _encoded(item)
                lines.text.write(text + "\n")
                yield text

        _write_with_items(whole.text, value, encoded())
        whole.upload(container, name, "application/json")
        lines.upload(container, lines_name, "application/x-ndjson")


def _encoded(item: Any) -> str:
    return json.dumps(item, ensure_ascii=False)


def _write_with_items(out: io.TextIOBase, value: dict[str, Any], encoded: Iterable[str]) -> None:
    head = json.dumps(value, ensure_ascii=False)[:-1]  # without its closing brace
    out.write(head + (", " if value else "") + '"results": [')
    for n, text in enumerate(encoded):
        out.write((", " if n else "") + text)
    out.write("]}")


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


def _items(chunks: Iterable[bytes]) -> Iterator[Any]:
    rest = b""
    for chunk in chunks:
        *lines, rest = (rest + chunk).split(b"\n")
        yield from map(json.loads, lines)
    if rest.strip():
        yield json.loads(rest)
