"""Secrets out of log lines and spans; control characters from requests escaped."""

from __future__ import annotations

import io
import logging

import pytest
from opentelemetry.instrumentation.logging.handler import LoggingHandler
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import InMemoryLogRecordExporter, SimpleLogRecordProcessor
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter

from shared import redaction
from shared.redaction import MARK, clean, clean_value, escape, redact
from shared.telemetry import redacting_log_processor, redacting_span_processor

TOKEN = "k3Yq0_Zr9-abcdefghijklmnopqrstuvwxyzABCDEF"


@pytest.mark.parametrize("text, secret", [
    (f"GET /api/shared/{TOKEN}", TOKEN),
    (f"GET /api/shared/{TOKEN}/executive.pdf -> 200", TOKEN),
    (f"http://h:7071/API/Shared/{TOKEN}?x=1", TOKEN),
    (f"/api%2Fshared%2F{TOKEN}", TOKEN),
    ("GET /api/reports?code=fk-0123456789abcdef&page=2", "fk-0123456789abcdef"),
    ("http://h/runtime/webhooks/durabletask/instances/r1?taskHub=h&connection=Storage"
     "&code=sk-systemkey0123456789", "sk-systemkey0123456789"),
    ("https://acct.blob.core.windows.net/c/b.pdf?sv=2024&se=2026&sig=AbC%2Bd%3D", "AbC%2Bd%3D"),
    ("headers {'x-functions-key': 'fk-secretvalue-1'}", "fk-secretvalue-1"),
    ("X-Functions-Key: fk-secretvalue-2", "fk-secretvalue-2"),
    ("DefaultEndpointsProtocol=http;AccountName=a;AccountKey=Eby8vdM02xNO==;", "Eby8vdM02xNO=="),
])
def test_secrets_are_redacted(text, secret):
    out = redact(text)
    assert secret not in out and MARK in out


def test_ordinary_text_is_left_alone():
    for text in ("GET /api/reports/r-1/artifacts/executive.pdf -> 200 (operation x)",
                 'File "/work/shared/http/api.py", line 3', "error code=InvalidValue",
                 "GET /api/reports?clientId=contoso&pageSize=5"):
        assert redact(text) == text


def test_registered_secrets_are_redacted_anywhere():
    redaction.register_secret("a-devhost-key-0123456789")
    redaction.register_secret("short")  # too short to be told from text: ignored
    assert redact("Function key: a-devhost-key-0123456789.") == f"Function key: {MARK}."
    assert redact("short") == "short"


def test_control_characters_are_escaped_and_text_bounded():
    assert escape("a\nb\r\tc\x1b[31md\x00\x7f\x85\u2028\u202e") == \
        "a\\nb\\r\\tc\\x1b[31md\\x00\\x7f\\x85\\u2028\\u202e"
    assert escape("Zürich-Prod (Ω) 東京") == "Zürich-Prod (Ω) 東京"
    assert escape("x" * 50, 10) == "x" * 10 + "...(+40 characters)"
    assert clean(f"/api/shared/{TOKEN}\n2026-01-01 INFO forged", 200) == \
        f"/api/shared/{MARK}\\n2026-01-01 INFO forged"


def test_json_values_are_cleaned_keys_and_all():
    assert clean_value({"artifact\n": ["a\x1bb", 3, {"x": "y\r"}]}) == \
        {"artifact\\n": ["a\\x1bb", 3, {"x": "y\\r"}]}


def test_log_records_are_cleaned_when_made():
    make = redaction.cleaning_record_factory(logging.LogRecord)
    logger = logging.getLogger("test.redaction")
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter("%(levelname)s %(message)s"))
    old = logging.getLogRecordFactory()
    logging.setLogRecordFactory(make)
    logger.addHandler(handler)
    try:
        logger.warning("%s %s -> %d", "GET", f"/api/shared/{TOKEN}\nINFO forged line", 404)
        try:
            raise ValueError(f"bad\nERROR forged\x1b[2J ?code=sk-abcdefabcdef{TOKEN}")
        except ValueError:
            logger.exception("failed on %s", "http://h/x?code=fk-0123456789")
    finally:
        logger.removeHandler(handler)
        logging.setLogRecordFactory(old)
    lines = stream.getvalue().splitlines()
    assert TOKEN not in stream.getvalue() and "fk-0123456789" not in stream.getvalue()
    assert "\x1b" not in stream.getvalue()
    assert lines[0] == f"WARNING GET /api/shared/{MARK}\\nINFO forged line -> 404"
    assert lines[1] == f"ERROR failed on http://h/x?code={MARK}"
    # The traceback's lines are indented: none can pass for a record of its own.
    assert all(line.startswith("  ") for line in lines[2:])
    assert any("ERROR forged\\x1b[2J" in line for line in lines[2:])


def test_spans_leave_redacted():
    exporter = InMemorySpanExporter()
    provider = TracerProvider()
    provider.add_span_processor(redacting_span_processor())  # before the exporter's, as Azure
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    tracer = provider.get_tracer("test")
    with tracer.start_as_current_span(f"GET /api/shared/{TOKEN}", attributes={
            "url.full": f"http://h/api/shared/{TOKEN}/cost.pdf?code=fk-0123456789abc",
            "http.status_code": 200}) as span:
        span.set_attribute("http.url", "https://a.blob.core.windows.net/c/b?sv=1&sig=SIGNATURE")
        span.add_event("call", {"url": "http://h/runtime/webhooks/durabletask/instances/i"
                                       "?code=sk-system0123456789"})
    (done,) = exporter.get_finished_spans()
    text = repr((done.name, dict(done.attributes), [dict(e.attributes) for e in done.events]))
    for secret in (TOKEN, "fk-0123456789abc", "SIGNATURE", "sk-system0123456789"):
        assert secret not in text
    assert done.attributes["http.status_code"] == 200
    assert done.name == f"GET /api/shared/{MARK}"


def test_exported_log_records_leave_redacted_exceptions_too():
    # The OpenTelemetry handler takes an exception's message and stack trace from the
    # exception itself, not from the cleaned record: the processor redacts those as well.
    exporter = InMemoryLogRecordExporter()
    provider = LoggerProvider()
    provider.add_log_record_processor(redacting_log_processor())  # before the exporter's
    provider.add_log_record_processor(SimpleLogRecordProcessor(exporter))
    logger = logging.getLogger("test.redaction.otel")
    logger.propagate = False
    handler = LoggingHandler(logger_provider=provider)
    logger.addHandler(handler)
    try:
        try:
            raise RuntimeError(f"GET /api/shared/{TOKEN}?code=fk-0123456789abc failed")
        except RuntimeError:
            logger.exception("request to %s", f"/api/shared/{TOKEN}")
    finally:
        logger.removeHandler(handler)
    (exported,) = exporter.get_finished_logs()
    record = exported.log_record
    text = repr((record.body, dict(record.attributes)))
    assert TOKEN not in text and "fk-0123456789abc" not in text
    assert "exception.stacktrace" in record.attributes and MARK in text
