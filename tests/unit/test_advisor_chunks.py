"""Reading an export in chunks gives exactly what reading it whole gives: the same records,
warnings, errors and refusals, whatever the chunk size, from bytes or from a file mapping."""

from __future__ import annotations

import random

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import shared.advisor.rows as rows_module
from shared.advisor.mapping import Upload, mapped
from shared.advisor.model import ExportRefused
from shared.advisor.parse import ExportReader, Limits, parse_export
from tests.support.exports import HEADER_17, build_rows, to_csv

WHOLE = 10**12  # a chunk larger than any file: one chunk


def read(data: bytes, chunk_bytes: int, limits: Limits | None = None):
    """(the result, or the refusal's code, line and message; the batches' `first` flags),
    the same whether the reader reads the bytes or a file mapping of them (as validation does)."""
    read_bytes = _read(data, chunk_bytes, limits)
    with mapped(lambda file: file.write(data)) as mapping:
        assert _read(mapping, chunk_bytes, limits) == read_bytes
    return read_bytes


def _read(data: Upload, chunk_bytes: int, limits: Limits | None):
    reader = ExportReader(data, limits or Limits(), chunk_bytes=chunk_bytes)
    records, firsts = [], []
    try:
        for batch in reader.batches():
            firsts.append(batch.first)
            if batch.first:
                records = []
            records.extend(batch.records)
        return reader.result(records), firsts
    except ExportRefused as refused:
        return (refused.code, refused.line, refused.message), firsts


# What each check looks for: a rejected row, unknown values, an unreadable date, a second
# currency (None: a copy of an earlier row).
HAZARDS = [
    {"Recommendation": ""},
    {"Potential Annual Cost Savings": "lots"},
    {"Category": "Sustainability"},
    {"Business Impact": "Critical"},
    {"Updated Date": "yesterday"},
    {"Potential Annual Cost Savings": "12.5", "Potential Cost Savings Currency": "EUR"},
    None,
]


def hazards(count: int, seed: int) -> list[dict[str, str]]:
    """Rows with the hazards spread over the file."""
    rng = random.Random(seed)
    rows = build_rows(count, seed=seed)
    for row in rng.sample(rows, count // 10):
        change = rng.choice(HAZARDS)
        if change is None:
            rows.append(dict(rng.choice(rows)))
        else:
            row.update(change)
    return rows


@pytest.mark.parametrize("line_terminator", ["\r\n", "\n"])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_chunks_of_any_size_read_as_the_whole_file(seed, line_terminator):
    data = to_csv(hazards(400, seed), line_terminator=line_terminator)
    whole, firsts = read(data, WHOLE)
    assert firsts == [True]
    assert whole.duplicates and whole.errors and whole.warnings  # the hazards are there
    for chunk_bytes in (1, 97, 4096, 30_000):
        chunked, firsts = read(data, chunk_bytes)
        assert chunked == whole, chunk_bytes
        assert firsts[0] and not any(firsts[1:]) and len(firsts) > 1  # read in chunks


def test_a_byte_order_mark_and_a_sep_line_read_in_chunks():
    body = to_csv(hazards(200, 4), line_terminator="\n")
    data = b"\xef\xbb\xbfsep=,\n" + body
    whole, _ = read(data, WHOLE)
    chunked, firsts = read(data, 500)
    assert chunked == whole and chunked.encoding == "utf-8-sig" and len(firsts) > 10
    # The sep= line counts: every row is one line further down than in the bare body.
    assert [r.line for r in whole.records] == [r.line + 1 for r in parse_export(body).records]


def test_copies_are_found_across_chunks_when_every_hash_collides(monkeypatch):
    rows = build_rows(120, seed=5)
    data = to_csv(rows + rows[:7] + rows[50:53])
    expected, _ = read(data, WHOLE)
    monkeypatch.setattr(rows_module, "hash", lambda line: 0, raising=False)
    for chunk_bytes in (1, 800, WHOLE):
        colliding, _ = read(data, chunk_bytes)
        assert colliding == expected and colliding.duplicates == 10
        assert len(colliding.records) == 120


def _spanning(index: int) -> bytes:
    rows = build_rows(300, seed=9)
    rows[index]["Recommendation"] = "Two\nlines"
    return to_csv(rows)


@pytest.mark.parametrize(("data", "restarted"), [
    (_spanning(0), False),
    (_spanning(-1), True),
    (to_csv(build_rows(300, seed=9)) + b"x,y," + b",".join([b"z"] * 30) + b"\r\n", True),
], ids=["spanning-first-chunk", "spanning-last-chunk", "field-too-many-at-the-end"])
def test_what_chunks_cannot_settle_is_read_whole_after_them(data, restarted):
    # A row spanning lines (a quoted line break), or a row with a field too many: the reader
    # starts over on the whole file, and its batches say so.
    whole, _ = read(data, WHOLE)
    chunked, firsts = read(data, 1000)
    assert chunked == whole
    if restarted:  # chunks given, then the whole file
        assert len(firsts) > 2 and firsts[0] and firsts[-1] and firsts.count(True) == 2
    else:  # the first chunk could not be read: the whole file at once
        assert firsts == [True]


def test_too_many_rows_and_too_many_rejected_are_refused_alike_in_chunks():
    data = to_csv(build_rows(100, seed=2))
    for limits in (Limits(max_rows=99), Limits(max_rows=100)):
        assert read(data, 300, limits)[0] == read(data, WHOLE, limits)[0]
    rows = build_rows(100, seed=3)
    for row in rows[:60]:
        row["Recommendation"] = ""
    refused, firsts = read(to_csv(rows), 300)
    assert refused == read(to_csv(rows), WHOLE)[0]
    assert refused[0] == "TooManyRejectedRows" and len(firsts) > 1


def test_header_only_and_blank_tails_read_alike():
    header = ",".join(HEADER_17).encode()
    for data in (header + b"\r\n", header + b"\r\n\r\n\r\n",
                 to_csv(build_rows(50, seed=1)) + b"\r\n\r\n"):
        assert read(data, 64)[0] == read(data, WHOLE)[0]


cells = st.text(alphabet=st.sampled_from(list('ab1,;"\n =$.-')), max_size=8)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 39), min_size=1, max_size=80),
       st.lists(st.tuples(st.integers(0, 79), st.integers(0, 16), cells), max_size=6),
       st.integers(1, 3000))
def test_any_rows_read_in_chunks_as_whole(picks, edits, chunk_bytes):
    # Rows drawn with repeats from a pool, some cells overwritten with CSV-like text (quotes,
    # delimiters, line breaks): whatever comes of it whole comes of it in chunks.
    pool = build_rows(40, seed=11)
    rows = [dict(pool[i]) for i in picks]
    for row_index, column, text in edits:
        if row_index < len(rows):
            rows[row_index][HEADER_17[column]] = text
    data = to_csv(rows)
    assert read(data, chunk_bytes)[0] == read(data, WHOLE)[0]


def test_the_result_can_be_asked_for_again():
    rows = build_rows(50, seed=6)
    rows[0].update({"Potential Annual Cost Savings": "12.5",
                    "Potential Cost Savings Currency": "EUR"})
    reader = ExportReader(to_csv(rows), chunk_bytes=500)
    records = [r for batch in reader.batches() for r in batch.records]
    first = reader.result(records)
    assert [w.code for w in first.warnings] == ["MixedCurrencies"]
    assert reader.result(records) == first
