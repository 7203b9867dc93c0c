"""Editing the app's workbooks as a client would: with openpyxl (a script, or what Excel
writes), and saved again by LibreOffice headless (what many clients use)."""

from __future__ import annotations

import io
import shutil
import subprocess
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

SHEET = "Action plan"


def columns(sheet: Any) -> dict[str, int]:
    """Header -> column number (1-based) of the sheet's first row."""
    return {c.value: c.column for c in sheet[1] if c.value}


def rows_by_key(data: bytes) -> dict[str, dict[str, Any]]:
    """Each action row of the Action plan sheet, by its hidden key: header -> value."""
    sheet = openpyxl.load_workbook(io.BytesIO(data))[SHEET]
    names = [c.value for c in sheet[1]]
    found = {}
    for number, row in enumerate(sheet.iter_rows(min_row=2, values_only=True), start=2):
        values = dict(zip(names, row, strict=False))
        if values.get("Key"):
            found[values["Key"]] = {**values, "row": number}
    return found


def edit(data: bytes, changes: dict[int, dict[str, Any]]) -> bytes:
    """The workbook with cells changed: {sheet row: {header: value}} (a date as a date cell;
    a text starting with = as a formula, as a person typing it makes one)."""
    book = openpyxl.load_workbook(io.BytesIO(data))
    sheet = book[SHEET]
    where = columns(sheet)
    for row, cells in changes.items():
        for header, value in cells.items():
            cell = sheet.cell(row, where[header], value)
            if isinstance(value, date):
                cell.number_format = "yyyy-mm-dd"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def libreoffice() -> str | None:
    return shutil.which("libreoffice") or shutil.which("soffice")


def resaved_by_libreoffice(data: bytes) -> bytes:
    """The workbook as LibreOffice Calc saves it (headless, its own profile)."""
    office = libreoffice()
    assert office, "LibreOffice is missing: apt-get install libreoffice-calc"
    with tempfile.TemporaryDirectory() as folder:
        source, out = Path(folder) / "client.xlsx", Path(folder) / "out"
        source.write_bytes(data)
        subprocess.run([office, f"-env:UserInstallation=file://{folder}/profile", "--headless",
                        "--convert-to", "xlsx", "--outdir", str(out), str(source)],
                       check=True, capture_output=True, timeout=180)
        return (out / "client.xlsx").read_bytes()
