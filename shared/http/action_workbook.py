"""Reading a workbook the client edited (PUT /api/clients/{clientId}/actions): its tracked
cells, each checked, every problem named by sheet, row and column.

The file is the app's own workbook (shared.rendering.xlsx_tracking), saved again by Excel,
LibreOffice or a script. Before openpyxl opens it, the zip is checked against the limits
below: an .xlsx is a zip of XML, and a small upload can unpack to gigabytes (a zip bomb) or
hold a sheet of a million rows. Cells are read as stored, formulas as formulas (never
computed): a formula in a tracked cell is refused, not evaluated.
"""

from __future__ import annotations

import contextlib
import io
import zipfile
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from shared.advisor.tracking import (
    CLIENT_PROPERTY,
    FIELDS,
    FIRST_DUE_DATE,
    HEADERS,
    KEY_HEADER,
    MAX_COMMENT,
    MAX_OWNER,
    META_SHEET,
    META_TITLE,
    REPORT_PROPERTY,
    STATUS_LABELS,
    WORKBOOK_SHEET,
    is_key,
    state_of,
    status_of,
)
from shared.http import dates
from shared.http.errors import ApiError
from shared.http.upload import MULTIPART_SLACK, refuse_compressed

MAX_WORKBOOK_BYTES = 20 * 1024 * 1024  # the file as uploaded
MAX_UNPACKED_BYTES = 200 * 1024 * 1024  # all its parts unpacked (a 50,000-row workbook: ~60 MB)
MAX_RATIO = 200  # unpacked / packed of any one part: XML packs 10-30 times, a bomb 1000s
MAX_PARTS = 2_000
MAX_ROWS = 10_000  # rows of the Action plan sheet (a plan has one per recommendation)
MAX_COLUMNS = 60
MAX_PROBLEMS = 100  # problems listed in one answer
XLSX_TYPES = frozenset({
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/octet-stream", "application/zip", "multipart/form-data"})


@dataclass(frozen=True)
class Problem:
    sheet: str
    row: int
    column: str  # the column's letter
    header: str
    code: str
    message: str

    def detail(self) -> dict[str, Any]:
        where = f"{self.sheet}, row {self.row}, column {self.column}" + (
            f" ({self.header})" if self.header else "")
        return {"code": self.code, "target": f"{self.sheet}!{self.column}{self.row}",
                "sheet": self.sheet, "row": self.row, "column": self.column,
                "header": self.header, "message": f"{where}: {self.message}."}


@dataclass
class WorkbookRow:
    number: int  # the sheet's row number, as Excel shows it
    key: str
    values: dict[str, str]  # the tracked fields as the cells say them (status as the API's)
    columns: dict[str, str]  # field (and "key") -> column letter

    def problem(self, name: str, code: str, message: str) -> Problem:
        header = KEY_HEADER if name == "key" else HEADERS[name]
        return Problem(WORKBOOK_SHEET, self.number, self.columns[name], header, code, message)


@dataclass
class TrackedWorkbook:
    file_name: str
    client_id: str
    report_id: str
    rows: list[WorkbookRow] = field(default_factory=list)
    prefilled: dict[str, dict[str, str]] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def problems_error(file_name: str, problems: list[Problem]) -> ApiError:
    """400 naming every problem (sheet, row, column): nothing was applied."""
    problems = sorted(problems, key=lambda p: (p.sheet, p.row, len(p.column), p.column))
    details = [p.detail() for p in problems[:MAX_PROBLEMS]]
    first = details[0]["message"]
    more = f" (and {len(problems) - 1} more, listed in details)" if len(problems) > 1 else ""
    return ApiError(400, problems[0].code if len(problems) == 1 else "InvalidWorkbook",
                    f"{file_name}: nothing was applied. {first}{more}", target="file",
                    details=details)


def _refused(status: int, code: str, message: str) -> ApiError:
    return ApiError(status, code, message, target="file")


def check_package(data: bytes, file_name: str) -> None:
    """The upload is an .xlsx within the limits (size, parts, unpacked size, ratio)."""
    if not data:
        raise _refused(400, "MissingFile", "The request has no workbook: send the .xlsx as the "
                       "body, or in a multipart field named 'file'.")
    if len(data) > MAX_WORKBOOK_BYTES:
        raise _refused(413, "FileTooLarge", f"{file_name} is {len(data):,} bytes; a workbook "
                       f"of actions may have {MAX_WORKBOOK_BYTES:,}.")
    try:
        parts = zipfile.ZipFile(io.BytesIO(data)).infolist()
    except zipfile.BadZipFile:
        raise _refused(415, "NotAWorkbook", f"{file_name} is not an Excel workbook (.xlsx): "
                       "upload the workbook Advisor Reports made, saved as .xlsx.") from None
    unpacked = sum(p.file_size for p in parts)
    packed_badly = [p for p in parts if p.file_size > 1024 * 1024
                    and p.file_size > MAX_RATIO * max(p.compress_size, 1)]
    if len(parts) > MAX_PARTS or unpacked > MAX_UNPACKED_BYTES or packed_badly:
        raise _refused(413, "WorkbookTooLarge", f"{file_name} unpacks to {unpacked:,} bytes in "
                       f"{len(parts):,} parts (at most {MAX_UNPACKED_BYTES:,} bytes, "
                       f"{MAX_PARTS:,} parts, each at most {MAX_RATIO} times its packed size): "
                       "it is not a workbook of actions.")
    names = {p.filename for p in parts}
    if "xl/workbook.xml" not in names:
        raise _refused(415, "NotAWorkbook", f"{file_name} is a zip but not an Excel workbook "
                       "(.xlsx).")


def read_workbook(data: bytes, file_name: str) -> TrackedWorkbook:
    """The tracked rows of the Action plan sheet, each cell checked (problems collected, not
    raised: the caller adds its own and refuses them together)."""
    check_package(data, file_name)
    import openpyxl  # loaded when a workbook is uploaded, not with the app

    try:
        book = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False,
                                      keep_links=False)
    except Exception as error:  # openpyxl raises many kinds for a damaged file
        raise _refused(415, "NotAWorkbook", f"{file_name} cannot be read as an Excel workbook "
                       f"({type(error).__name__}): save it again as .xlsx.") from None
    try:
        client_id, report_id, prefilled = _meta(book)
        if not client_id:
            raise _refused(400, "NotTracked", f"{file_name} does not say which client it is "
                           "for: upload a workbook Advisor Reports made (its hidden "
                           f"'{META_SHEET}' sheet names the client).")
        if WORKBOOK_SHEET not in book.sheetnames:
            raise _refused(400, "NoActionPlan", f"{file_name} has no sheet named "
                           f"'{WORKBOOK_SHEET}': upload the workbook as it was made, with its "
                           "sheets' names.")
        found = TrackedWorkbook(file_name, client_id, report_id, prefilled=prefilled)
        _read_rows(book[WORKBOOK_SHEET], found)
        return found
    finally:
        book.close()


def _meta(book: Any) -> tuple[str, str, dict[str, dict[str, str]]]:
    """(client id, report id, the values each action was pre-filled with)."""
    client_id = report_id = ""
    prefilled: dict[str, dict[str, str]] = {}
    if META_SHEET in book.sheetnames:
        rows = book[META_SHEET].iter_rows(max_col=len(FIELDS) + 1, max_row=MAX_ROWS + 4,
                                          values_only=True)
        for number, values in enumerate(rows, start=1):
            cells = ["" if v is None else str(v) for v in values]
            if number == 1 and cells[0] != META_TITLE:
                break
            if number == 2:
                client_id = cells[1]
            elif number == 3:
                report_id = cells[1]
            elif number > 4 and is_key(cells[0]):
                prefilled[cells[0]] = state_of(dict(zip(FIELDS, cells[1:], strict=False)))
    if not client_id:  # the sheet was removed: the document's properties say the same
        props = {p.name: str(p.value) for p in getattr(book, "custom_doc_props", []) or []}
        client_id, report_id = props.get(CLIENT_PROPERTY, ""), props.get(REPORT_PROPERTY, "")
    return client_id.strip(), report_id.strip(), prefilled


def _read_rows(sheet: Any, found: TrackedWorkbook) -> None:
    from openpyxl.utils import get_column_letter

    rows = sheet.iter_rows(max_col=MAX_COLUMNS)
    header = next(rows, ())
    names = {str(c.value).strip().casefold(): i for i, c in enumerate(header)
             if isinstance(c.value, str)}
    wanted = {"key": KEY_HEADER, **HEADERS}
    missing = [h for h in wanted.values() if h.casefold() not in names]
    if missing:
        raise _refused(400, "MissingColumns", f"{found.file_name}: the '{WORKBOOK_SHEET}' "
                       f"sheet has no column headed {', '.join(missing)} in row 1: upload the "
                       "workbook with its columns as they were made (they may be moved, not "
                       "renamed or removed).")
    index = {name: names[h.casefold()] for name, h in wanted.items()}
    letters = {name: get_column_letter(i + 1) for name, i in index.items()}
    for number, cells in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise _refused(413, "TooManyRows", f"{found.file_name}: the '{WORKBOOK_SHEET}' "
                           f"sheet has more than {MAX_ROWS:,} rows; a plan has far fewer.")
        by_name = {name: cells[i] if i < len(cells) else None for name, i in index.items()}
        _read_row(number, by_name, letters, found)


def _read_row(number: int, cells: dict[str, Any], letters: dict[str, str],
              found: TrackedWorkbook) -> None:
    row = WorkbookRow(number, "", {}, letters)
    problems: list[Problem] = []
    for name, cell in cells.items():
        if cell is not None and getattr(cell, "data_type", "") == "f":
            problems.append(row.problem(name, "FormulaNotAllowed", "a formula "
                                        f"({str(cell.value)[:40]}) is not a value: type the "
                                        "value itself"))
    if problems:
        found.problems += problems
        return
    value = {name: (None if cell is None else cell.value) for name, cell in cells.items()}
    key = "" if value["key"] is None else str(value["key"]).strip()
    if not key:
        if any(v not in (None, "") for v in value.values()):
            found.problems.append(row.problem("key", "MissingKey", "the row has no key, so it "
                                              "is no action of the plan: rows added by hand "
                                              "cannot be matched (leave the hidden key column "
                                              "as it is)"))
        return
    row.key = key
    if not is_key(key):
        found.problems.append(row.problem("key", "UnknownAction", f"{key[:40]!r} is not a key "
                                          "this app made"))
        return
    for name, reader in (("owner", _text(MAX_OWNER)), ("status", _status),
                         ("dueDate", _due), ("comment", _text(MAX_COMMENT))):
        try:
            row.values[name] = reader(value[name])
        except ValueError as why:
            found.problems.append(row.problem(name, _CODES[name], str(why)))
    if len(row.values) == len(FIELDS):
        found.rows.append(row)


_CODES = {"owner": "InvalidOwner", "status": "InvalidStatus", "dueDate": "InvalidDate",
          "comment": "InvalidComment"}


def _text(most: int):
    def read(value: Any) -> str:
        if value is None:
            return ""
        if isinstance(value, (datetime, date, bool)):
            raise ValueError(f"{value!r} is not text")
        text = (f"{value:g}" if isinstance(value, float) else str(value)).strip()
        if len(text) > most:
            raise ValueError(f"{len(text):,} characters are more than the {most:,} it may have")
        return text
    return read


def _status(value: Any) -> str:
    if value in (None, ""):
        return "open"
    status = status_of(value) if isinstance(value, str) else None
    if status is None:
        shown = str(value)[:40]
        *first, last = STATUS_LABELS.values()
        raise ValueError(f"{shown!r} is not a status: choose {', '.join(first)} or {last}")
    return status


def _due(value: Any) -> str:
    if value in (None, ""):
        return ""
    found = ""
    if isinstance(value, datetime):
        found = value.date().isoformat()
    elif isinstance(value, date):
        found = value.isoformat()
    elif isinstance(value, str):
        with contextlib.suppress(dates.DateError):  # typed as text: read as the API reads
            found = dates.read(value.strip()).date().isoformat()
    if found >= FIRST_DUE_DATE:
        return found
    if found:
        raise ValueError(f"{found} is before {FIRST_DUE_DATE}: type a due date from then on")
    raise ValueError(f"{str(value)[:40]!r} is not a date: type a date such as 2027-01-31 "
                     "(or format the cell as a date)")


def check_request(headers: Mapping[str, str]) -> None:
    """Refuse from the headers alone, before the body is read: another kind of body, a
    compressed one, or a declared length over the limit."""
    kind = (headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
    if kind not in XLSX_TYPES:
        raise ApiError(415, "UnsupportedMediaType", f"Content-Type '{kind or 'none'}' is not "
                       "accepted: send the .xlsx as the body (application/vnd.openxmlformats-"
                       "officedocument.spreadsheetml.sheet) or in a multipart field 'file'.",
                       target="Content-Type")
    refuse_compressed(headers, "workbook")
    declared = (headers.get("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > MAX_WORKBOOK_BYTES + MULTIPART_SLACK:
        raise _refused(413, "FileTooLarge", f"The request is {int(declared):,} bytes; a "
                       f"workbook of actions may have {MAX_WORKBOOK_BYTES:,}.")
