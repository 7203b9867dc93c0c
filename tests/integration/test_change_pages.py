"""A report's changes are read a page at a time from their JSON Lines on Azurite: a page of
findings, not the whole list, whatever the page and however the download's chunks cut it."""

from __future__ import annotations

import json

from shared.pipeline.json_blobs import json_lines_slice, put_json_and_lines
from shared.services import reports
from tests.integration.test_cleanup import make_storage


def test_a_slice_of_a_json_lines_blob_is_read_across_chunks(storage_connection, unique_name):
    storage = make_storage(storage_connection, unique_name)
    items = [{"n": n, "text": f"finding {n} " + "é" * (n % 7) + "x" * 30} for n in range(150_000)]
    data = "".join(json.dumps(i, ensure_ascii=False) + "\n" for i in items).encode()
    assert len(data) > 2 * 4 * 1024 * 1024  # three downloads' chunks at least
    storage.artifacts.upload_blob("lines.jsonl", data, overwrite=True)
    for start, stop in [(0, 10), (5, 5), (70_000, 70_200), (116_000, 117_500),
                        (149_995, 150_010), (0, 150_000)]:
        assert json_lines_slice(storage.artifacts, "lines.jsonl", start, stop) \
            == items[start:stop], (start, stop)
    assert json_lines_slice(storage.artifacts, "no-such.jsonl", 0, 10) is None


def test_the_changes_api_pages_come_from_the_lines(storage_connection, unique_name):
    """The figures come from the changes' blob, a page of findings from their lines: new ones
    first, then resolved; `change` picks one list; blobs of older summaries that hold every
    finding still serve."""
    storage = make_storage(storage_connection, unique_name)
    new = [{"change": "new", "n": n} for n in range(30)]
    resolved = [{"change": "resolved", "n": n} for n in range(12)]
    changes = {"baseline": {"reportId": "a"}, "counts": {"new": 30, "resolved": 12,
                                                          "persisting": 5}}
    report = {"clientId": "acme", "reportId": "b"}
    put_json_and_lines(storage.artifacts, "acme/b/changes.json", changes,
                       "acme/b/change-items.jsonl", iter(new + resolved))
    stored = reports.changes_of(storage, report)
    assert stored == changes  # the figures alone
    every = reports.change_items(storage, report, stored)
    assert len(every) == 42 and every[25:35] == new[25:] + resolved[:5]
    only = reports.change_items(storage, report, stored, "resolved")
    assert len(only) == 12 and only[10:20] == resolved[10:] and only[0] == resolved[0]
    assert reports.change_items(storage, report, stored, "new")[28:40] == new[28:]
    older = {**changes, "results": new + resolved}
    assert reports.change_items(storage, report, older, "resolved") == resolved
