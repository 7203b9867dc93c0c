"""OpenTelemetry to Application Insights, when the app runs where it is configured.

The host sends its own telemetry (host.json telemetryMode OpenTelemetry); this adds the
worker's logs and traces. Application Insights has local auth off, so the exporter signs in
with the app's managed identity. Secrets never leave in either: every log record is cleaned
where it is made (`shared.redaction.install_log_redaction`), and before the exporters see them
every span's name, attributes (its URL among them) and events are redacted, and so are the
log records' bodies and attributes (an exception's message and stack trace, which the
OpenTelemetry handler takes from the exception itself).
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from functools import cache
from typing import Any

from shared.redaction import install_log_redaction, redact

log = logging.getLogger(__name__)


def configure_telemetry(env: Mapping[str, str] | None = None) -> bool:
    """Clean this process's log records; set up the Azure Monitor exporter. False (and only
    the log cleaning done) without a connection string, as on the devhost."""
    install_log_redaction()
    env = os.environ if env is None else env
    connection = env.get("APPLICATIONINSIGHTS_CONNECTION_STRING")
    if not connection:
        return False
    from azure.identity import ManagedIdentityCredential
    from azure.monitor.opentelemetry import configure_azure_monitor

    client_id = env.get("AzureWebJobsStorage__clientId") or env.get("AZURE_CLIENT_ID")
    configure_azure_monitor(
        connection_string=connection,
        credential=ManagedIdentityCredential(client_id=client_id),
        logger_name="",  # every logger of the app
        # Run before the exporters' own processors: spans and log records leave redacted.
        span_processors=[redacting_span_processor()],
        log_record_processors=[redacting_log_processor()],
    )
    log.info("Telemetry goes to Application Insights")
    return True


def _redacted(attributes: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if not attributes:
        return None
    out = {k: redact(v) if isinstance(v, str) else
           [redact(x) if isinstance(x, str) else x for x in v] if isinstance(v, tuple | list)
           else v for k, v in attributes.items()}
    return out if out != dict(attributes) else None


@cache
def _processor_class() -> type:
    from opentelemetry.sdk.trace import Event, SpanProcessor

    class RedactingSpanProcessor(SpanProcessor):
        """Redacts a finished span's name, attributes (url.full, http.url, http.target,
        url.query, ...) and event attributes in place, before the processors after it (the
        exporter's) read them. A span's attributes are frozen when it ends, so the ended
        span's view gets new ones rather than changing them."""

        def on_end(self, span: Any) -> None:
            name = redact(span.name)
            if name != span.name:
                span._name = name
            attributes = _redacted(span.attributes)
            if attributes is not None:
                span._attributes = attributes
            if span.events:
                events = tuple(
                    Event(e.name, _redacted(e.attributes) or e.attributes, e.timestamp)
                    for e in span.events)
                span._events = events

    return RedactingSpanProcessor


def redacting_span_processor() -> Any:
    """A span processor that takes secrets out of spans (add it before the exporter's)."""
    return _processor_class()()


@cache
def _log_processor_class() -> type:
    from opentelemetry.sdk._logs import LogRecordProcessor

    class RedactingLogProcessor(LogRecordProcessor):
        """Redacts a log record's body and text attributes (exception.message,
        exception.stacktrace) before the processors after it (the exporter's) read them."""

        def on_emit(self, log_record: Any) -> None:
            record = log_record.log_record
            if isinstance(record.body, str):
                record.body = redact(record.body)
            attributes = record.attributes
            for key, value in list((attributes or {}).items()):
                if isinstance(value, str):
                    cleaned = redact(value)
                    if cleaned != value:
                        attributes[key] = cleaned

        def shutdown(self) -> None:
            pass

        def force_flush(self, timeout_millis: int = 30000) -> bool:
            return True

    return RedactingLogProcessor


def redacting_log_processor() -> Any:
    """A log record processor that takes secrets out of exported logs (add it before the
    exporter's)."""
    return _log_processor_class()()
