"""Who is calling: App Service Authentication's principal, its roles and client claims.

Function keys guard every route but health and the API description (the host enforces them).
Behind App Service Authentication the platform adds X-MS-CLIENT-PRINCIPAL (base64 JSON) and
strips any copy a caller sends; its roles then limit what the caller may do:
Reports.Reader reads, Reports.Contributor also uploads, renders, retries and deletes,
Reports.Admin also manages clients.

Which clients a principal sees fails closed: every client only with the app role
Reports.AllClients; otherwise only the clients its client claims name, the claim types being
one list (CLIENT_CLAIM_TYPES, default `CLIENT_CLAIMS`); a principal with neither sees no
client. A claim under any other type (`ClientIds`, `clientid`: an identity provider's mapping
mistake) is ignored, so it loses access rather than gaining all of it.
A call with a key and no principal is trusted automation: it may do everything.
"""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Mapping
from dataclasses import dataclass

from shared.settings import Settings, get_settings

READER, CONTRIBUTOR, ADMIN = "Reports.Reader", "Reports.Contributor", "Reports.Admin"
ALL_CLIENTS = "Reports.AllClients"  # an app role: sees every client (no client claim needed)
_RANK = {READER: 1, CONTRIBUTOR: 2, ADMIN: 3}
PRINCIPAL_HEADER = "X-MS-CLIENT-PRINCIPAL"
PRINCIPAL_ID_HEADER = "X-MS-CLIENT-PRINCIPAL-ID"
OBJECT_ID_CLAIMS = ("http://schemas.microsoft.com/identity/claims/objectidentifier", "oid")
CLIENT_CLAIMS = Settings.client_claim_types  # the default of CLIENT_CLAIM_TYPES


class AuthError(Exception):
    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@dataclass(frozen=True)
class Principal:
    name: str
    roles: frozenset[str]
    client_ids: frozenset[str] | None  # None: every client
    trusted_key: bool = False  # a key and no principal: automation with full rights
    id: str = ""  # the identity provider's object id, when the platform gives one

    @property
    def rank(self) -> int:
        if self.trusted_key:
            return _RANK[ADMIN]
        return max((_RANK.get(r, 0) for r in self.roles), default=0)

    def require(self, role: str) -> None:
        if self.rank < _RANK[role]:
            raise AuthError(403, "Forbidden", f"This needs the role {role}; you have "
                            f"{', '.join(sorted(self.roles)) or 'no role of this API'}.")

    def sees(self, client_id: str) -> bool:
        return self.client_ids is None or client_id in self.client_ids


KEY_PRINCIPAL = Principal("function key", frozenset(), None, trusted_key=True)


def _invalid(why: str) -> AuthError:
    return AuthError(401, "InvalidPrincipal", f"{PRINCIPAL_HEADER} is not what App Service "
                     f"Authentication sends: {why}.")


def principal_from(headers: Mapping[str, str],
                   client_claims: tuple[str, ...] | None = None) -> Principal:
    """The caller, parsed strictly: a malformed principal is refused, never read as "anyone".

    Scope fails closed: every client with the role Reports.AllClients, else exactly the
    clients named by claims of the accepted types (`client_claims`, default the setting
    CLIENT_CLAIM_TYPES); no such claim, or one that names none, sees no client.
    """
    raw = headers.get(PRINCIPAL_HEADER) or headers.get(PRINCIPAL_HEADER.lower())
    if not raw:
        return KEY_PRINCIPAL
    try:
        data = json.loads(base64.b64decode(raw + "=" * (-len(raw) % 4), validate=True))
    except (binascii.Error, ValueError, RecursionError):
        raise _invalid("not base64 JSON") from None
    if not isinstance(data, dict):
        raise _invalid("not a JSON object")
    claims = data.get("claims") or []
    role_type = data.get("role_typ") or "roles"
    name_type = data.get("name_typ") or "name"
    if not isinstance(claims, list) or not all(
            isinstance(c, dict) and isinstance(c.get("typ", ""), str)
            and isinstance(c.get("val", ""), str) for c in claims):
        raise _invalid("claims must be a list of {typ, val} objects with text values")
    if not isinstance(role_type, str) or not isinstance(name_type, str):
        raise _invalid("role_typ and name_typ must be text")
    roles, name = set(), ""
    object_id = headers.get(PRINCIPAL_ID_HEADER) or headers.get(PRINCIPAL_ID_HEADER.lower()) or ""
    accepted = set(get_settings().client_claim_types if client_claims is None
                   else client_claims)
    clients: set[str] = set()
    for claim in claims:
        kind, value = claim.get("typ", ""), claim.get("val", "")
        if kind in (role_type, "roles", "role"):
            roles.add(value)
        elif kind in OBJECT_ID_CLAIMS and not object_id:
            object_id = value
        elif kind in accepted:
            clients |= {v.strip() for v in value.split(",") if v.strip()}
        elif kind == name_type and not name:
            name = value
    return Principal(name or "user", frozenset(roles),
                     None if ALL_CLIENTS in roles else frozenset(clients), id=object_id[:200])
