"""Blob triggers: poll each trigger's container; receipts make each blob version fire once.

Azurite has no Event Grid, so whatever the trigger's `source`, the devhost polls. A receipt
(blob name + ETag) is written to Table Storage after the function succeeds, so a restart does
not fire it again while a new version of the blob does. A failing function is retried up to
five times, then poisoned as the Functions host does it: a message on the
`webjobs-blobtrigger-poison` queue (FunctionId, BlobType, ContainerName, BlobName, ETag, base64
encoded like the WebJobs SDK's queue messages), the receipt kept so it does not fire again, and
an error logged.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import json
import logging
import re
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass

import azure.functions as func
from azure.core.exceptions import ResourceExistsError, ResourceNotFoundError
from azure.data.tables import TableServiceClient
from azure.storage.blob import BlobServiceClient
from azure.storage.queue import QueueServiceClient, TextBase64EncodePolicy

from devhost import invoke
from devhost.config import expand_app_settings
from devhost.functions import FunctionInfo

log = logging.getLogger("devhost.blob")
MAX_ATTEMPTS = 5
POISON_QUEUE = "webjobs-blobtrigger-poison"


@dataclass(frozen=True)
class BlobPath:
    container: str
    pattern: re.Pattern

    @classmethod
    def parse(cls, path: str) -> BlobPath:
        container, _, rest = path.partition("/")
        regex, last = "", 0
        params = list(re.finditer(r"\{([^{}]+)\}", rest))
        for i, m in enumerate(params):
            regex += re.escape(rest[last:m.start()])
            # The last parameter takes the rest of the name, slashes included.
            regex += f"(?P<{m.group(1)}>{'.+' if i == len(params) - 1 else '[^/]+'})"
            last = m.end()
        regex += re.escape(rest[last:])
        return cls(container, re.compile(f"^{regex}$" if rest else "^.+$"))


class BlobTriggers:
    def __init__(self, functions: list[FunctionInfo], blobs: BlobServiceClient,
                 tables: TableServiceClient, receipts_table: str, io: Executor,
                 workers: Executor, client_binding: Callable[[], str],
                 interval: float, queues: QueueServiceClient) -> None:
        self.functions = [(info, BlobPath.parse(expand_app_settings(info.trigger["path"])))
                          for info in functions]
        self.blobs = blobs
        self.receipts = tables.get_table_client(receipts_table)
        self._tables = tables
        self.io = io
        self.workers = workers
        self.client_binding = client_binding
        self.interval = interval
        self._done: set[str] = set()  # receipts already known in this process
        self._attempts: dict[str, int] = {}
        self.poison = queues.get_queue_client(
            POISON_QUEUE, message_encode_policy=TextBase64EncodePolicy())

    def _ensure(self) -> None:
        with contextlib.suppress(ResourceExistsError):
            self._tables.create_table(self.receipts.table_name)
        for _, path in self.functions:
            with contextlib.suppress(ResourceExistsError):
                self.blobs.create_container(path.container)
        with contextlib.suppress(ResourceExistsError):
            self.poison.create_queue()

    async def run(self) -> None:
        if not self.functions:
            return
        loop = asyncio.get_running_loop()
        await loop.run_in_executor(self.io, self._ensure)
        while True:
            for info, path in self.functions:
                try:
                    await self._scan(info, path)
                except asyncio.CancelledError:
                    raise
                except Exception:
                    log.exception("Scanning container '%s' failed", path.container)
            await asyncio.sleep(self.interval)

    async def _scan(self, info: FunctionInfo, path: BlobPath) -> None:
        loop = asyncio.get_running_loop()
        container = self.blobs.get_container_client(path.container)
        listed = await loop.run_in_executor(
            self.io, lambda: [(b.name, _etag(b.etag)) for b in container.list_blobs()])
        for name, etag in listed:
            if not path.pattern.match(name):
                continue
            receipt = _receipt_key(info.name, name, etag)
            if receipt in self._done:
                continue
            row = await loop.run_in_executor(self.io, self._read_receipt, info.name, receipt)
            if row is not None:
                self._done.add(receipt)
                continue
            await self._fire(info, path, name, etag, receipt)

    def _read_receipt(self, function: str, receipt: str) -> dict | None:
        try:
            return self.receipts.get_entity(function, receipt)
        except ResourceNotFoundError:
            return None

    async def _fire(self, info: FunctionInfo, path: BlobPath, name: str, etag: str,
                    receipt: str) -> None:
        loop = asyncio.get_running_loop()
        blob = self.blobs.get_blob_client(path.container, name)
        try:
            downloader = await loop.run_in_executor(self.io, blob.download_blob)
            data = await loop.run_in_executor(self.io, downloader.readall)
        except ResourceNotFoundError:
            return  # deleted between listing and reading
        props = downloader.properties
        if _etag(props.etag) != etag:
            return  # changed since listing: the next scan sees the new version
        stream = func.blob.InputStream(
            data=data, name=f"{path.container}/{name}", uri=blob.url, length=len(data),
            metadata=dict(props.metadata or {}),
            blob_properties={"ETag": etag, "Length": props.size,
                             "ContentType": props.content_settings.content_type,
                             "LastModified": props.last_modified.isoformat()},
        )
        kwargs = {info.trigger_param: stream}
        if info.client_param:
            kwargs[info.client_param] = self.client_binding()
        try:
            await invoke.call(info, kwargs, self.workers, detail=f"blob={path.container}/{name}")
            status = "Succeeded"
        except Exception as exc:
            attempts = self._attempts.get(receipt, 0) + 1
            self._attempts[receipt] = attempts
            if attempts < MAX_ATTEMPTS:
                log.warning("Blob trigger '%s' failed on %s (attempt %d of %d): %s",
                            info.name, name, attempts, MAX_ATTEMPTS, exc)
                return
            log.error("Blob '%s' is poison for '%s' after %d attempts: %s",
                      name, info.name, attempts, exc)
            await loop.run_in_executor(self.io, self.poison.send_message, json.dumps({
                "Type": "BlobTrigger", "FunctionId": f"Host.Functions.{info.name}",
                "BlobType": "BlockBlob", "ContainerName": path.container, "BlobName": name,
                "ETag": f'"{etag}"'}))
            status = "Poison"
        entity = {"PartitionKey": info.name, "RowKey": receipt, "BlobName": name,
                  "ETag": etag, "Status": status}
        await loop.run_in_executor(self.io, self.receipts.upsert_entity, entity)
        self._done.add(receipt)


def _etag(value: str) -> str:
    # Listing and download disagree on whether the ETag carries quotes.
    return value.strip('"')


def _receipt_key(function: str, name: str, etag: str) -> str:
    # RowKeys may not hold '/', '\\', '#', '?': hash the name and version.
    return hashlib.sha256(f"{function}|{name}|{etag}".encode()).hexdigest()
