"""The one storage client factory: Blob, Table and Queue clients from a connection string
or an identity.

Mirrors how the Functions host reads a connection named `<name>`: either a connection string in
the setting `<name>`, or identity settings `<name>__accountName` (or `__blobServiceUri`,
`__tableServiceUri`, `__queueServiceUri`) with `__credential` and `__clientId`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueServiceClient


@dataclass(frozen=True)
class StorageClients:
    blob: BlobServiceClient
    table: TableServiceClient
    queue: QueueServiceClient


# A blob up to this size is uploaded in one request, which holds it whole in memory (the SDK's
# default is 64 MiB); a larger one goes in blocks of 4 MiB read from its file as they are sent.
# Reports of every row run to tens of MB, and several renders and stores share a worker.
MAX_SINGLE_PUT_BYTES = 8 * 1024 * 1024
# The first request of a download fetches up to this much, the rest comes in 4 MiB chunks (the
# SDK's default first request is 32 MiB): a staged shard read chunk by chunk then holds a few
# MB at a time, not its whole blob (at 200,000 rows, 5.5 MB a shard, several read at once).
MAX_SINGLE_GET_BYTES = 4 * 1024 * 1024


class StorageConfigError(ValueError):
    """The connection settings are missing or incomplete."""


def credential_from(env: Mapping[str, str], name: str) -> Any:
    """ManagedIdentityCredential when a client id is set, else DefaultAzureCredential."""
    from azure.identity import DefaultAzureCredential, ManagedIdentityCredential

    client_id = env.get(f"{name}__clientId")
    kind = env.get(f"{name}__credential", "").lower()
    if client_id or kind == "managedidentity":
        return ManagedIdentityCredential(client_id=client_id) if client_id \
            else ManagedIdentityCredential()
    return DefaultAzureCredential()


def service_uris(env: Mapping[str, str], name: str) -> dict[str, str]:
    account = env.get(f"{name}__accountName")
    uris = {}
    for kind in ("blob", "table", "queue"):
        explicit = env.get(f"{name}__{kind}ServiceUri")
        if explicit:
            uris[kind] = explicit
        elif account:
            uris[kind] = f"https://{account}.{kind}.core.windows.net"
    return uris


def build_clients(name: str = "AzureWebJobsStorage", env: Mapping[str, str] | None = None,
                  **client_options: Any) -> StorageClients:
    """Clients for the storage connection `name` (no network traffic happens here)."""
    env = os.environ if env is None else env
    connection_string = env.get(name)
    if connection_string:
        return StorageClients(
            blob=BlobServiceClient.from_connection_string(
                connection_string, max_single_put_size=MAX_SINGLE_PUT_BYTES,
                max_single_get_size=MAX_SINGLE_GET_BYTES, **client_options),
            table=TableServiceClient.from_connection_string(connection_string, **client_options),
            queue=QueueServiceClient.from_connection_string(connection_string, **client_options),
        )
    uris = service_uris(env, name)
    missing = [k for k in ("blob", "table", "queue") if k not in uris]
    if missing:
        raise StorageConfigError(
            f"Storage connection '{name}' is not configured: set {name} to a connection string, "
            f"or {name}__accountName (or {name}__<service>ServiceUri for {', '.join(missing)}).")
    credential = credential_from(env, name)
    return StorageClients(
        blob=BlobServiceClient(uris["blob"], credential=credential,
                               max_single_put_size=MAX_SINGLE_PUT_BYTES,
                               max_single_get_size=MAX_SINGLE_GET_BYTES, **client_options),
        table=TableServiceClient(uris["table"], credential=credential, **client_options),
        queue=QueueServiceClient(uris["queue"], credential=credential, **client_options),
    )
