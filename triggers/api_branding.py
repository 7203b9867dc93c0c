"""HTTP API: branding, the clients' logos and the partner (the firm that prepares the reports)."""

from __future__ import annotations

from shared.http.api import Call, Reply
from shared.http.auth import ADMIN, READER, AuthError
from shared.http.errors import ApiError, not_found
from shared.http.schemas import LOGO_BODY_DOC, PARTNER_PATCH, ref
from shared.http.upload import check_transfer, media_type
from shared.pipeline.branding import partner, read_logo
from shared.services import branding, clients
from shared.services.logos import MAX_LOGO_BYTES, too_large
from shared.storage import layout
from shared.storage.context import get_storage
from triggers.api_registry import api

TAG = "Branding"
_IMAGE_TYPES = ("image/png", "image/jpeg", "image/jpg", "application/octet-stream")
_LOGO_RESPONSES = {200: ("The logo", {"x-content-type": "image/png", "type": "string",
                                      "format": "binary"}),
                   404: ("No logo", ref("Error"))}


def _logo_body(call: Call) -> bytes:
    """The request's image, refused from its headers first when they say it cannot be one."""
    declared = (call.req.headers.get("Content-Length") or "").strip()
    if declared.isdigit() and int(declared) > MAX_LOGO_BYTES:
        refused = too_large(int(declared))
        raise ApiError(refused.status, refused.code, refused.message, target="logo")
    check_transfer(call.req.headers, MAX_LOGO_BYTES)  # a compressed body is refused
    kind = media_type(call.req.headers.get("Content-Type", ""))
    if kind and kind not in _IMAGE_TYPES:
        raise ApiError(415, "UnsupportedImage", f"Content-Type '{kind[:60]}' is not accepted: "
                       "send the logo as a PNG or JPEG body (image/png or image/jpeg).",
                       target="Content-Type")
    return call.req.get_body() or b""


def _logo_reply(storage, blob_name: str, what: str) -> Reply:
    found = read_logo(storage, blob_name)
    if found is None:
        raise not_found(what, "logo")
    return Reply(200, raw=found[0], headers={"Content-Type": found[1],
                                              "Cache-Control": "private, max-age=0"})


# -- a client's logo ------------------------------------------------------------------------------


@api.operation(
    "PUT", "clients/{clientId}/logo", operation_id="setClientLogo", role=ADMIN, tag=TAG,
    summary="Set the client's logo (PNG or JPEG, at most 512 KiB; SVG is refused) for the "
            "covers of its reports", body_doc=LOGO_BODY_DOC,
    responses={200: ("The client", ref("Client")), 413: ("Too large", ref("Error")),
               415: ("Not PNG or JPEG", ref("Error"))})
def set_client_logo(call: Call) -> Reply:
    storage = get_storage()
    client_id = call.route["clientId"]
    clients.get(storage, client_id, call.principal.client_ids)
    logo = branding.checked_logo(_logo_body(call), "The logo")
    info = branding.store_logo(storage, layout.client_logo_blob_name(client_id), logo)
    return Reply(200, clients.update(storage, client_id, {"logo": info}))


@api.operation(
    "GET", "clients/{clientId}/logo", operation_id="getClientLogo", role=READER, tag=TAG,
    summary="The client's logo", responses=_LOGO_RESPONSES)
def get_client_logo(call: Call) -> Reply:
    storage = get_storage()
    client = clients.get(storage, call.route["clientId"], call.principal.client_ids)
    if not client["logo"]:
        raise not_found(f"The logo of client '{client['clientId']}'", "logo")
    return _logo_reply(storage, layout.client_logo_blob_name(client["clientId"]),
                       f"The logo of client '{client['clientId']}'")


@api.operation(
    "DELETE", "clients/{clientId}/logo", operation_id="deleteClientLogo", role=ADMIN, tag=TAG,
    summary="Remove the client's logo (its reports, rendered again, show none)",
    responses={204: ("Removed", None), 404: ("No logo", ref("Error"))})
def delete_client_logo(call: Call) -> Reply:
    storage = get_storage()
    client = clients.get(storage, call.route["clientId"], call.principal.client_ids)
    removed = branding.delete_logo(storage,
                                           layout.client_logo_blob_name(client["clientId"]))
    if not removed and not client["logo"]:
        raise not_found(f"The logo of client '{client['clientId']}'", "logo")
    clients.update(storage, client["clientId"], {"logo": None})
    return Reply(204)


# -- the partner ----------------------------------------------------------------------------------


@api.operation(
    "GET", "branding", operation_id="getPartner", role=READER, tag=TAG,
    summary="The partner's branding on every report: name ('Prepared by'), contact line, "
            "logo", responses={200: ("The partner", ref("Partner"))})
def get_partner(call: Call) -> Reply:
    return Reply(200, partner(get_storage()))


def _every_client(call: Call) -> None:
    """The partner is printed on every client's reports: changing it is for callers who see
    every client (Reports.AllClients, or the key), not an admin limited to some."""
    if call.principal.client_ids is not None:
        raise AuthError(403, "Forbidden", "Changing the partner's branding changes every "
                        "client's reports: it needs Reports.AllClients as well as "
                        "Reports.Admin.")


@api.operation(
    "PATCH", "branding", operation_id="updatePartner", role=ADMIN, tag=TAG,
    summary="Set the partner's name and contact line (an empty string removes one)",
    body=PARTNER_PATCH,
    responses={200: ("The partner", ref("Partner"))})
def update_partner(call: Call) -> Reply:
    _every_client(call)
    fields = {k: v.strip() for k, v in call.body.items()}
    return Reply(200, branding.update_partner(get_storage(), fields))


@api.operation(
    "PUT", "branding/logo", operation_id="setPartnerLogo", role=ADMIN, tag=TAG,
    summary="Set the partner's logo (PNG or JPEG, at most 512 KiB; SVG is refused)",
    body_doc=LOGO_BODY_DOC,
    responses={200: ("The partner", ref("Partner")), 413: ("Too large", ref("Error")),
               415: ("Not PNG or JPEG", ref("Error"))})
def set_partner_logo(call: Call) -> Reply:
    _every_client(call)
    return Reply(200, branding.set_partner_logo(get_storage(), _logo_body(call)))


@api.operation(
    "GET", "branding/logo", operation_id="getPartnerLogo", role=READER, tag=TAG,
    summary="The partner's logo", responses=_LOGO_RESPONSES)
def get_partner_logo(call: Call) -> Reply:
    return _logo_reply(get_storage(), layout.PARTNER_LOGO_BLOB, "The partner logo")


@api.operation(
    "DELETE", "branding/logo", operation_id="deletePartnerLogo", role=ADMIN, tag=TAG,
    summary="Remove the partner's logo", responses={204: ("Removed", None),
                                                   404: ("No logo", ref("Error"))})
def delete_partner_logo(call: Call) -> Reply:
    _every_client(call)
    branding.remove_partner_logo(get_storage())
    return Reply(204)
