"""Telemetry: off on the devhost; on Azure, the Azure Monitor exporter with the app's identity."""

from __future__ import annotations

import azure.monitor.opentelemetry as distro

from shared.telemetry import configure_telemetry


def test_nothing_happens_without_a_connection_string(monkeypatch):
    called = []
    monkeypatch.setattr(distro, "configure_azure_monitor", lambda **kw: called.append(kw))
    assert configure_telemetry({}) is False
    assert called == []


def test_exporter_uses_the_managed_identity(monkeypatch):
    # Application Insights itself cannot run here: the distro's entry point is replaced.
    called = []
    monkeypatch.setattr(distro, "configure_azure_monitor", lambda **kw: called.append(kw))
    env = {"APPLICATIONINSIGHTS_CONNECTION_STRING": "InstrumentationKey=0000;IngestionEndpoint="
           "https://example.invalid/", "AzureWebJobsStorage__clientId": "client-guid"}
    assert configure_telemetry(env) is True
    (kwargs,) = called
    assert kwargs["connection_string"].startswith("InstrumentationKey=")
    assert type(kwargs["credential"]).__name__ == "ManagedIdentityCredential"
