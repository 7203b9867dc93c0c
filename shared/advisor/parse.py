"""Read an Advisor export: refuse bad files clearly, validate row by row, normalise values.

`parse_export(data)` returns a ParseResult or raises ExportRefused; it never raises anything
else, whatever the bytes (the property tests hold it to that).

Speed: rows are read by pandas' C parser when the file is well-formed, else by the csv module,
which reports each bad row with its line number; either way the result is a set of columns that
is normalised column by column, each distinct value converted once.

Memory: `ExportReader` reads a well-formed UTF-8 export a chunk at a time and gives its records
in batches, so a caller can store them as they come (the pipeline does); what grows with the
file is the upload itself and about 100 bytes a row to recognise duplicate rows.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import gc
import io
import itertools
import math
import operator
import re
import warnings as py_warnings
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from decimal import Decimal
from functools import partial

from shared.advisor import values
from shared.advisor.columns import ColumnMap, map_columns
from shared.advisor.model import (
    ExportRefused,
    ParseResult,
    Recommendation,
    RowError,
    Warning_,
)
from shared.advisor.text import (
    BrokenQuotes,
    decode,
    delimiter_name,
    detect_delimiter,
    rows_with_lines,
    split_header,
    split_sep_line,
)

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_ROWS = 1_000_000
_WARNING_LINES = 10  # how many example lines a warning lists
_TEXT_FIELDS = (
    "subscription_id", "subscription_name", "resource_group", "resource_name", "resource_type",
    "resource_id", "potential_benefits", "retiring_feature", "description_of_changes",
    "solution", "recommendation_type_id",
)


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_rows: int = DEFAULT_MAX_ROWS


# Warnings in the order of a file's checks, whatever order its chunks raised them in.
_WARNING_ORDER = ("EncodingFallback", "DuplicateRows", "UnknownCategory", "UnknownImpact",
                  "InvalidDate", "MixedCurrencies")


class _Warnings:
    def __init__(self) -> None:
        self.items: dict[str, Warning_] = {}

    def add(self, code: str, message: str, lines: list[int] | None = None,
            count: int | None = None) -> None:
        """Count `lines` (or `count`) under `code`, keeping the first few lines of the file."""
        warning = self.items.setdefault(code, Warning_(code, message))
        lines = lines or []
        warning.count += len(lines) if count is None else count
        warning.lines = sorted(warning.lines + lines[:_WARNING_LINES])[:_WARNING_LINES]

    def in_order(self) -> list[Warning_]:
        return sorted(self.items.values(), key=lambda w: _WARNING_ORDER.index(w.code))


@dataclass
class _Table:
    """Rows of the right shape, as columns, with the line each row starts on."""

    lines: list[int]
    columns: list[list[str]]
    errors: list[RowError]
    total: int  # data rows seen, including rejected ones
    # When each row is one line: the hash of each row's line, and where in the upload the
    # lines are (first line number, start and end offsets), to find exact duplicate rows
    # without keeping the lines (see _Seen).
    line_hashes: list[int] | None = None
    piece: tuple[int, int, int] | None = None


def read_header(data: bytes, limits: Limits = Limits()) -> tuple[ColumnMap, str, str]:
    """Only the header checks, for refusing an upload quickly before storing it.

    Returns (columns, encoding, delimiter name) or raises ExportRefused.
    """
    decoded, text, delimiter, first_line = _open(data, _head(data), limits)
    header_line, header, _, _ = split_header(text, delimiter, first_line)
    return _check_header(header, header_line), decoded.encoding, delimiter_name(delimiter)


_HEAD = 65536
_NEWLINES = {codecs.BOM_UTF16_LE: b"\n\x00", codecs.BOM_UTF16_BE: b"\x00\n"}


def _head(data: bytes) -> bytes:
    """The first 64 KiB, cut at a line end so no character is split in two."""
    if len(data) <= _HEAD:
        return data
    head = data[:_HEAD]
    newline = _NEWLINES.get(data[:2], b"\n")
    end = head.rfind(newline)
    return head[: end + len(newline)] if end > 0 else head


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

    def __init__(self, data: bytes, limits: Limits = Limits(),
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
        return self._data.count(b"\n", start) + 1 - self._data.endswith(b"\n")

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
            table = _read_fast(data[start:end], 0, self._delimiter, columns.width, line,
                               base=start)
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
            line += data.count(b"\n", start, end)
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
        data, limits, columns, delimiter = self._data, self._limits, self._columns, \
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


def _open(data: bytes, sample: bytes, limits: Limits):
    if len(data) > limits.max_bytes:
        raise ExportRefused(
            "FileTooLarge", f"The file is {len(data):,} bytes; the limit is "
            f"{limits.max_bytes:,} bytes. Split the export and upload the parts.")
    if not data or data.isspace():  # isspace stops at the first other byte; strip() copies
        raise ExportRefused("EmptyFile", "The file is empty: export the recommendations from "
                            "Azure Advisor with \"Download as CSV\" and upload that file.")
    decoded = decode(sample)
    text = decoded.text
    if text.startswith("\ufeff"):  # a second BOM, as some tools write
        text = text.lstrip("\ufeff")
    sep, text, skipped = split_sep_line(text)
    if not text.strip():
        raise ExportRefused("NoDataRows", "The file has no header and no data rows.")
    delimiter = sep or detect_delimiter(text)
    return decoded, text, delimiter, 1 + skipped


MAX_COLUMNS = 500  # Advisor exports have 13 to about 25; tools add a few


def _check_header(header: list[str], line: int) -> ColumnMap:
    if len(header) > MAX_COLUMNS:
        raise ExportRefused(
            "TooManyColumns", f"Line {line}, the header, has {len(header):,} columns; an Azure "
            f"Advisor export has about 20 and at most {MAX_COLUMNS} are read. Check that the "
            "file is an Advisor export and that its delimiter is right.", line=line)
    columns = map_columns(header)
    if "recommendation" not in columns.fields:
        shown = ", ".join(h.strip() for h in header[:8] if h.strip())
        raise ExportRefused(
            "NotAdvisorExport",
            f"Line {line} is not the header of an Azure Advisor export: it has no "
            f"Recommendation column (found: {shown or 'no column names'}). Upload the CSV from "
            "Azure Advisor's \"Download as CSV\", or an API export with a Problem column.",
            line=line)
    return columns


# -- reading rows --------------------------------------------------------------------------------


def _utf8_body(data: bytes, body_line: int) -> int | None:
    """Where physical line `body_line` starts; None when lines are not plain LF/CRLF."""
    start = len(codecs.BOM_UTF8) if data.startswith(codecs.BOM_UTF8) else 0
    offset = start
    for _ in range(body_line - 1):
        end = data.find(b"\n", offset)
        if end < 0:
            return None
        offset = end + 1
    if b"\r" in data[start:offset].replace(b"\r\n", b""):
        return None  # lone CR line ends: the csv module counted lines differently
    return offset


_NOT_SPACE = re.compile(rb"\S")


def _lines_from(data: bytes, start: int) -> tuple[list[bytes], int]:
    """Every line of `data`, and how many of them come before offset `start` (a line start):
    splitting the whole avoids copying the body."""
    return data.split(b"\n"), data.count(b"\n", 0, start)


def _read_fast(data: bytes, start: int, delimiter: str, width: int,
               first_line: int, base: int = 0) -> _Table | None:
    """pandas' C parser on UTF-8 bytes from `start` on; None when the exact reader is needed
    (bad rows, blank lines, invalid UTF-8). Reads the bytes where they are: no copy of the
    body is made. `base`: where `data` starts in the upload (a chunk's offset)."""
    if not _NOT_SPACE.search(data, start):
        return None
    # Hashes of the lines, taken before the cells exist (the lines themselves are as large as
    # the file): when each row is one line, they find exact duplicate rows cheaply.
    every, skip = _lines_from(data, start)
    hashes = list(map(hash, every[skip:]))
    del every
    if data.endswith(b"\n"):
        hashes.pop()
    physical = len(hashes)
    # pandas (some 55 MB a process) loads when an export is first read: the API and the
    # rendering and storing activities never need it.
    import pandas as pd

    with py_warnings.catch_warnings(record=True) as caught:
        py_warnings.simplefilter("always")
        try:
            body = io.BytesIO(data)  # shares the bytes; pandas reads from the position
            body.seek(start)
            # Bytes, not text: pandas decodes UTF-8 in C faster than it reads a Python string.
            frame = pd.read_csv(
                body, encoding="utf-8", sep=delimiter, header=None,
                names=range(width), dtype=str,
                na_filter=False, engine="c", skip_blank_lines=True, on_bad_lines="warn",
                # Without this, extra fields in the first row silently become an index.
                index_col=False,
                quoting=csv.QUOTE_MINIMAL, doublequote=True)
        except (pd.errors.ParserError, ValueError):  # UnicodeDecodeError is a ValueError
            return None
    if caught:
        return None  # rows with too many fields: the exact reader names each one
    columns = [frame[i].tolist() for i in range(width)]
    del frame
    rows = len(columns[0])
    table = _Table([], columns, [], rows)
    if physical == rows:
        table.lines = list(range(first_line, first_line + rows))
        # One row per line: exact duplicate rows are exact duplicate lines.
        table.line_hashes = hashes
        table.piece = (first_line, base + start, base + len(data))
    else:
        # Quoted fields with line breaks: a row starts after the breaks of those before it.
        spans = [1 + sum(column[r].count("\n") for column in columns) for r in range(rows)]
        if sum(spans) != physical:
            return None  # blank lines: let the exact reader count them
        line = first_line
        for span in spans:
            table.lines.append(line)
            line += span
    # Rows of nothing but delimiters are blank lines too (the exact reader skips them).
    blank = [i for i, v in enumerate(columns[0]) if not v.strip()
             and not any(column[i].strip() for column in columns)]
    if blank:
        _keep_rows(table, set(range(rows)) - set(blank))
        table.total -= len(blank)
    return table


def _read_exact(body: str, delimiter: str, width: int, first_line: int) -> _Table:
    lines: list[int] = []
    rows: list[list[str]] = []
    errors: list[RowError] = []
    total = 0
    for line, row in rows_with_lines(body, delimiter, first_line):
        if isinstance(row, BrokenQuotes):
            total += 1
            errors.append(RowError(
                line, "BrokenQuotes",
                f"Line {line}: the quotes of this row do not pair up ({row.reason}): a quoted "
                "value is never closed, or a quote inside a value is not doubled. Quote the "
                "whole value and write a quote inside it as \"\"; the lines after it were "
                "read on their own."))
            continue
        if not any(cell.strip() for cell in row):
            continue  # blank line
        total += 1
        if len(row) > width:
            if any(cell.strip() for cell in row[width:]):
                errors.append(RowError(
                    line, "WrongFieldCount",
                    f"Line {line}: expected {width} fields, found {len(row)}. A value that "
                    "holds the delimiter probably lacks its quotes."))
                continue
            row = row[:width]  # trailing delimiters, as spreadsheets write them
        elif len(row) < width:
            row = row + [""] * (width - len(row))  # trailing empty cells left out
        lines.append(line)
        rows.append(row)
    columns = [list(c) for c in zip(*rows, strict=True)] if rows else [[] for _ in range(width)]
    return _Table(lines, columns, errors, total)


class _Seen:
    """The lines of a file read so far, to find rows that are exact copies of earlier ones,
    across chunks too: each line's hash and number (the lines stay where they are in the
    upload), and lines compared whole only when hashes meet."""

    def __init__(self, data: bytes) -> None:
        self._data = data
        self._first: dict[int, int] = {}  # line hash -> number of the first line with it
        self._others: set[bytes] = set()  # lines whose hash an earlier, different line has
        self._pieces: list[tuple[int, int, int]] = []  # (first line, start, end) of each read
        self._starts: dict[int, list[int]] = {}  # piece -> where its lines start, when needed

    def repeats(self, table: _Table) -> set[int]:
        """The indexes of the table's rows whose line repeats an earlier line; remembers the
        table's lines."""
        hashes, lines, first = table.line_hashes, table.lines, self._first
        self._pieces.append(table.piece)
        if first.keys().isdisjoint(hashes) and len(set(hashes)) == len(hashes):
            first.update(zip(hashes, lines, strict=True))  # the usual case: no two alike
            return set()
        repeated = set()
        for index, (key, number) in enumerate(zip(hashes, lines, strict=True)):
            earlier = first.setdefault(key, number)
            if earlier == number:
                continue
            line = self._line(number)
            if line == self._line(earlier) or line in self._others:
                repeated.add(index)
            else:
                self._others.add(line)
        return repeated

    def _line(self, number: int) -> bytes:
        index = bisect.bisect_right(self._pieces, (number, math.inf)) - 1
        first_line, start, end = self._pieces[index]
        if index not in self._starts:  # split once, only when hashes met in this piece
            lengths = map(len, self._data[start:end].split(b"\n"))
            # Line k starts after the k lines before it and their k line ends.
            self._starts[index] = list(map(operator.add, itertools.accumulate(
                lengths, initial=start), itertools.count()))
        offset = self._starts[index][number - first_line]
        line_end = self._data.find(b"\n", offset, end)
        return self._data[offset:line_end if line_end >= 0 else end]


def _drop_duplicates(table: _Table, warnings: _Warnings, seen: _Seen) -> int:
    if table.line_hashes is not None:
        repeated = seen.repeats(table)
    else:  # rows spanning lines, or read by the exact reader: compare their cells
        keys = list(zip(*table.columns, strict=True))
        if len(set(keys)) == len(keys):
            return 0
        cells: set = set()
        repeated = set()
        for index, key in enumerate(keys):
            if key in cells:
                repeated.add(index)
            cells.add(key)
    duplicate_lines = [table.lines[i] for i in sorted(repeated)]
    keep = [i for i in range(len(table.lines)) if i not in repeated]
    if duplicate_lines:
        warnings.add("DuplicateRows", "Some rows are exact copies of earlier rows; each is "
                     "stored once.", duplicate_lines)
        _keep_rows(table, keep)
    return len(duplicate_lines)


def _keep_rows(table: _Table, keep) -> None:
    keep = sorted(keep)
    table.lines = [table.lines[i] for i in keep]
    table.columns = [[column[i] for i in keep] for column in table.columns]
    if table.line_hashes is not None:
        table.line_hashes = [table.line_hashes[i] for i in keep]


# -- normalising columns --------------------------------------------------------------------------


def _mapped(column: list[str], convert) -> list:
    """Convert each distinct value once (when values repeat; else converting each is cheaper)."""
    distinct = set(column)
    if len(distinct) * 4 > len(column):
        return list(map(convert, column))
    cache = {value: convert(value) for value in distinct}
    return list(map(cache.__getitem__, column))


def _normalise(table: _Table, columns: ColumnMap, decimal_comma: bool,
               warnings: _Warnings) -> tuple[list[Recommendation], list[RowError]]:
    """Normalise column by column, then build the records in one pass."""
    f = columns.fields
    names = {field: name for name, field in columns.report.recognised.items()}
    lines = table.lines
    col = table.columns
    n = len(lines)
    blank = [""] * n
    errors: list[RowError] = []
    rejected: set[int] = set()

    def stripped(field: str) -> list[str]:
        if field not in f:
            return blank
        return list(map(str.strip, col[f[field]]))  # cheaper than caching distinct values

    text = stripped("recommendation")
    for i, value in enumerate(text):
        if not value:
            rejected.add(i)
            errors.append(RowError(lines[i], "MissingRecommendation",
                                   f"Line {lines[i]}: the {names['recommendation']} column is "
                                   "empty.", column=names["recommendation"]))
    category = _known_or_warn(col, f, "category", values.category, lines, warnings,
                              "UnknownCategory", "Some rows have a category Advisor does not "
                              "use; it is kept as written.")
    impact = _known_or_warn(col, f, "impact", values.impact, lines, warnings, "UnknownImpact",
                            "Some rows have an impact other than High, Medium or Low; it is "
                            "kept as written.")
    fields = {name: stripped(name) for name in _TEXT_FIELDS}
    savings, currency = _savings(col, f, names, fields["potential_benefits"], decimal_comma,
                                 lines, errors, rejected)
    extras = [(name, col[i]) for i, name in columns.extras if any(map(str.strip, col[i]))]
    extra = [
        {name: column[i] for name, column in extras if column[i].strip()} for i in range(n)
    ] if extras else [{}] * n
    ordered = [
        lines, text, category, impact, fields["subscription_id"],
        fields["subscription_name"], fields["resource_group"], fields["resource_name"],
        fields["resource_type"], fields["resource_id"],
        _dates(col, f, "updated", values.iso_datetime, lines, warnings),
        fields["potential_benefits"], savings, currency,
        _dates(col, f, "retirement_date", values.iso_date, lines, warnings),
        fields["retiring_feature"], fields["description_of_changes"], fields["solution"],
        fields["recommendation_type_id"], extra,
    ]
    rows = zip(*ordered, strict=True)
    if rejected:
        rows = (row for i, row in enumerate(rows) if i not in rejected)
    # tuple.__new__ directly: what Recommendation._make does, without a Python call per row.
    return list(map(partial(tuple.__new__, Recommendation), rows)), errors


def _known_or_warn(col, f, field, convert, lines, warnings, code, message) -> list[str]:
    if field not in f:
        return [""] * len(lines)
    pairs = _mapped(col[f[field]], convert)
    unknown = [lines[i] for i, (_, known) in enumerate(pairs) if not known]
    if unknown:
        warnings.add(code, message, unknown)
    return [value for value, _ in pairs]


def _savings(col, f, names, benefits, decimal_comma, lines, errors, rejected):
    n = len(lines)
    amounts: list[Decimal | None] = [None] * n
    currencies = [""] * n
    if "annual_savings" in f:
        def parse(raw: str):
            try:
                return values.money(raw, decimal_comma)
            except values.InvalidAmount:
                return None
        parsed = _mapped(col[f["annual_savings"]], parse)
        raw = col[f["annual_savings"]]
        for i, result in enumerate(parsed):
            if result is None:
                rejected.add(i)
                errors.append(RowError(
                    lines[i], "InvalidSavings", f"Line {lines[i]}: the savings value "
                    f"{raw[i].strip()[:40]!r} is not an amount.", column=names["annual_savings"]))
            else:
                amounts[i], currencies[i] = result
    missing = [i for i in range(n) if amounts[i] is None and benefits[i]]
    if missing:
        cache: dict[str, tuple] = {}
        for i in missing:
            text = benefits[i]
            if text not in cache:
                cache[text] = values.money_from_benefits(text, decimal_comma)
            amounts[i], currencies[i] = cache[text]
    if "currency" in f:
        given = _mapped(col[f["currency"]], lambda v: v.strip().upper())
        currencies = [g or c for g, c in zip(given, currencies, strict=True)]
        name = names["currency"]
        for i, code in enumerate(given):
            # A currency that is not an ISO 4217 code is a value shifted into the wrong cell
            # (a stray delimiter or quote) far more often than a currency: the row is refused.
            if code and not _CURRENCY.match(code) and i not in rejected:
                rejected.add(i)
                errors.append(RowError(
                    lines[i], "InvalidCurrency", f"Line {lines[i]}: the currency "
                    f"{col[f['currency']][i].strip()[:40]!r} is not a three-letter code such as "
                    "USD or EUR; the row's values may be shifted by a stray delimiter or quote.",
                    column=name))
    return amounts, currencies


_CURRENCY = re.compile(r"^[A-Z]{3}$")
_ISO_UTC_COLUMN = re.compile(r"(?:\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\.\d+)?Z\n)*")


def _dates(col, f, field, convert, lines, warnings) -> list[str]:
    if field not in f:
        return [""] * len(lines)
    column = col[f[field]]
    if convert is values.iso_datetime and _ISO_UTC_COLUMN.fullmatch("\n".join(column) + "\n"):
        return [v[:19] + "Z" for v in column]  # all ISO 8601 UTC already, as the portal writes

    def parse(raw: str):
        try:
            return convert(raw), True
        except values.InvalidDate:
            return raw.strip(), False

    pairs = _mapped(col[f[field]], parse)
    bad = [lines[i] for i, (_, ok) in enumerate(pairs) if not ok]
    if bad:
        warnings.add("InvalidDate", "Some dates could not be read; they are kept as written.",
                     bad)
    return [value for value, _ in pairs]
