"""Opening an export: the checks on the file as a whole and on its header, before any row.

Size and emptiness, the encoding (and a `sep=` line), the delimiter, then the header's columns
(matched to fields by `columns.py`'s alias table): each refusal is an ExportRefused saying what
is wrong and how to fix it. A part of reading an export (`parse.py`, whose `read_header` runs
only these checks): the names with an underscore are parse.py's, not an API of their own.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass

from shared.advisor.columns import ColumnMap, map_columns
from shared.advisor.mapping import Upload
from shared.advisor.model import ExportRefused
from shared.advisor.text import decode, detect_delimiter, split_sep_line

DEFAULT_MAX_BYTES = 100 * 1024 * 1024
DEFAULT_MAX_ROWS = 1_000_000


@dataclass(frozen=True)
class Limits:
    max_bytes: int = DEFAULT_MAX_BYTES
    max_rows: int = DEFAULT_MAX_ROWS


_HEAD = 65536
_NOT_SPACE = re.compile(rb"\S")  # bytes' isspace, also for a mapping (which has none)
_NEWLINES = {codecs.BOM_UTF16_LE: b"\n\x00", codecs.BOM_UTF16_BE: b"\x00\n"}


def _head(data: Upload) -> bytes:
    """The first 64 KiB, cut at a line end so no character is split in two."""
    if len(data) <= _HEAD:
        return data[:]  # the same bytes; of a mapping, a copy (of at most 64 KiB)
    head = data[:_HEAD]
    newline = _NEWLINES.get(data[:2], b"\n")
    end = head.rfind(newline)
    return head[: end + len(newline)] if end > 0 else head


def _open(data: Upload, sample: bytes, limits: Limits):
    if len(data) > limits.max_bytes:
        raise ExportRefused(
            "FileTooLarge", f"The file is {len(data):,} bytes; the limit is "
            f"{limits.max_bytes:,} bytes. Split the export and upload the parts.")
    if not _NOT_SPACE.search(data):  # stops at the first other byte; strip() copies
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
