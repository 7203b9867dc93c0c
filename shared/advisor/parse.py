"""Read an Advisor export: refuse bad files clearly, validate row by row, normalise values.

`parse_export(data)` returns a ParseResult or raises ExportRefused; it never raises anything
else, whatever the bytes (the property tests hold it to that).

Speed: rows are read by pandas' C parser when the file is well-formed, else by the csv module,
which reports each bad row with its line number; either way the result is a set of columns that
is normalised column by column, each distinct value converted once.

Memory: `ExportReader` reads a well-formed UTF-8 export a chunk at a time and gives its records
in batches, so a caller can store them as they come (the pipeline does); what grows with the
file is the upload itself (unless it is a file mapping, as validation's is: `mapping.py`) and 16
bytes a line to recognise duplicate rows.

The work is done in three modules beside this one, in the order a file meets them:
`header.py` (the file's checks and its header), `rows.py` (reading the rows, dropping exact
duplicates) and `validate.py` (validating and normalising the values, column by column).
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

from shared.advisor.columns import ColumnMap
from shared.advisor.header import Limits, _check_header, _head, _open
from shared.advisor.mapping import Upload, count, release
from shared.advisor.model import ExportRefused, ParseResult, Recommendation, RowError
from shared.advisor.rows import (
    _drop_duplicates,
    _read_exact,
    _read_fast,
    _Seen,
    _utf8_body,
    _Warnings,
)
from shared.advisor.text import delimiter_name, split_header
from shared.advisor.validate import _normalise


def read_header(data: bytes, limits: Limits = Limits()) -> tuple[ColumnMap, str, str]:
    """Only the header checks, for refusing an upload quickly before storing it.

    Returns (columns, encoding, delimiter name) or raises ExportRefused.
    """
    decoded, text, delimiter, first_line = _open(data, _head(data), limits)
    header_line, header, _, _ = split_header(text, delimiter, first_line)
    return _check_header(header, header_line), decoded.encoding, delimiter_name(delimiter)


def parse_export(data: bytes, limits: Limits = Limits()) -> ParseResult:
    """The whole export read at once: every accepted record in the result."""
    reader = ExportReader(data, limits)
    records: list[Recommendation] = []
    for batch in reader.batches():
        if batch.first:
            records = []  # the reader started over
        records.extend(batch.records)
    return reader.result(records)


# About 17,000 rows of a typical export: pandas' speed per row is the same from a few thousand
# rows up, and the chunk's cells (several times its bytes) stay a few tens of MB.
CHUNK_BYTES = 4 * 1024 * 1024


@dataclass(frozen=True)
class Batch:
    """Accepted records of consecutive rows. `first` marks the first batch of a reading: a
    reader that meets what its chunked reading cannot settle reads the file again whole, and
    what was taken from the batches before is to be dropped."""

    first: bool
    records: list[Recommendation]


class _StartOver(Exception):
    """The chunked reading met something only reading the whole file settles."""


@dataclass
class _Tally:
    """What a reading has found so far, over all its chunks."""

    total: int = 0
    duplicates: int = 0
    errors: list[RowError] = field(default_factory=list)
    warnings: _Warnings = field(default_factory=_Warnings)
    currencies: set[str] = field(default_factory=set)

    def add(self, records: list[Recommendation], errors: list[RowError]) -> None:
        self.errors.extend(sorted(errors, key=lambda e: e.line))
        self.currencies.update(r.currency for r in records
                               if r.annual_savings is not None and r.currency)


class ExportReader:
    """An export read in batches of rows, so a caller can pass them on (to storage) as they
    come instead of holding every record.

    A UTF-8 file with one row per line, the usual export, is read a chunk of about
    `chunk_bytes` at a time: the parsed cells follow the chunk, not the file. Anything else (another
    encoding, rows spanning lines, rows only the exact reader can name, too many rows) is read
    whole, as one batch, after the batches already given (see Batch.first). Either way the
    records, warnings and errors are the same. The header is checked when the reader is made
    (ExportRefused); the rows' refusals come from `batches()` and `result()`.
    """

    def __init__(self, data: Upload, limits: Limits = Limits(),
                 chunk_bytes: int | None = None) -> None:
        self._data, self._limits = data, limits
        self._chunk_bytes = chunk_bytes or CHUNK_BYTES
        decoded, text, self._delimiter, first_line = _open(data, _head(data), limits)
        header_line, header, _, self._body_line = split_header(text, self._delimiter,
                                                               first_line)
        self._columns = _check_header(header, header_line)
        self._encoding, self._fallback = decoded.encoding, decoded.fallback
        self._start = _utf8_body(data, self._body_line) \
            if decoded.encoding in ("utf-8", "utf-8-sig") else None
        self._tally: _Tally | None = None

    def rows_estimate(self) -> int:
        """About how many rows the file has (its lines after the header), known before
        reading them."""
        start = self._start or 0
        return count(self._data, b"\n", start) + 1 - (self._data[-1:] == b"\n")

    def batches(self) -> Iterator[Batch]:
        # Tens of thousands of small objects are made here and none is garbage: pausing the
        # cyclic collector saves a fifth of the time.
        with _gc_paused():
            if self._start is not None:
                try:
                    yield from self._chunked()
                    return
                except _StartOver:
                    pass
            yield Batch(True, self._whole())

    def result(self, records: list[Recommendation]) -> ParseResult:
        """The outcome, once the batches are read; `records` may be [] when the caller passed
        the batches on. Raises ExportRefused when too many rows were rejected."""
        tally = self._tally
        if tally is None:
            raise RuntimeError("read the batches first")
        considered = tally.total - tally.duplicates
        errors = tally.errors
        if len(errors) * 2 > considered:
            first = errors[0]
            raise ExportRefused(
                "TooManyRejectedRows",
                f"{len(errors)} of {considered} rows were rejected (more than half), so the file "
                f"was refused. The first problem: {first.message}",
                line=first.line, column=first.column, details=[e.to_dict() for e in errors[:20]])
        if len(tally.currencies) > 1 and "MixedCurrencies" not in tally.warnings.items:
            tally.warnings.add("MixedCurrencies", "Savings are in several currencies ("
                               + ", ".join(sorted(tally.currencies))
                               + "); totals are kept per currency.", count=1)
        return ParseResult(
            records=records, columns=self._columns.report, encoding=self._encoding,
            delimiter=delimiter_name(self._delimiter), rows_total=tally.total,
            rows_rejected=len(errors), duplicates=tally.duplicates, errors=errors,
            warnings=tally.warnings.in_order(),
        )

    def _new_tally(self) -> _Tally:
        tally = _Tally()
        if self._fallback:
            tally.warnings.add(
                "EncodingFallback", "The file is not UTF-8; it was read as Windows-1252 "
                "(cp1252). Check that names with accents look right, or save it as UTF-8.",
                count=1)
        return tally

    def _chunked(self) -> Iterator[Batch]:
        data, columns = self._data, self._columns
        tally = self._tally = self._new_tally()
        seen = _Seen(data)
        start, line = self._start, self._body_line
        while start < len(data):
            end = self._chunk_end(start)
            chunk = data[start:end]
            release(data, start, end)  # a mapped upload's pages: the chunk is a copy
            table = _read_fast(chunk, 0, self._delimiter, columns.width, line, base=start)
            if table is None or table.line_hashes is None:
                raise _StartOver  # rows the exact reader must name, or rows spanning lines
            tally.total += table.total
            if tally.total > self._limits.max_rows:
                raise _StartOver  # the refusal counts every row
            tally.duplicates += _drop_duplicates(table, tally.warnings, seen)
            records, errors = _normalise(table, columns, self._delimiter == ";",
                                         tally.warnings)
            tally.add(records, table.errors + errors)
            yield Batch(start == self._start, records)
            line += chunk.count(b"\n")
            start = end
        if tally.total == 0:
            raise _StartOver  # no rows: the whole reading names why

    def _chunk_end(self, start: int) -> int:
        """Where the chunk from `start` ends: after the first line end past `chunk_bytes`. A
        quoted value the cut goes through fails the chunk's reading (and the file is read
        whole, as a file with rows spanning lines is anyway)."""
        end = self._data.find(b"\n", start + self._chunk_bytes - 1)
        return len(self._data) if end < 0 else end + 1

    def _whole(self) -> list[Recommendation]:
        # Read whole, the file is in memory: bytes(...) of a mapping copies it, of bytes not.
        data, limits, columns, delimiter = bytes(self._data), self._limits, self._columns, \
            self._delimiter
        table = None
        seen = _Seen(data)
        if self._start is not None:
            # UTF-8 as it should be: pandas reads the bytes after the header, no decoding here.
            table = _read_fast(data, self._start, delimiter, columns.width, self._body_line)
        if table is None:  # another encoding, or rows the exact reader must name: decode it all
            decoded, text, delimiter, first_line = _open(data, data, limits)
            header_line, header, body, body_line = split_header(text, delimiter, first_line)
            del text
            columns = _check_header(header, header_line)
            encoded = body.encode("utf-8")
            seen = _Seen(encoded)
            table = _read_fast(encoded, 0, delimiter, columns.width, body_line) \
                or _read_exact(body, delimiter, columns.width, body_line)
            del body
            self._delimiter, self._columns = delimiter, columns
            self._encoding, self._fallback = decoded.encoding, decoded.fallback
        tally = self._tally = self._new_tally()
        tally.total = table.total
        if table.total > limits.max_rows:
            raise ExportRefused(
                "TooManyRows", f"The file has {table.total:,} data rows; the limit is "
                f"{limits.max_rows:,}. Split it (for example by subscription) and upload the "
                "parts.")
        if table.total == 0:
            raise ExportRefused("NoDataRows", "The file has a header but no data rows: export "
                                "the recommendations again with at least one row.")
        tally.duplicates = _drop_duplicates(table, tally.warnings, seen)
        records, errors = _normalise(table, columns, delimiter == ";", tally.warnings)
        tally.add(records, table.errors + errors)
        return records


@contextmanager
def _gc_paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()
