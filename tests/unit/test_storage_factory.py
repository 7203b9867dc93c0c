"""The one client factory: connection strings and identity settings, without the network."""

from __future__ import annotations

import pytest
from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

from shared.storage.factory import StorageConfigError, build_clients


def test_connection_string():
    clients = build_clients(env={"AzureWebJobsStorage": "UseDevelopmentStorage=true"})
    assert clients.blob.url.startswith("http://127.0.0.1:10000/devstoreaccount1")
    assert clients.table.url.startswith("http://127.0.0.1:10002/devstoreaccount1")


def test_managed_identity_with_client_id_and_service_uris():
    env = {
        "AzureWebJobsStorage__credential": "managedidentity",
        "AzureWebJobsStorage__clientId": "00000000-1111-2222-3333-444444444444",
        "AzureWebJobsStorage__blobServiceUri": "https://st.blob.core.windows.net",
        "AzureWebJobsStorage__queueServiceUri": "https://st.queue.core.windows.net",
        "AzureWebJobsStorage__tableServiceUri": "https://st.table.core.windows.net",
    }
    clients = build_clients(env=env)
    assert clients.blob.url.startswith("https://st.blob.core.windows.net")
    assert clients.queue.url.startswith("https://st.queue.core.windows.net")
    assert clients.table.url.startswith("https://st.table.core.windows.net")
    assert isinstance(clients.blob.credential, ManagedIdentityCredential)


def test_account_name_and_developer_credential():
    clients = build_clients(env={"AzureWebJobsStorage__accountName": "stadvisor"})
    assert clients.table.url.startswith("https://stadvisor.table.core.windows.net")
    assert isinstance(clients.blob.credential, DefaultAzureCredential)


def test_missing_settings_say_what_to_set():
    with pytest.raises(StorageConfigError) as missing:
        build_clients(env={})
    assert "AzureWebJobsStorage__accountName" in str(missing.value)
