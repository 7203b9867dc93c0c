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
    def write(out: io.TextIOBase) -> None:
        if items is None:
            json.dump(value, out, ensure_ascii=False)
            return
        head = json.dumps(value, ensure_ascii=False)[:-1]  # without its closing brace
        out.write(head + (", " if value else "") + '"results": [')
        for n, item in enumerate(items):
            out.write((", " if n else "") + json.dumps(item, ensure_ascii=False))
        out.write("]}")
    _upload(container, name, write, "application/json")


def put_json_lines(container: ContainerClient, name: str, items: Iterable[Any]) -> None:
    """Each item as one JSON line."""
    def write(out: io.TextIOBase) -> None:
        for item in items:
            out.write(json.dumps(item, ensure_ascii=False))
            out.write("\n")
    _upload(container, name, write, "application/x-ndjson")


def _upload(container: ContainerClient, name: str, write, content_type: str) -> None:
    with tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES) as raw:
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="")
        write(text)
        text.flush()
        size = raw.tell()
        raw.seek(0)
        container.upload_blob(name, raw, length=size, overwrite=True,
                              content_settings=ContentSettings(content_type=content_type))
        text.detach()  # the file is closed by its own context


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
