"""Read an Advisor export: refuse bad files clearly, validate row by row, normalise values.

`parse_export(data)` returns a ParseResult or raises ExportRefused; it never raises anything
else, whatever the bytes (the property tests hold it to that).

Speed: rows are read by pandas' C parser when the file is well-formed, else by the csv module,
which reports each bad row with its line number; either way the result is a set of columns that
is normalised column by column, each distinct value converted once.
"""

from __future__ import annotations

import codecs
import csv
import gc
import io
import re
import warnings as py_warnings
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from functools import partial

import pandas as pd

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


class _Warnings:
    def __init__(self) -> None:
        self.items: dict[str, Warning_] = {}

    def add(self, code: str, message: str, lines: list[int] | None = None,
            count: int | None = None) -> None:
        warning = self.items.setdefault(code, Warning_(code, message))
        lines = lines or []
        warning.count += len(lines) if count is None else count
        room = _WARNING_LINES - len(warning.lines)
        warning.lines.extend(lines[:max(room, 0)])


@dataclass
class _Table:
    """Rows of the right shape, as columns, with the line each row starts on."""

    lines: list[int]
    columns: list[list[str]]
    errors: list[RowError]
    total: int  # data rows seen, including rejected ones
    # When each row is one line: the hash of each row's line, and where the lines are (the
    # UTF-8 bytes, the offset of the first row's line and its line number) to compare them
    # when hashes repeat.
    line_hashes: list[int] | None = None
    source: tuple[bytes, int] | None = None
    first_line: int = 0

    def raw_lines(self) -> list[bytes]:
        """The bytes of each row's line (only when each row is one line)."""
        every, skip = _lines_from(*self.source)
        return [every[skip + line - self.first_line] for line in self.lines]


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
    # Tens of thousands of small objects are made here and none is garbage: pausing the cyclic
    # collector saves a fifth of the time.
    with _gc_paused():
        return _parse(data, limits)


@contextmanager
def _gc_paused():
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _parse(data: bytes, limits: Limits) -> ParseResult:
    decoded, text, delimiter, first_line = _open(data, _head(data), limits)
    header_line, header, _, body_line = split_header(text, delimiter, first_line)
    columns = _check_header(header, header_line)
    table = None
    if decoded.encoding in ("utf-8", "utf-8-sig"):
        # UTF-8 as it should be: pandas reads the bytes after the header, no decoding here.
        start = _utf8_body(data, body_line)
        if start is not None:
            table = _read_fast(data, start, delimiter, columns.width, body_line)
    if table is None:  # another encoding, or rows the exact reader must name: decode it all
        decoded, text, delimiter, first_line = _open(data, data, limits)
        header_line, header, body, body_line = split_header(text, delimiter, first_line)
        del text
        columns = _check_header(header, header_line)
        table = _read_fast(body.encode("utf-8"), 0, delimiter, columns.width, body_line) \
            or _read_exact(body, delimiter, columns.width, body_line)
        del body
    del data
    warnings = _Warnings()
    if decoded.fallback:
        warnings.add("EncodingFallback", "The file is not UTF-8; it was read as Windows-1252 "
                     "(cp1252). Check that names with accents look right, or save it as UTF-8.",
                     count=1)
    if table.total > limits.max_rows:
        raise ExportRefused(
            "TooManyRows", f"The file has {table.total:,} data rows; the limit is "
            f"{limits.max_rows:,}. Split it (for example by subscription) and upload the parts.")
    if table.total == 0:
        raise ExportRefused("NoDataRows", "The file has a header but no data rows: export "
                            "the recommendations again with at least one row.")

    duplicates = _drop_duplicates(table, warnings)
    records, row_errors = _normalise(table, columns, delimiter == ";", warnings)
    errors = sorted(table.errors + row_errors, key=lambda e: e.line)
    considered = table.total - duplicates
    if len(errors) * 2 > considered:
        first = errors[0]
        raise ExportRefused(
            "TooManyRejectedRows",
            f"{len(errors)} of {considered} rows were rejected (more than half), so the file was "
            f"refused. The first problem: {first.message}",
            line=first.line, column=first.column, details=[e.to_dict() for e in errors[:20]])
    currencies = {r.currency for r in records if r.annual_savings is not None and r.currency}
    if len(currencies) > 1:
        warnings.add("MixedCurrencies", "Savings are in several currencies ("
                     + ", ".join(sorted(currencies)) + "); totals are kept per currency.",
                     count=1)
    return ParseResult(
        records=records, columns=columns.report, encoding=decoded.encoding,
        delimiter=delimiter_name(delimiter), rows_total=table.total,
        rows_rejected=len(errors), duplicates=duplicates, errors=errors,
        warnings=list(warnings.items.values()),
    )


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
               first_line: int) -> _Table | None:
    """pandas' C parser on UTF-8 bytes from `start` on; None when the exact reader is needed
    (bad rows, blank lines, invalid UTF-8). Reads the bytes where they are: no copy of the
    body is made."""
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
        table.line_hashes, table.source, table.first_line = hashes, (data, start), first_line
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


def _drop_duplicates(table: _Table, warnings: _Warnings) -> int:
    if table.line_hashes is not None:
        if len(set(table.line_hashes)) == len(table.line_hashes):
            return 0  # the usual case: no two lines alike, found without a Python loop
        keys = table.raw_lines()  # some hashes repeat: compare the lines themselves
    else:
        keys = list(zip(*table.columns, strict=True))
        if len(set(keys)) == len(keys):
            return 0
    seen: set = set()
    keep: list[int] = []
    duplicate_lines: list[int] = []
    for index, key in enumerate(keys):
        if key in seen:
            duplicate_lines.append(table.lines[index])
        else:
            seen.add(key)
            keep.append(index)
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
