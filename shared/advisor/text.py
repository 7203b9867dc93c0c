"""Turning uploaded bytes into CSV rows: encoding, `sep=` line, delimiter, line numbers."""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple

from shared.advisor.model import ExportRefused

DELIMITERS = (",", ";", "\t", "|")
_DELIMITER_NAMES = {",": "comma", ";": "semicolon", "\t": "tab", "|": "pipe"}


@dataclass(frozen=True)
class DecodedText:
    text: str
    encoding: str
    fallback: bool  # decoded as cp1252 because it was not UTF-8


def delimiter_name(delimiter: str) -> str:
    return _DELIMITER_NAMES.get(delimiter, repr(delimiter))


def decode(data: bytes) -> DecodedText:
    """UTF-8 (with or without BOM), UTF-16 LE/BE with BOM, else cp1252 with a warning."""
    if data.startswith(codecs.BOM_UTF8):
        return DecodedText(_strict(data[3:], "utf-8"), "utf-8-sig", False)
    for bom, name in ((codecs.BOM_UTF16_LE, "utf-16-le"), (codecs.BOM_UTF16_BE, "utf-16-be")):
        if data.startswith(bom):
            return DecodedText(_strict(data[2:], name), name, False)
    if b"\x00" in data[:4096]:
        raise ExportRefused(
            "NotText", "The file is not text (it contains NUL bytes): upload the CSV file that "
            "Azure Advisor's \"Download as CSV\" produces, not a spreadsheet or archive.")
    try:
        return DecodedText(data.decode("utf-8"), "utf-8", False)
    except UnicodeDecodeError:
        pass
    text = data.decode("cp1252", errors="replace")
    if _looks_binary(text):
        raise ExportRefused(
            "NotText", "The file is not text: upload the CSV file that Azure Advisor's "
            "\"Download as CSV\" produces, not a spreadsheet or archive.")
    return DecodedText(text, "cp1252", True)


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise ExportRefused(
            "NotText", f"The file starts with a {encoding} byte-order mark but is not valid "
            f"{encoding} (byte {exc.start}): save it again as UTF-8 CSV.") from None


def _looks_binary(text: str) -> bool:
    sample = text[:4096]
    control = sum(1 for ch in sample if ord(ch) < 32 and ch not in "\r\n\t")
    return control > max(8, len(sample) // 50)


def split_sep_line(text: str) -> tuple[str | None, str, int]:
    """A leading `sep=;` line (written by spreadsheets) names the delimiter.

    Returns (delimiter or None, the rest of the text, lines removed).
    """
    head = text[:16]
    if head[:4].lower() == "sep=":
        end = text.find("\n")
        line = text[: end if end >= 0 else len(text)].rstrip("\r")
        if len(line) == 5:
            return line[4], text[end + 1:] if end >= 0 else "", 1
    return None, text, 0


def detect_delimiter(text: str) -> str:
    """The candidate that splits the first lines into the most, and consistent, fields."""
    sample_lines = []
    for line in io.StringIO(text[:65536], newline=""):
        if line.strip():
            sample_lines.append(line)
        if len(sample_lines) >= 6:
            break
    best, best_score = ",", (0, 0)
    for candidate in DELIMITERS:
        try:
            rows = list(csv.reader(sample_lines, delimiter=candidate))
        except csv.Error:
            continue
        if not rows:
            continue
        width = len(rows[0])
        consistent = sum(1 for r in rows[1:] if len(r) == width)
        score = (width if width > 1 else 0, consistent)
        if score > best_score:
            best, best_score = candidate, score
    return best


class BrokenQuotes(NamedTuple):
    """A row whose quotes do not pair up; reading resumes on the line after it starts."""

    reason: str


_LINE_END = re.compile(r"\r\n|\r|\n")


def rows_with_lines(text: str, delimiter: str,
                    first_line: int = 1) -> Iterator[tuple[int, list[str] | BrokenQuotes]]:
    """CSV rows with the physical line each starts on (quoted fields may span lines).

    Quotes are read strictly: a quoted value that never closes would otherwise swallow the
    rest of the file into one cell, and a quote inside a value that is not doubled would end
    the value early and shift the cells after it. Such a row is yielded as BrokenQuotes, and
    reading goes on from the next physical line, so one bad quote costs one row.
    """
    while True:
        reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
        start = first_line
        try:
            for row in reader:
                yield start, row
                start = first_line + reader.line_num
            return
        except csv.Error as exc:
            yield start, BrokenQuotes(str(exc))
        # Resume on the line after the broken row's first line.
        skip = start - first_line + 1
        ends = _LINE_END.finditer(text)
        end = None
        for _ in range(skip):
            end = next(ends, None)
            if end is None:
                return
        text = text[end.end():]
        first_line = start + 1


def split_header(text: str, delimiter: str, first_line: int) -> tuple[int, list[str], str, int]:
    """(header line, header fields, the text after the header, the line that text starts on).

    Blank lines before the header are skipped.
    """
    # Look for the header in the head of the text only: copying a 100 MB text costs time.
    for head in (text[:65536], text) if len(text) > 65536 else (text,):
        stream = io.StringIO(head, newline="")
        reader = csv.reader(stream, delimiter=delimiter, strict=False)
        line = first_line
        for row in reader:
            if any(cell.strip() for cell in row):
                end = stream.tell()
                if end < len(head) or head is text:
                    return line, row, text[end:], first_line + reader.line_num
                break  # the header may run past the head: read the whole text
            line = first_line + reader.line_num
    raise ExportRefused("NoDataRows", "The file has no header and no data rows.")
