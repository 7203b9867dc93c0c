"""The long sheets' rows (shared.rendering.xlsx_rows) are XlsxWriter's own XML, byte for byte:
the same cells written through XlsxWriter's API and through SheetRows give the same sheet,
every awkward value among them. This is also the guard on the XlsxWriter internals SheetRows
reads, should an upgrade move them."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime

import openpyxl
import pytest
import xlsxwriter

from shared.rendering.xlsx_rows import MAX_LINKS, SheetRows

TEXTS = ["plain", "", "a & b", "<tag>", 'say "hi"', "two\nlines", " leading", "trailing ",
         "\ttab", "x\x01y", "\x0b", "_x0041_ literal", "_x004G_", "non\ufffechar", "\u00a0nbsp",
         "emoji \U0001f600", "=1+2", "+cmd", "-2", "@SUM(A1)", "é" * 40_000,
         "\U0001f600" * 20_000, "it's > 5 & < 9", "_x005F_x0041_"]
NUMBERS = [0, 1, -3.5, 0.1, 1e20, 123456789.123, 2**53, 1 / 3]
DATES = [datetime(1900, 1, 1), datetime(1900, 3, 1), datetime(2026, 12, 7), datetime(9999, 12, 31)]
LINKS = [("https://portal.azure.com/#@/resource/subscriptions/1/a&b", "/subscriptions/1/a&b"),
         ("https://example.com/x y", " spaced text ")]


def _cells() -> list[list[tuple]]:
    """Rows of (column, kind, value), with gaps, as the report's sheets have."""
    rows = [[(c, "t", t) for c, t in enumerate(TEXTS[i:i + 5])] for i in range(0, len(TEXTS), 5)]
    rows.append([(c * 2, "n", n) for c, n in enumerate(NUMBERS)])
    rows.append([(c, "d", d) for c, d in enumerate(DATES)])
    rows.append([(3, "l", link) for link in LINKS[:1]])
    rows.append([])  # no cells: no row
    rows.append([(0, "t", "after a gap"), (5, "l", LINKS[1])])
    return rows


def _book(fast: bool) -> bytes:
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True, "strings_to_formulas": False,
                                     "strings_to_urls": False, "strings_to_numbers": False})
    book.set_properties({"created": datetime(2026, 1, 1)})
    styles = {"t": None, "n": book.add_format({"num_format": "#,##0"}),
              "d": book.add_format({"num_format": "yyyy-mm-dd"}),
              "l": book.add_format({"font_color": "#0078d4", "underline": 1})}
    sheet = book.add_worksheet("Rows")
    sheet.write_string(0, 0, "Header", book.add_format({"bold": True}))
    rows = SheetRows(sheet) if fast else None
    for r, cells in enumerate(_cells(), start=1):
        if rows:
            rows.start(r)
        for col, kind, value in cells:
            style = styles[kind]
            if kind == "t":
                rows.text(col, value, style) if rows else sheet.write_string(r, col, value)
            elif kind == "n":
                rows.number(col, value, style) if rows else sheet.write_number(r, col, value,
                                                                              style)
            elif kind == "d":
                rows.date(col, value, style) if rows else sheet.write_datetime(r, col, value,
                                                                              style)
            elif rows:
                rows.link(col, *value, style)
            else:
                sheet.write_url(r, col, value[0], style, value[1])
        if rows:
            rows.end()
    if rows:
        rows.close()
    below = len(_cells()) + 2  # XlsxWriter writes again under the rows, as under a table
    sheet.write_string(below, 1, "Total", styles["t"])
    sheet.write_number(below, 2, 42, styles["n"])
    sheet.autofilter(0, 0, below - 2, 9)
    book.close()
    return out.getvalue()


def _parts(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        return {name: z.read(name) for name in z.namelist()}


def test_rows_are_xlsxwriters_own_xml_byte_for_byte():
    ours, theirs = _parts(_book(fast=True)), _parts(_book(fast=False))
    assert ours.keys() == theirs.keys()
    for name in theirs:
        assert ours[name] == theirs[name], name
    assert b"_x005F_x0041_ literal" in ours["xl/worksheets/sheet1.xml"]  # the escape escaped


def test_the_rows_read_back_as_written():
    sheet = openpyxl.load_workbook(io.BytesIO(_book(fast=True)))["Rows"]
    assert sheet["A2"].value == "plain" and sheet["C2"].value == "a & b"
    assert sheet["C6"].value == "it's > 5 & < 9" and sheet["D2"].value == "<tag>"
    assert sheet["B3"].value == " leading" and sheet["C4"].value == "_x004G_"
    assert sheet["B6"].value == "\U0001f600" * 16_383  # 32,767 UTF-16 units at most
    assert sheet["B8"].value == datetime(1900, 3, 1)
    assert sheet["D9"].hyperlink.target.startswith("https://portal.azure.com/")
    assert sheet["D9"].value == "/subscriptions/1/a&b"
    assert sheet["A11"].value == "after a gap" and sheet["F11"].value == " spaced text "
    assert sheet["B13"].value == "Total" and sheet["C13"].value == 42
    assert sheet.auto_filter.ref == "A1:J11"


def test_text_that_looks_like_rich_text_stays_text():
    """XlsxWriter's constant-memory mode writes a string that starts with <r> and ends with
    </r> into the sheet as raw XML (its rich strings); an export's cell must not."""
    out = io.BytesIO()
    book = xlsxwriter.Workbook(out, {"constant_memory": True})
    sheet = book.add_worksheet()
    rows = SheetRows(sheet)
    rows.start(0)
    rows.text(0, "<r><t>injected</t></r>")
    rows.end()
    rows.close()
    book.close()
    assert openpyxl.load_workbook(out).active["A1"].value == "<r><t>injected</t></r>"


def test_links_stop_at_excels_limit_per_sheet():
    book = xlsxwriter.Workbook(io.BytesIO(), {"constant_memory": True})
    rows = SheetRows(book.add_worksheet())
    rows.links = MAX_LINKS - 1
    rows.start(1)
    assert rows.link(0, "https://example.com/a", "a") is True
    assert rows.link(1, "https://example.com/b", "b") is False
    rows.end()
    rows.close()
    book.close()


def test_only_constant_memory_sheets():
    book = xlsxwriter.Workbook(io.BytesIO())
    with pytest.raises(ValueError):
        SheetRows(book.add_worksheet())
    book.close()
