"""The catalogue of recommendation types (advisor/catalogue.py) as one JSON blob, changed under
its ETag so two reports learning at once both keep what they learnt."""

from __future__ import annotations

import json
from typing import Any

from azure.core import MatchConditions
from azure.core.exceptions import (
    ResourceExistsError,
    ResourceModifiedError,
    ResourceNotFoundError,
)
from azure.storage.blob import ContainerClient, ContentSettings

from shared.advisor.catalogue import Entry, merged
from shared.storage.layout import CATALOGUE_BLOB


def read(container: ContainerClient) -> tuple[dict[str, Entry], str | None]:
    """(entries, ETag); ({}, None) before anything was learnt."""
    try:
        download = container.get_blob_client(CATALOGUE_BLOB).download_blob()
    except ResourceNotFoundError:
        return {}, None
    return json.loads(download.readall()), download.properties.etag


def add(container: ContainerClient, learnt: dict[str, Entry]) -> None:
    """Merge `learnt` in; written only when it changes something."""
    blob = container.get_blob_client(CATALOGUE_BLOB)
    for _ in range(10):
        known, etag = read(container)
        new = merged(known, learnt)
        if new == known:
            return
        # Replace the version read, or create it when there was none (If-None-Match: *).
        conditions: dict[str, Any] = {"overwrite": True, "etag": etag,
                                      "match_condition": MatchConditions.IfNotModified} \
            if etag else {"overwrite": False}
        try:
            blob.upload_blob(json.dumps(new, ensure_ascii=False).encode("utf-8"),
                             content_settings=ContentSettings(content_type="application/json"),
                             **conditions)
            return
        except (ResourceModifiedError, ResourceExistsError):
            continue  # another report wrote first: merge into what it wrote
