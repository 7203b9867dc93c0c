"""Branding: each client's logo and accent colour, and the partner (the firm delivering the
reports) with its name, contact line and logo, for one deployment."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import UpdateMode
from azure.storage.blob import ContentSettings

from shared.http.errors import ApiError, not_found
from shared.pipeline.branding import PARTNER_KEY, partner
from shared.services.logos import Logo, LogoRefused, check_logo
from shared.storage import layout
from shared.storage.context import Storage
from shared.storage.reports import now_iso

PARTNER_FIELDS = ("name", "contact")


def logo_info(logo: Logo) -> dict[str, Any]:
    """What the client or partner row says about its logo (the image itself is a blob)."""
    return {"contentType": logo.content_type, "width": logo.width, "height": logo.height,
            "size": len(logo.data), "sha256": hashlib.sha256(logo.data).hexdigest()}


def checked_logo(data: bytes, name: str) -> Logo:
    try:
        return check_logo(data, name)
    except LogoRefused as refused:
        raise ApiError(refused.status, refused.code, refused.message, target="logo") from None


def store_logo(storage: Storage, blob_name: str, logo: Logo) -> dict[str, Any]:
    storage.artifacts.upload_blob(blob_name, logo.data, overwrite=True, content_settings=
                                  ContentSettings(content_type=logo.content_type))
    return logo_info(logo)


def delete_logo(storage: Storage, blob_name: str) -> bool:
    try:
        storage.artifacts.delete_blob(blob_name)
    except ResourceNotFoundError:
        return False
    return True


# -- the partner ---------------------------------------------------------------------------------


def update_partner(storage: Storage, fields: dict[str, Any]) -> dict[str, Any]:
    values = {k: (json.dumps(v) if k == "logo" and v is not None else v or "")
              for k, v in fields.items()}
    storage.client_records.table.upsert_entity(
        {"PartitionKey": PARTNER_KEY[0], "RowKey": PARTNER_KEY[1], **values,
         "updatedAt": now_iso()}, mode=UpdateMode.MERGE)
    return partner(storage)


def set_partner_logo(storage: Storage, data: bytes) -> dict[str, Any]:
    logo = checked_logo(data, "The partner logo")
    info = store_logo(storage, layout.PARTNER_LOGO_BLOB, logo)
    return update_partner(storage, {"logo": info})


def remove_partner_logo(storage: Storage) -> None:
    if not delete_logo(storage, layout.PARTNER_LOGO_BLOB) and not partner(storage)["logo"]:
        raise not_found("The partner logo", "logo")
    update_partner(storage, {"logo": None})
