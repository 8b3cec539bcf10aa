"""Wire structs of holders' privacy choices (issue 13): what staff read in GET /v1/holders/{id} and change with
PATCH /v1/holders/{id}/privacy, the same choices the holder makes on /me."""

from __future__ import annotations

import msgspec

from verify_api.schemas import Request, Response


class CredentialPrivacyView(Response):
    """One credential's choices: listed in the directory (when the holder is), indexable (when the holder is)."""

    credential_id: str
    listed: bool
    indexable: bool


class HolderPrivacyView(Response):
    """`publicListing`: the holder is listed in the public directory (/directory) with their current valid
    credentials; `indexable`: search engines may index their badge pages. Each credential may narrow both."""

    public_listing: bool
    indexable: bool
    credentials: list[CredentialPrivacyView]


class CredentialPrivacyChange(Request):
    credential_id: str
    listed: bool | msgspec.UnsetType = msgspec.UNSET
    indexable: bool | msgspec.UnsetType = msgspec.UNSET


class HolderPrivacyChange(Request):
    """Members left out stay as they are. Each change is recorded as a `holder_changed` event the holder sees in the
    history on their page."""

    public_listing: bool | msgspec.UnsetType = msgspec.UNSET
    indexable: bool | msgspec.UnsetType = msgspec.UNSET
    credentials: list[CredentialPrivacyChange] = msgspec.field(default_factory=list)
