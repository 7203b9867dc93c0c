"""shared.pipeline.rows_cache: a report's rows are read once per worker while its blobs stay."""

from __future__ import annotations

import threading
import time

import pytest

from shared.advisor.model import Recommendation
from shared.advisor.row_table import RowTable
from shared.pipeline import rows_cache


@pytest.fixture(autouse=True)
def empty_cache():
    rows_cache.clear()
    yield
    rows_cache.clear()


def table(*texts: str) -> RowTable:
    return RowTable.build(Recommendation(line, text) for line, text in enumerate(texts, 2))


def texts(rows: RowTable) -> list[str]:
    return [r.recommendation for r in rows]


def counting_loader(*values: str):
    calls = []

    def load():
        calls.append(1)
        time.sleep(0.05)
        return table(*values)
    return load, calls


def test_same_blobs_are_read_once_and_new_etags_read_again():
    load, calls = counting_loader("a")
    key = ("acct", "c/r/data/shard-00.jsonl@etag1")
    assert texts(rows_cache.rows(key, 10, load)) == ["a"]
    assert texts(rows_cache.rows(key, 10, load)) == ["a"]
    assert len(calls) == 1
    changed = ("acct", "c/r/data/shard-00.jsonl@etag2")  # re-validated: new blobs
    assert texts(rows_cache.rows(changed, 10, load)) == ["a"] and len(calls) == 2


def test_concurrent_renders_of_one_report_share_one_read():
    load, calls = counting_loader("row")
    key = ("acct", "x@1")
    results = []
    threads = [threading.Thread(target=lambda: results.append(texts(rows_cache.rows(key, 1, load))))
               for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == [["row"]] * 8 and len(calls) == 1


def test_large_reports_are_shared_while_in_use_then_freed_and_failures_are_not_cached():
    load, calls = counting_loader("big")
    key, big = ("acct", "big@1"), rows_cache.MAX_BYTES + 1
    first = rows_cache.rows(key, big, load)
    assert rows_cache.rows(key, big, load) is first and len(calls) == 1  # still held: shared
    del first  # no render holds them any more: gone, read again next time
    assert texts(rows_cache.rows(key, big, load)) == ["big"] and len(calls) == 2

    def failing():
        raise OSError("storage hiccup")
    with pytest.raises(OSError):
        rows_cache.rows(("acct", "f@1"), 1, failing)
    with pytest.raises(OSError):  # not remembered as a failure either
        rows_cache.rows(("acct", "f@1"), 1, failing)
    assert texts(rows_cache.rows(("acct", "f@1"), 1, lambda: table("ok"))) == ["ok"]
