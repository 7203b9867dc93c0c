"""Checking an upload request before anything is stored: body, media type, options, header."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from shared.advisor.model import ExportRefused
from shared.advisor.parse import Limits, read_header
from shared.http.errors import ApiError, invalid
from shared.http.text import is_valid_unicode, unicode_problem
from shared.storage.clients import SLUG_TEXT, is_slug
from shared.storage.layout import (
    APPENDIX_CHOICES,
    DEFAULT_APPENDIX,
    DEFAULT_FORMATS,
    FORMATS,
    ONLY_FOR,
    REPORT_TYPES,
    artifact_pairs,
)

CSV_MEDIA_TYPES = frozenset({
    "text/csv", "application/csv", "text/plain", "application/vnd.ms-excel",
    "application/octet-stream", "text/x-csv", "text/comma-separated-values",
})
MAX_TITLE = 200
MAX_CLIENT_NAME = 200
MAX_NOTES = 20_000
# Table Storage keeps a text property of at most 32K UTF-16 code units (64 KiB).
_MAX_NOTES_UNITS = 32_000
OPTION_NAMES = ("clientId", "clientName", "title", "reportTypes", "formats", "fileName",
                "baselineReportId", "notes", "appendix")


@dataclass(frozen=True)
class UploadOptions:
    client_id: str
    title: str
    report_types: tuple[str, ...]
    formats: tuple[str, ...]
    baseline_report_id: str = ""
    client_name: str = ""  # the name of a client the upload creates
    notes: str = ""  # the consultant's notes (plain text or a small Markdown subset)
    appendix: str = DEFAULT_APPENDIX  # the specialist PDFs' appendix: all, top or none


def media_type(content_type: str) -> str:
    return content_type.split(";", 1)[0].strip().lower()


def check_media_type(content_type: str) -> str:
    kind = media_type(content_type)
    if kind == "multipart/form-data" or kind in CSV_MEDIA_TYPES:
        return kind
    raise ApiError(415, "UnsupportedMediaType",
                   f"Content-Type '{kind or 'none'}' is not accepted: send the CSV as "
                   "multipart/form-data with a field named 'file', or as a text/csv body.",
                   target="Content-Type")


MULTIPART_SLACK = 64 * 1024  # the multipart envelope around the file: boundaries, fields


def refuse_compressed(headers: Mapping[str, str], what: str) -> None:
    """Refuse a compressed body before it is read: inflating it would defeat the size limit
    (the host passes it on as sent). `what`: the file, as the message names it."""
    encoding = (headers.get("Content-Encoding") or "").strip().lower()
    if encoding not in ("", "identity"):
        raise ApiError(415, "UnsupportedContentEncoding",
                       f"Content-Encoding '{encoding[:40]}' is not accepted: send the {what} "
                       "uncompressed.", target="Content-Encoding")


def check_transfer(headers: Mapping[str, str], max_bytes: int) -> None:
    """Refuse from the headers alone, before the body is read: a compressed body and a
    declared length over the limit."""
    refuse_compressed(headers, "CSV")
    declared = (headers.get("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > max_bytes + MULTIPART_SLACK:
        raise ApiError(413, "FileTooLarge", f"The request is {int(declared):,} bytes; the "
                       f"limit for a file is {max_bytes:,} bytes. Split the export and upload "
                       "the parts.", target="file")


def check_body(data: bytes | None, file_name: str, max_bytes: int) -> bytes:
    if data is None:
        raise ApiError(400, "MissingFile", "The request has no file: send the CSV in a "
                       "multipart field named 'file', or as a text/csv body.", target="file")
    if len(data) > max_bytes:
        raise ApiError(413, "FileTooLarge", f"{file_name} is {len(data):,} bytes; the limit is "
                       f"{max_bytes:,} bytes. Split the export and upload the parts.",
                       target="file")
    if not data.strip():
        raise ApiError(400, "EmptyFile", f"{file_name} is empty: export the recommendations "
                       "from Azure Advisor with \"Download as CSV\" and upload that file.",
                       target="file")
    return data


def _choices(raw: str | None, allowed: tuple[str, ...], name: str,
             problems: list[dict], default: tuple[str, ...] | None = None) -> tuple[str, ...]:
    if raw is None or not raw.strip():
        return allowed if default is None else default
    chosen = [v.strip().lower() for v in raw.split(",") if v.strip()]
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        problems.append({"code": "InvalidParameter", "target": name,
                         "message": f"{name} has unknown value(s) {', '.join(unknown)}; "
                                    f"choose from {', '.join(allowed)}."})
    return tuple(dict.fromkeys(v for v in chosen if v in allowed))


def parse_options(values: Mapping[str, str], default_title: str) -> UploadOptions:
    """Options from the query string or form fields; every bad one is named in one 400."""
    problems: list[dict] = [unicode_problem(name) for name, value in values.items()
                            if name in OPTION_NAMES and not is_valid_unicode(value)]
    if problems:
        raise invalid(problems)
    client_id = (values.get("clientId") or "default").strip()
    if not is_slug(client_id):
        problems.append({"code": "InvalidParameter", "target": "clientId",
                         "message": f"clientId must be {SLUG_TEXT}."})
    title = (values.get("title") or "").strip() or default_title
    if len(title) > MAX_TITLE:
        problems.append({"code": "InvalidParameter", "target": "title",
                         "message": f"title is longer than {MAX_TITLE} characters."})
    types = _choices(values.get("reportTypes"), REPORT_TYPES, "reportTypes", problems)
    formats = _choices(values.get("formats"), FORMATS, "formats", problems, DEFAULT_FORMATS)
    problems += format_problems(types, formats)
    client_name = (values.get("clientName") or "").strip()
    if len(client_name) > MAX_CLIENT_NAME:
        problems.append({"code": "InvalidParameter", "target": "clientName",
                         "message": f"clientName is longer than {MAX_CLIENT_NAME} characters."})
    notes = (values.get("notes") or "").strip()
    problems += notes_problems(notes)
    baseline = (values.get("baselineReportId") or "").strip()
    if baseline and not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9-]{0,99}", baseline):
        problems.append({"code": "InvalidParameter", "target": "baselineReportId",
                         "message": "baselineReportId must be a report id."})
    appendix = (values.get("appendix") or DEFAULT_APPENDIX).strip().lower()
    if appendix not in APPENDIX_CHOICES:
        problems.append({"code": "InvalidParameter", "target": "appendix",
                         "message": f"appendix must be one of {', '.join(APPENDIX_CHOICES)}."})
    if problems:
        raise invalid(problems)
    return UploadOptions(client_id, title, types, formats, baseline, client_name, notes,
                         appendix)


def format_problems(types: tuple[str, ...] | list[str],
                    formats: tuple[str, ...] | list[str]) -> list[dict]:
    """A format asked for that none of the chosen report types is made in (a deck presents
    the executive summary only)."""
    made = {f for _, f in artifact_pairs(types, formats)}
    return [{"code": "InvalidParameter", "target": "formats",
             "message": f"{fmt} is made for the {' and '.join(ONLY_FOR[fmt])} report only: add "
                        f"{ONLY_FOR[fmt][0]} to reportTypes or leave {fmt} out."}
            for fmt in formats if fmt not in made and fmt in ONLY_FOR and types]


def notes_problems(notes: str) -> list[dict]:
    if len(notes) > MAX_NOTES:
        return [{"code": "InvalidParameter", "target": "notes",
                 "message": f"notes are {len(notes):,} characters; at most {MAX_NOTES:,} fit."}]
    if len(notes.encode("utf-16-le")) // 2 > _MAX_NOTES_UNITS:
        return [{"code": "InvalidParameter", "target": "notes",
                 "message": "notes hold too many emoji or other characters outside the basic "
                            "plane to be stored; shorten them."}]
    return []


def check_header(data: bytes, file_name: str, limits: Limits) -> None:
    """422 when the file is not an Advisor export, found from its header alone."""
    try:
        read_header(data, limits)
    except ExportRefused as refused:
        status = 413 if refused.code == "FileTooLarge" else (
            400 if refused.code in ("EmptyFile", "NoDataRows") else 422)
        details = [{"code": refused.code, "target": "file", "message": refused.message,
                    **({"line": refused.line} if refused.line else {})}]
        raise ApiError(status, refused.code, f"{file_name}: {refused.message}", target="file",
                       details=details) from None
