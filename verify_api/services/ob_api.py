"""The resource side of the 1EdTech Open Badges API 3.0 (https://www.imsglobal.org/spec/ob/v3p0/#api): the Service
Description Document, `getCredentials` and `getProfile` for the holder an access token speaks for.

getCredentials answers the holder's own credentials and nobody else's: the signed documents exactly as stored
(embedded byte for byte, never re-serialised), Data Integrity ones in `credential` and VC-JWT ones in
`compactJwsString` (OB 3.0 GetOpenBadgeCredentialsResponse). Which credentials a wallet receives is the one
judgement's (services.judgement): those it calls valid, not yet valid, expired or suspended, which a wallet can
still show or check; not those revoked, superseded by a re-issue or signed by a compromised or untrusted key, which
can never be valid again. Paging is by `limit` and `offset` over that list, oldest first, with `X-Total-Count` and
the `Link` relations the spec requires (§"Paging").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api import __version__
from verify_api.db.credentials import Credentials
from verify_api.db.holders import Holders
from verify_api.domain.credential import OB_V3_CONTEXT
from verify_api.errors import HolderNotFoundError
from verify_api.ob_api_schemas import CREDENTIAL_READONLY, OB_SCOPES, PROFILE_READONLY
from verify_api.services.judgement import judge_stored

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.domain.verdict import State
    from verify_api.settings import Settings

OB_API_PATH = "/ims/ob/v3p0"
DEFAULT_LIMIT = 20
MAX_LIMIT = 50
DELIVERED_STATES: frozenset[State] = frozenset({"valid", "not_yet_valid", "expired", "suspended"})


def ob_api_url(settings: Settings, path: str = "") -> str:
    return f"{settings.base_url}{OB_API_PATH}{path}"


@dataclass(frozen=True)
class CredentialsPage:
    """One page of getCredentials: the response body, the total, and the Link header's relations."""

    credential: list[msgspec.Raw]
    compact_jws_string: list[str]
    total: int
    links: dict[str, str]


def page_links(base: str, *, limit: int, offset: int, total: int) -> dict[str, str]:
    """OB 3.0 §"Paging": first and last always; next while the list goes on; prev when the offset is past zero."""
    last = max(0, (total - 1) // limit * limit) if total else 0
    links = {"first": f"{base}?limit={limit}&offset=0", "last": f"{base}?limit={limit}&offset={last}"}
    if offset + limit < total:
        links["next"] = f"{base}?limit={limit}&offset={offset + limit}"
    if offset > 0:
        links["prev"] = f"{base}?limit={limit}&offset={max(0, offset - limit)}"
    return links


async def holder_credentials(  # noqa: PLR0913 - the page and the filter are each one argument
    conn: Connection,
    settings: Settings,
    holder_id: UUID,
    *,
    limit: int,
    offset: int,
    since: datetime | None,
    now: datetime,
) -> CredentialsPage:
    """getCredentials (OB 3.0 §"getCredentials"): the holder's delivered credentials issued after `since`, one page."""
    register = Credentials(conn)
    delivered = []
    for record in await register.holder_records(holder_id):
        if since is not None and record.issued_at <= since:
            continue
        verdict = await judge_stored(conn, record, settings=settings, now=now)
        if verdict.state in DELIVERED_STATES:
            delivered.append(record)
    credential: list[msgspec.Raw] = []
    compact: list[str] = []
    for record in delivered[offset : offset + limit]:
        stored = await register.get(record.id)
        if stored is None or stored.holder_id != holder_id:
            continue  # gone between the two reads (never another holder's)
        if str(stored.cryptosuite).startswith("jose-"):
            compact.append(bytes(stored.document).decode("ascii"))
        else:
            credential.append(msgspec.Raw(bytes(stored.document)))
    links = page_links(ob_api_url(settings, "/credentials"), limit=limit, offset=offset, total=len(delivered))
    return CredentialsPage(credential=credential, compact_jws_string=compact, total=len(delivered), links=links)


async def holder_profile(conn: Connection, settings: Settings, holder_id: UUID) -> dict[str, Any]:
    """getProfile (OB 3.0 §"getProfile"): the holder as an OB 3.0 Profile (the name on their credentials, and their
    e-mail address when one is known)."""
    holder = await Holders(conn).get(holder_id)
    if holder is None:
        raise HolderNotFoundError("the holder this token was granted for no longer exists")
    profile: dict[str, Any] = {
        "@context": [OB_V3_CONTEXT],
        "type": "Profile",
        "id": f"urn:uuid:{holder.id}",
        "name": holder.display_name,
    }
    if holder.email:
        profile["email"] = holder.email
    return profile


def service_description_document(settings: Settings) -> dict[str, Any]:
    """The Service Description Document (OB 3.0 §"Request the Service Description Document",
    https://www.imsglobal.org/spec/ob/v3p0/#request-the-service-description-document): a profile of the OB 3.0
    OpenAPI file naming the operations served here, with the 1EdTech `x-imssf-*` members in `info` and in the
    OAuth2ACG security scheme (registration, authorization, token and refresh URLs, and the OB scopes)."""
    home = f"{settings.base_url}/"
    privacy = settings.ob_privacy_policy_url or home
    terms = settings.ob_terms_of_service_url or home
    errors = {
        str(status): {
            "description": description,
            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Imsx_StatusInfo"}}},
        }
        for status, description in (
            (400, "The request cannot be served: a parameter is malformed."),
            (401, "No access token, or one that is unknown, expired or revoked."),
            (403, "The access token lacks the operation's scope."),
            (405, "The method is not allowed."),
            (500, "The service failed."),
        )
    }
    return {
        "openapi": "3.0.1",
        "info": {
            "title": f"{settings.issuer_name} (PAI Verify)",
            "description": "The 1EdTech Open Badges API 3.0 of PAI Verify: wallets read their holder's credentials.",
            "version": __version__,
            "termsOfService": terms,
            "x-imssf-privacyPolicyUrl": privacy,
            "x-imssf-image": f"{settings.base_url}/v1/issuer/image.png",
        },
        "servers": [{"url": ob_api_url(settings), "description": "PAI Verify"}],
        "tags": [{"name": "OpenBadgeCredentials"}, {"name": "Discovery"}],
        "paths": {
            "/credentials": {
                "get": {
                    "tags": ["OpenBadgeCredentials"],
                    "summary": "The holder's OpenBadgeCredentials",
                    "operationId": "getCredentials",
                    "parameters": [
                        _query("limit", "The maximum number of OpenBadgeCredentials to return per page.", 1),
                        _query("offset", "The index of the first AchievementCredential to return (zero indexed).", 0),
                        {
                            "name": "since",
                            "in": "query",
                            "description": "Only include OpenBadgeCredentials issued after this timestamp.",
                            "required": False,
                            "schema": {"type": "string", "format": "date-time"},
                        },
                    ],
                    "responses": {
                        "200": {
                            "description": "The holder's OpenBadgeCredentials, one page.",
                            "headers": {
                                "X-Total-Count": {"schema": {"type": "integer"}},
                                "Link": {"schema": {"type": "string"}},
                            },
                            "content": {
                                "application/json": {
                                    "schema": {"$ref": "#/components/schemas/GetOpenBadgeCredentialsResponse"}
                                }
                            },
                        },
                        **errors,
                    },
                    "security": [{"OAuth2ACG": [CREDENTIAL_READONLY]}],
                }
            },
            "/profile": {
                "get": {
                    "tags": ["OpenBadgeCredentials"],
                    "summary": "The holder's profile",
                    "operationId": "getProfile",
                    "responses": {
                        "200": {
                            "description": "The matching profile.",
                            "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Profile"}}},
                        },
                        "404": {
                            "description": "The holder no longer exists.",
                            "content": {
                                "application/json": {"schema": {"$ref": "#/components/schemas/Imsx_StatusInfo"}}
                            },
                        },
                        **errors,
                    },
                    "security": [{"OAuth2ACG": [PROFILE_READONLY]}],
                }
            },
            "/discovery": {
                "get": {
                    "tags": ["Discovery"],
                    "summary": "The Service Description Document",
                    "operationId": "getServiceDescription",
                    "responses": {"200": {"description": "This document."}},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "OAuth2ACG": {
                    "type": "oauth2",
                    "description": "OAuth 2.0 Authorization Code Grant authorization, with PKCE (S256)",
                    "x-imssf-name": settings.issuer_name,
                    "x-imssf-privacyPolicyUrl": privacy,
                    "x-imssf-registrationUrl": ob_api_url(settings, "/register"),
                    "x-imssf-termsOfServiceUrl": terms,
                    "flows": {
                        "authorizationCode": {
                            "authorizationUrl": ob_api_url(settings, "/authorize"),
                            "tokenUrl": ob_api_url(settings, "/token"),
                            "refreshUrl": ob_api_url(settings, "/token"),
                            "scopes": dict(OB_SCOPES),
                        }
                    },
                }
            },
            "schemas": _SCHEMAS,
        },
    }


def _query(name: str, description: str, minimum: int) -> dict[str, Any]:
    schema = {"type": "integer", "minimum": minimum, **({"maximum": MAX_LIMIT} if name == "limit" else {})}
    return {"name": name, "in": "query", "description": description, "required": False, "schema": schema}


_SCHEMAS: dict[str, Any] = {
    "GetOpenBadgeCredentialsResponse": {
        "type": "object",
        "properties": {
            "credential": {"type": "array", "items": {"type": "object"}},
            "compactJwsString": {"type": "array", "items": {"type": "string"}},
        },
        "additionalProperties": False,
    },
    "Profile": {
        "type": "object",
        "properties": {
            "@context": {"type": "array", "items": {"type": "string"}},
            "id": {"type": "string", "format": "uri"},
            "type": {"type": "string"},
            "name": {"type": "string"},
            "email": {"type": "string"},
        },
        "required": ["id", "type"],
    },
    "Imsx_StatusInfo": {
        "type": "object",
        "properties": {
            "imsx_codeMajor": {"type": "string", "enum": ["success", "processing", "failure", "unsupported"]},
            "imsx_severity": {"type": "string", "enum": ["status", "warning", "error"]},
            "imsx_description": {"type": "string"},
            "imsx_CodeMinor": {
                "type": "object",
                "properties": {
                    "imsx_codeMinorField": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "imsx_codeMinorFieldName": {"type": "string"},
                                "imsx_codeMinorFieldValue": {"type": "string"},
                            },
                            "required": ["imsx_codeMinorFieldName", "imsx_codeMinorFieldValue"],
                        },
                    }
                },
                "required": ["imsx_codeMinorField"],
            },
        },
        "required": ["imsx_codeMajor", "imsx_severity"],
    },
}
