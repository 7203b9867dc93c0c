"""What a report is branded with: the client's logo and accent colour and the partner's name,
contact line and logo, read from the Clients table and the logo blobs for every render. Changing
branding is a service (shared.services.branding); reading it is a step of each render."""

from __future__ import annotations

import json
from typing import Any

from azure.core.exceptions import ResourceNotFoundError

from shared.rendering.document import Branding, Image
from shared.storage import layout
from shared.storage.clients import view
from shared.storage.context import Storage

PARTNER_KEY = ("branding", "partner")  # the partner's row in the Clients table


def read_logo(storage: Storage, blob_name: str) -> tuple[bytes, str] | None:
    """The logo's bytes and content type, or None when there is none."""
    try:
        download = storage.artifacts.get_blob_client(blob_name).download_blob()
        return download.readall(), download.properties.content_settings.content_type
    except ResourceNotFoundError:
        return None


def partner(storage: Storage) -> dict[str, Any]:
    """The partner's branding; empty fields when none is set (reports then look neutral)."""
    try:
        entity = storage.client_records.table.get_entity(*PARTNER_KEY)
    except ResourceNotFoundError:
        entity = {}
    logo = entity.get("logo")
    return {"name": entity.get("name", ""), "contact": entity.get("contact", ""),
            "logo": json.loads(logo) if logo else None, "updatedAt": entity.get("updatedAt")}


def _image(storage: Storage, blob_name: str, info: dict[str, Any] | None,
           alt: str) -> Image | None:
    """The logo a row describes (`info`), read from its blob; None without one."""
    found = read_logo(storage, blob_name) if info else None
    if found is None:
        return None
    return Image(found[0], found[1], int(info["width"]), int(info["height"]), alt)


def partner_logo(storage: Storage, partner_row: dict[str, Any]) -> Image | None:
    """The partner's logo (partner_row: partner()), or None."""
    return _image(storage, layout.PARTNER_LOGO_BLOB, partner_row["logo"],
                  f"{partner_row['name'] or 'Partner'} logo")


def branding_of(storage: Storage, client_id: str) -> tuple[str, Branding]:
    """The client's name and the branding its reports are drawn with, read fresh for every
    render: changed branding shows in the next render, and only there."""
    entity = storage.client_records.get(client_id)
    client = view(entity) if entity else {"logo": None, "accentColor": None}
    name = (entity or {}).get("name") or client_id
    partner_row = partner(storage)
    return name, Branding(
        accent=client["accentColor"] or "",
        client_logo=_image(storage, layout.client_logo_blob_name(client_id),
                           client["logo"], f"{name} logo"),
        partner_name=partner_row["name"], partner_contact=partner_row["contact"],
        partner_logo=partner_logo(storage, partner_row),
    )
