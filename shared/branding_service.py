"""Branding: each client's logo and accent colour, and the partner (the firm delivering the
reports) with its name, contact line and logo, for one deployment."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from azure.core.exceptions import ResourceNotFoundError
from azure.data.tables import UpdateMode
from azure.storage.blob import ContentSettings

from shared import clients_service
from shared.http.errors import ApiError, not_found
from shared.logos import Logo, LogoRefused, check_logo
from shared.rendering.document import Branding, Image
from shared.storage import layout
from shared.storage.context import Storage
from shared.storage.reports import now_iso

PARTNER_KEY = ("branding", "partner")  # the partner's row in the Clients table
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


def read_logo(storage: Storage, blob_name: str) -> tuple[bytes, str] | None:
    """The logo's bytes and content type, or None when there is none."""
    try:
        download = storage.artifacts.get_blob_client(blob_name).download_blob()
        return download.readall(), download.properties.content_settings.content_type
    except ResourceNotFoundError:
        return None


def delete_logo(storage: Storage, blob_name: str) -> bool:
    try:
        storage.artifacts.delete_blob(blob_name)
    except ResourceNotFoundError:
        return False
    return True


# -- the partner ---------------------------------------------------------------------------------


def partner(storage: Storage) -> dict[str, Any]:
    """The partner's branding; empty fields when none is set (reports then look neutral)."""
    try:
        entity = storage.client_records.table.get_entity(*PARTNER_KEY)
    except ResourceNotFoundError:
        entity = {}
    logo = entity.get("logo")
    return {"name": entity.get("name", ""), "contact": entity.get("contact", ""),
            "logo": json.loads(logo) if logo else None, "updatedAt": entity.get("updatedAt")}


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


# -- what a report is branded with ---------------------------------------------------------------


def _image(storage: Storage, blob_name: str, info: dict[str, Any] | None,
           alt: str) -> Image | None:
    """The logo a row describes (`info`), read from its blob; None without one."""
    found = read_logo(storage, blob_name) if info else None
    if found is None:
        return None
    return Image(found[0], found[1], int(info["width"]), int(info["height"]), alt)


def branding_of(storage: Storage, client_id: str) -> tuple[str, Branding]:
    """The client's name and the branding its reports are drawn with, read fresh for every
    render: changed branding shows in the next render, and only there."""
    entity = storage.client_records.get(client_id)
    client = clients_service.view(entity) if entity else {"logo": None, "accentColor": None}
    name = (entity or {}).get("name") or client_id
    partner_row = partner(storage)
    return name, Branding(
        accent=client["accentColor"] or "",
        client_logo=_image(storage, layout.client_logo_blob_name(client_id),
                           client["logo"], f"{name} logo"),
        partner_name=partner_row["name"], partner_contact=partner_row["contact"],
        partner_logo=_image(storage, layout.PARTNER_LOGO_BLOB, partner_row["logo"],
                            f"{partner_row['name'] or 'Partner'} logo"),
    )
