"""OpenTelemetry to Application Insights, when the app runs where it is configured.

The host sends its own telemetry (host.json telemetryMode OpenTelemetry); this adds the
worker's logs and traces. Application Insights has local auth off, so the exporter signs in
with the app's managed identity.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping

log = logging.getLogger(__name__)


def configure_telemetry(env: Mapping[str, str] | None = None) -> bool:
    """Set up the Azure Monitor exporter; False (and nothing done) without a connection
    string, as on the devhost."""
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
    )
    log.info("Telemetry goes to Application Insights")
    return True
