"""Staged rows: JSON Lines written and read back unchanged, compactly, sharing equal values."""

from __future__ import annotations

import json
from decimal import Decimal

from shared.advisor import records as rec_io
from shared.advisor.model import Recommendation
from shared.advisor.parse import parse_export
from tests.support.exports import sample_export

ROWS = parse_export(sample_export(300)).records


def test_rows_round_trip_unchanged():
    odd = Recommendation(7, "Ünïcode “quotes” and a\nline break", category="Cost",
                         annual_savings=Decimal("1234.5600"), currency="EUR",
                         extra={"Tags": "env=prod", "Note": "é"})
    # U+2028, NEL and FS are line breaks to str.splitlines, not to JSON Lines.
    breaks = Recommendation(8, "Separators\u2028in\x85the\x1ctext", solution="a\u2029b")
    rows = [*ROWS, odd, breaks, Recommendation(9, "No savings at all")]
    assert rec_io.loads_lines(rec_io.dumps_lines(rows)) == rows
    back = rec_io.loads_lines(rec_io.dumps_lines([odd]))[0]
    assert str(back.annual_savings) == "1234.5600"  # precision kept, not a float


def test_lines_leave_out_empty_fields():
    line = json.loads(rec_io.dumps_lines([Recommendation(3, "Enable MFA")]))
    assert line == {"line": 3, "recommendation": "Enable MFA"}


def test_lines_with_every_field_still_read():
    """Reports staged before the compact lines are re-rendered from their old blobs."""
    full = "".join(json.dumps(rec_io.to_dict(r)) + "\n" for r in ROWS).encode()
    assert rec_io.loads_lines(full) == ROWS


def test_equal_values_are_one_object():
    back = rec_io.loads_lines(rec_io.dumps_lines(ROWS))
    texts = {r.recommendation for r in back}
    assert len({id(r.recommendation) for r in back}) == len(texts)
    assert len({id(r.subscription_id) for r in back}) == len({r.subscription_id for r in back})
    savings = [r.annual_savings for r in back if r.annual_savings is not None]
    assert len({id(s) for s in savings}) == len({str(s) for s in savings})
    assert len({id(r.extra) for r in back}) == 1  # no extra columns: one shared empty dict


def test_one_reader_shares_values_across_blobs():
    reader = rec_io.Reader()
    first = rec_io.loads_lines(rec_io.dumps_lines(ROWS[:100]), reader)
    second = rec_io.loads_lines(rec_io.dumps_lines(ROWS[100:]), reader)
    assert first + second == ROWS
    texts = {r.recommendation for r in first + second}
    assert len({id(r.recommendation) for r in first + second}) == len(texts)


def test_a_full_table_keeps_sharing_what_it_holds_and_stops_growing(monkeypatch):
    """A column of distinct values (timestamps) must not make the table one entry a row."""
    monkeypatch.setattr(rec_io, "MAX_SHARED_VALUES", 40)
    rows = [r._replace(updated=f"2026-11-20T10:{i // 60:02d}:{i % 60:02d}Z")
            for i, r in enumerate(ROWS)]
    reader = rec_io.Reader()
    back = rec_io.loads_lines(rec_io.dumps_lines(rows), reader)
    assert back == rows and len(reader.values) == 40
    late = back[200:]  # read after the table was full: the texts it holds are still shared
    held = [r for r in late if r.recommendation in reader.values]
    assert held and all(r.recommendation is reader.values[r.recommendation] for r in held)


def test_lines_read_in_pieces_cut_anywhere_give_the_same_rows():
    """Staged shards are read as their blob downloads, a chunk at a time."""
    data = rec_io.dumps_lines(ROWS[:40])
    for size in (1, 7, 100, 4096, len(data)):
        pieces = [data[i:i + size] for i in range(0, len(data), size)]
        assert list(rec_io.iter_lines(pieces)) == ROWS[:40]
    unterminated = data.rstrip(b"\n")
    assert list(rec_io.iter_lines([unterminated[:50], b"", unterminated[50:]])) == ROWS[:40]
    assert list(rec_io.iter_lines([])) == [] and list(rec_io.iter_lines([b"\n"])) == []


def test_lines_are_read_as_pieces_arrive():
    pulled = []

    def pieces():
        for row in ROWS[:3]:
            pulled.append(row.line)
            yield rec_io.dumps_lines([row])

    rows = rec_io.iter_lines(pieces())
    assert next(rows) == ROWS[0] and pulled == [ROWS[0].line]
