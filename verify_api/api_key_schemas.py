"""Wire structs of API keys (GET/POST /v1/api-keys, revoke, rotate). The secret appears only in the answer that
created or rotated it; listings carry its prefix (the public part that finds it) and never its hash."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import msgspec

from verify_api.schemas import Request, Response

ApiKeyScope = Literal["assess", "issue", "manage", "prove"]
Expiry = Annotated[
    datetime, msgspec.Meta(tz=True, description="when the key stops working (RFC 3339 with offset); null: never")
]
KeyName = Annotated[str, msgspec.Meta(min_length=1, max_length=100, description="what the key is for")]
ApiKeyStatus = Literal["active", "expired", "revoked"]


class CreateApiKeyRequest(Request):
    name: KeyName
    scopes: Annotated[list[ApiKeyScope], msgspec.Meta(min_length=1, max_length=4)]
    expires_at: Expiry | None = None


class RotateApiKeyRequest(Request):
    # Omitted: the key keeps its expiry.
    expires_at: Expiry | None = None


class ApiKeyView(Response, forbid_unknown_fields=True):
    id: UUID
    name: str
    prefix: Annotated[str, msgspec.Meta(description="the public part of the key after `paiv_`, to recognise it")]
    scopes: list[ApiKeyScope]
    status: ApiKeyStatus
    created_at: datetime
    expires_at: datetime | None
    last_used_at: Annotated[
        datetime | None, msgspec.Meta(description="last successful use, to within a minute; null: never used")
    ]
    revoked_at: datetime | None
    rotated_at: datetime | None


class ApiKeyList(Response, forbid_unknown_fields=True):
    api_keys: list[ApiKeyView]


class IssuedApiKeyView(Response, forbid_unknown_fields=True):
    api_key: ApiKeyView
    secret: Annotated[
        str, msgspec.Meta(description="the bearer secret; shown this once, stored only as a hash: keep it now")
    ]
