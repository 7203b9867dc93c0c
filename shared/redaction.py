"""Secrets out of, and control characters escaped in, every text that reaches a log line, a
telemetry span or the audit log.

- `redact(text)`: share-link tokens (the path segment after `/api/shared/`), function, master
  and system keys (`code=` query values, `x-functions-key` header values), SAS signatures
  (`sig=`), storage account keys, and any value registered with `register_secret` (the
  devhost registers its keys) become `REDACTED`. The Durable status URLs carry their system
  key as `code=`, so they are covered too.
- `escape(text, limit)`: control characters (C0, DEL, C1, line and paragraph separators,
  bidirectional overrides) are shown as escapes (`\\n`, `\\x1b`, `\\u2028`), so a request
  cannot end a log line and forge the next; the result is at most `limit` characters.
- `clean(text, limit)`: both, for any text from a request.
- `install_log_redaction()`: every log record of the process is cleaned when it is made
  (message redacted and escaped; a traceback redacted, its control characters escaped and
  its lines indented so none can pass for a record of its own).

One function for the app (shared/http, shared/telemetry, the audit) and the devhost.
"""

from __future__ import annotations

import logging
import re
import threading
from collections.abc import Callable
from typing import Any

MARK = "REDACTED"
MAX_LOG_CHARS = 16_000  # one log record's message

_RULES = (
    # A share link's token: /api/shared/<token>[/<artifact>] (in any case, "/" or %2F).
    (re.compile(r"(/api(?:/|%2F)shared(?:/|%2F))[^/?#&\s\"'<>\\]+", re.IGNORECASE),
     rf"\g<1>{MARK}"),
    # Keys and signatures in a query string: ?code=..., &sig=...
    (re.compile(r"([?&;](?:code|sig)=)[^&#\s\"'<>\\]*", re.IGNORECASE), rf"\g<1>{MARK}"),
    # A function key as a header, in any notation a log line may hold it:
    # `x-functions-key: k`, `'x-functions-key': 'k'`, `x-functions-key=k`.
    (re.compile(r"(x-functions-key[\"']?\s*[:=]\s*[\"']?)[^\s\"',;}\]]+", re.IGNORECASE),
     rf"\g<1>{MARK}"),
    # Connection strings.
    (re.compile(r"((?:AccountKey|SharedAccessSignature)=)[^;\s\"']+", re.IGNORECASE),
     rf"\g<1>{MARK}"),
)
_secrets: set[str] = set()
_secrets_lock = threading.Lock()
_MIN_SECRET = 12  # shorter values are too likely to occur in ordinary text

# C0 and C1 controls, DEL, line/paragraph separators, bidirectional marks and overrides.
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e"
                      "\u2066-\u2069]")
_CONTROL_BUT_NEWLINE = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028"
                                  "\u2029\u202a-\u202e\u2066-\u2069]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def register_secret(value: str | None) -> None:
    """A value to redact wherever it appears (the devhost's keys)."""
    if value and len(value) >= _MIN_SECRET:
        with _secrets_lock:
            _secrets.add(value)


def redact(text: str) -> str:
    for pattern, replacement in _RULES:
        text = pattern.sub(replacement, text)
    for secret in tuple(_secrets):
        if secret in text:
            text = text.replace(secret, MARK)
    return text


def _escaped(match: re.Match) -> str:
    char = match.group()
    if char in _NAMED:
        return _NAMED[char]
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def bound(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return f"{text[:limit]}...(+{len(text) - limit} characters)"


def escape(text: str, limit: int | None = None) -> str:
    """Control characters shown as escapes; at most `limit` characters (then a marker)."""
    return bound(_CONTROL.sub(_escaped, text), limit)


def clean(text: str, limit: int | None = None) -> str:
    """Redacted and escaped: any text from a request, before a log line or the audit."""
    return escape(redact(text), limit)


def clean_value(value: object, limit: int = 500) -> object:
    """`clean` applied to every text in a JSON-like value (keys too)."""
    if isinstance(value, str):
        return clean(value, limit)
    if isinstance(value, dict):
        return {clean(str(k), 100): clean_value(v, limit) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [clean_value(v, limit) for v in value]
    return value


def clean_traceback(text: str) -> str:
    """A formatted traceback: redacted, control characters escaped except its own line breaks,
    and every line indented, so no line of it can pass for a log record of its own."""
    text = _CONTROL_BUT_NEWLINE.sub(_escaped, redact(text))
    return "\n".join("  " + line for line in text.split("\n"))


def cleaning_record_factory(make: Callable[..., logging.LogRecord]
                            ) -> Callable[..., logging.LogRecord]:
    """A log record factory that cleans what `make` makes: the message redacted, escaped and
    bounded (and its arguments merged into it), a traceback as `clean_traceback` has it."""
    formatter = logging.Formatter()

    def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record = make(*args, **kwargs)
        try:
            message = record.getMessage()
        except Exception:  # a broken format string: let logging report it as usual
            return record
        record.msg, record.args = clean(message, MAX_LOG_CHARS), None
        if record.exc_info and not record.exc_text:
            record.exc_text = clean_traceback(formatter.formatException(record.exc_info))
        return record

    return factory


_installed = False
_install_lock = threading.Lock()


def install_log_redaction() -> None:
    """Clean every log record this process makes, whoever logs it (idempotent)."""
    global _installed
    with _install_lock:
        if not _installed:
            logging.setLogRecordFactory(cleaning_record_factory(logging.getLogRecordFactory()))
            _installed = True
