"""The data rows of a workbook's long sheets, serialised a whole row at a time; and the one way
text reaches any other cell (`write_text`).

XlsxWriter in constant-memory mode turns each cell into a tuple, then, when the next row
starts, each tuple into XML through a dozen calls and four regular expressions: at 50,000
recommendations (600,000 cells) that was 90 % of the workbook's time (issue 33). Here a row's
cells go straight to the XML XlsxWriter would have written for them, into the same row file
XlsxWriter copies into the sheet: the text of a plain cell is checked with one expression,
and only a cell that needs escaping goes through XlsxWriter's own escaping functions.
XlsxWriter still writes everything else (styles, the sheet's frame, hyperlinks, the zip).

The XML is XlsxWriter's byte for byte: tests/unit/test_xlsx_rows.py writes the same cells both
ways, every awkward value among them, and compares the sheets. That test is also the guard on
the few XlsxWriter internals this reads (its row file, row counter, dimensions and
hyperlinks), should an upgrade move them.
"""

from __future__ import annotations

import math
import re
from datetime import datetime

from xlsxwriter.format import Format
from xlsxwriter.url import Url
from xlsxwriter.utility import _preserve_whitespace, _utf16_len, _utf16_truncate, xl_col_to_name
from xlsxwriter.worksheet import Worksheet

MAX_LINKS = 65_530  # Excel's limit for hyperlinks on one sheet
_MAX_UTF16 = 32_767  # Excel's limit for a cell's text, in UTF-16 units
# What makes a text need more than its characters: XML's specials, a control character (both
# escaped as Excel does), a literal _xHHHH_ ("_x" found first), whitespace at either end
# (preserved). One character class is a quick scan; the rest are tested apart.
_SPECIAL = re.compile("[&<>\x00-\x08\x0b-\x1f\ufffe\uffff]")
_LETTERS = [xl_col_to_name(col) for col in range(702)]  # A to ZZ


def write_text(sheet: Worksheet, row: int, col: int, value: str,
               style: Format | None = None) -> None:
    """XlsxWriter's write_string, safe for every text. Its constant-memory mode writes a text
    that starts with <r> and ends with </r> into the sheet as XML (it takes it for one of its
    rich strings): a client's name or an action's comment so shaped could close the cell and
    add a formula. Such a text is written as a rich string of plain runs instead (it needs
    three), which XlsxWriter escapes; it reads back as the same text."""
    if value.startswith("<r>") and value.endswith("</r>"):
        sheet.write_rich_string(row, col, value[:1], value[1:3], value[3:],
                                *([style] if style else []))
    else:
        sheet.write_string(row, col, value, style)


class SheetRows:
    """Writes rows of cells into a constant-memory sheet, in order, after its header rows
    (written by XlsxWriter). Between `start(row)` and `end()`, one call per cell, columns in
    increasing order; `close()` when the last row is written, before XlsxWriter writes to the
    sheet again (below the rows, as under a table)."""

    def __init__(self, sheet: Worksheet) -> None:
        if not sheet.constant_memory:
            raise ValueError("SheetRows writes constant-memory sheets only")
        self._sheet = sheet
        # XlsxWriter's pending row (the header) goes to the row file first; its rows counter
        # then says rows up to the next one are written.
        sheet._write_single_row(sheet.previous_row + 1)
        self._styles: dict[int, str] = {}
        self._parts: list[str] = []
        self._written: list[str] = []  # rows not yet in the row file: written 200 at a time
        self._row = -1
        self._number = ""  # the current row's number as Excel counts (from 1)
        self._first_row = self._last_row = -1
        self._first_col, self._last_col = len(_LETTERS), -1
        self.links = 0

    # -- rows ------------------------------------------------------------------------------

    def start(self, row: int) -> None:
        self._row, self._number = row, str(row + 1)
        self._parts = [f'<row r="{self._number}">']

    def end(self) -> None:
        parts = self._parts
        if len(parts) > 1:  # a row without cells is not written, as XlsxWriter does
            parts.append("</row>")
            self._written.append("".join(parts))
            if len(self._written) >= 200:
                self._flush()
            if self._first_row < 0:
                self._first_row = self._row
            self._last_row = self._row

    def close(self) -> None:
        """Tell XlsxWriter the rows are written: the sheet's dimensions, and the row after
        which it may write again."""
        self._flush()
        sheet = self._sheet
        if self._last_row >= 0:
            # Rows and columns apart: XlsxWriter ignores a cell above the rows it has written.
            for row in (self._first_row, self._last_row):
                sheet._check_dimensions(row, 0, ignore_col=True)
            for col in (self._first_col, self._last_col):
                sheet._check_dimensions(0, col, ignore_row=True)
            sheet.previous_row = max(sheet.previous_row, self._last_row)
        self._parts = []

    def _flush(self) -> None:
        if self._written:
            self._sheet.fh.write("".join(self._written))
            self._written = []

    # -- cells -----------------------------------------------------------------------------

    def text(self, col: int, value: str, style: Format | None = None) -> None:
        """A text cell, as XlsxWriter's write_string writes it (never a formula)."""
        if len(value) > _MAX_UTF16 // 2 and _utf16_len(value) > _MAX_UTF16:
            value = _utf16_truncate(value, _MAX_UTF16)
        preserve = ""
        if _SPECIAL.search(value) or "_x" in value or value[:1].isspace() \
                or value[-1:].isspace():
            value = Worksheet._escape_control_characters(value)
            if _preserve_whitespace(value):
                preserve = ' xml:space="preserve"'
            value = value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
        self._parts.append(f'<c r="{self._ref(col)}"{self._style(style)} t="inlineStr"><is>'
                           f'<t{preserve}>{value}</t></is></c>')

    def number(self, col: int, value: float, style: Format | None = None) -> None:
        if not math.isfinite(value):  # as XlsxWriter's write_number refuses them
            raise TypeError(f"not a finite number: {value!r}")
        self._parts.append(f'<c r="{self._ref(col)}"{self._style(style)}>'
                           f"<v>{value:.16G}</v></c>")

    def date(self, col: int, value: datetime, style: Format | None = None) -> None:
        """A date cell (the number Excel counts days by, shown by `style`'s format)."""
        self.number(col, self._sheet._convert_date_time(value), style)

    def link(self, col: int, url: str, text: str, style: Format | None = None) -> bool:
        """A hyperlink showing `text`; False (nothing written) past the sheet's limit."""
        if self.links >= MAX_LINKS:
            return False
        target = Url(url)
        target._text = text
        self._sheet.hlink_count += 1
        self._sheet.hyperlinks[self._row][col] = target
        self.links += 1
        self.text(col, target.text, style)
        return True

    # -- helpers ---------------------------------------------------------------------------

    def _ref(self, col: int) -> str:
        if col > self._last_col:
            self._last_col = col
        if col < self._first_col:
            self._first_col = col
        return _LETTERS[col] + self._number

    def _style(self, style: Format | None) -> str:
        if style is None:
            return ""
        found = self._styles.get(id(style))
        if found is None:
            found = self._styles[id(style)] = f' s="{style._get_xf_index()}"'
        return found
