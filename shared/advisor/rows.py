"""Reading an export's rows: pandas' C parser on the UTF-8 bytes, else the csv module.

The fast reader reads the bytes where they are (no decoded copy of the body) and gives up, with
None, on anything only the exact reader can name: bad rows, blank lines, invalid UTF-8. The
exact reader (csv module) names each bad row with its line number. Either way the rows come out
as columns (`_Table`) with the line each starts on; `_drop_duplicates` then takes out exact
copies of earlier rows, across chunks too (`_Seen`), and `_Warnings` collects what a reading
warns about. A part of reading an export (`parse.py`): the names with an underscore are
parse.py's and validate.py's, not an API of their own.
"""

from __future__ import annotations

import bisect
import codecs
import csv
import io
import itertools
import math
import operator
import warnings as py_warnings
from array import array
from dataclasses import dataclass

from shared.advisor.header import _NOT_SPACE
from shared.advisor.mapping import Upload, release
from shared.advisor.model import RowError, Warning_
from shared.advisor.text import BrokenQuotes, rows_with_lines

_WARNING_LINES = 10  # how many example lines a warning lists

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


def _utf8_body(data: bytes, body_line: int) -> int | None:
    """Where physical line `body_line` starts; None when lines are not plain LF/CRLF."""
    start = len(codecs.BOM_UTF8) if data[:3] == codecs.BOM_UTF8 else 0
    offset = start
    for _ in range(body_line - 1):
        end = data.find(b"\n", offset)
        if end < 0:
            return None
        offset = end + 1
    if b"\r" in data[start:offset].replace(b"\r\n", b""):
        return None  # lone CR line ends: the csv module counted lines differently
    return offset


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
    across chunks too: each distinct line hash with the number of the first line that has it,
    in two sorted arrays (16 bytes a line; a dict of Python ints took some 100), and lines
    compared whole only when hashes meet (the lines stay where they are in the upload)."""

    def __init__(self, data: Upload) -> None:
        import numpy as np  # loaded with pandas, when an export is read

        self._data = data
        self._hashes = np.empty(0, np.int64)  # sorted
        self._numbers = np.empty(0, np.int64)  # the first line with each of those hashes
        self._others: set[bytes] = set()  # lines whose hash an earlier, different line has
        self._pieces: list[tuple[int, int, int]] = []  # (first line, start, end) of each read
        self._starts: dict[int, array] = {}  # piece -> where its lines start, when needed

    def repeats(self, table: _Table) -> set[int]:
        """The indexes of the table's rows whose line repeats an earlier line; remembers the
        table's lines."""
        import numpy as np

        self._pieces.append(table.piece)
        hashes = np.array(table.line_hashes, np.int64)
        order = np.argsort(hashes, kind="stable")  # equal hashes stay in the file's order
        hashes, numbers = hashes[order], np.array(table.lines, np.int64)[order]
        # The number of the first line with each row's hash: the first in this table...
        leads = np.ones(len(hashes), bool)
        leads[1:] = hashes[1:] != hashes[:-1]
        earliest = numbers[np.maximum.accumulate(np.where(leads, np.arange(len(hashes)), 0))]
        known = np.zeros(len(hashes), bool)
        if len(self._hashes):  # ...unless an earlier table had it
            found = np.searchsorted(self._hashes, hashes).clip(max=len(self._hashes) - 1)
            known = self._hashes[found] == hashes
            earliest[known] = self._numbers[found[known]]
        new = leads & ~known
        at = np.searchsorted(self._hashes, hashes[new])
        self._hashes = np.insert(self._hashes, at, hashes[new])
        self._numbers = np.insert(self._numbers, at, numbers[new])
        # Rows that are not the first with their hash: copies, or (rarely) hash collisions.
        repeated = set()
        for index in np.flatnonzero(earliest != numbers).tolist():
            line = self._line(int(numbers[index]))
            if line == self._line(int(earliest[index])) or line in self._others:
                repeated.add(int(order[index]))
            else:
                self._others.add(line)
        return repeated

    def _line(self, number: int) -> bytes:
        index = bisect.bisect_right(self._pieces, (number, math.inf)) - 1
        first_line, start, end = self._pieces[index]
        if index not in self._starts:  # split once, only when hashes met in this piece
            lengths = map(len, self._data[start:end].split(b"\n"))
            # Line k starts after the k lines before it and their k line ends.
            self._starts[index] = array("q", map(operator.add, itertools.accumulate(
                lengths, initial=start), itertools.count()))
            release(self._data, start, end)
        offset = self._starts[index][number - first_line]
        line_end = self._data.find(b"\n", offset, end)
        line = self._data[offset:line_end if line_end >= 0 else end]
        release(self._data, offset, offset + len(line))
        return line


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
