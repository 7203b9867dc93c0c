"""An upload read through a file mapping (as validation reads it): the same outcome as its
bytes, and the process keeps a chunk of it, not all of it."""

from __future__ import annotations

import pytest

from shared.advisor.mapping import count, mapped
from shared.advisor.model import ExportRefused
from shared.advisor.parse import ExportReader, parse_export
from tests.support.exports import build_rows, to_csv


def _rss_file_kib() -> int:
    """The file-backed part of this process's resident memory (Linux)."""
    with open("/proc/self/status") as status:
        line = next(line for line in status if line.startswith("RssFile:"))
    return int(line.split()[1])


def _read_all(data) -> tuple:
    reader = ExportReader(data)
    records = [r for batch in reader.batches() for r in batch.records]
    return reader.result(records)


@pytest.mark.parametrize("data", [b"", b" \r\n\t "], ids=["empty", "blank"])
def test_an_empty_or_blank_upload_is_refused_alike(data):
    with pytest.raises(ExportRefused) as from_bytes:
        parse_export(data)
    with mapped(lambda file: file.write(data)) as mapping, \
            pytest.raises(ExportRefused) as from_mapping:
        ExportReader(mapping)
    assert from_mapping.value.code == from_bytes.value.code == "EmptyFile"


def test_a_file_read_whole_reads_the_same_from_a_mapping():
    # Not UTF-8: the reader decodes the whole file, the mapping's bytes copied into memory.
    rows = build_rows(30, seed=4)
    rows[3]["Resource Name"] = "café"
    data = to_csv(rows).decode("utf-8-sig").encode("cp1252", errors="replace")
    with mapped(lambda file: file.write(data)) as mapping:
        result = _read_all(mapping)
    assert result == parse_export(data) and result.encoding == "cp1252"


def test_count_reads_a_mapping_in_steps(monkeypatch):
    import shared.advisor.mapping as mapping_module

    monkeypatch.setattr(mapping_module, "_COUNT_STEP", 7)
    data = b"a\nbb\n\nccc\n" * 11
    with mapped(lambda file: file.write(data)) as mapping:
        assert [count(mapping, b"\n", start) for start in (0, 5, 50, len(data))] == [
            data.count(b"\n", start) for start in (0, 5, 50, len(data))]


def test_reading_a_mapped_upload_keeps_a_chunk_of_it_in_memory():
    rows = build_rows(2_000, seed=2)
    data = to_csv(rows * 20 + rows[:5])  # some 9 MB, copies across chunks
    expected = parse_export(data)  # and pandas' libraries (file-backed memory too) loaded
    with mapped(lambda file: file.write(data)) as mapping:
        before = _rss_file_kib()
        result = _read_all(mapping)
        grew = _rss_file_kib() - before
    assert result == expected and result.duplicates == len(rows) * 19 + 5
    # Read as bytes, all of it would stay; through the mapping, pages go as chunks are read.
    assert len(data) > 8 * 1024 * 1024 and grew < 2 * 1024, grew
