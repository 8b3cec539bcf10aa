"""Publishing Bitstring Status List credentials, signed, at a public URL.

A list is rebuilt from the credentials table (or, for `?timestamp=`, from the event history) and cached in
process by (id, version[, time]). The version is bumped in the same transaction as every status change, and
each request reads it, so a reply is never stale once the API has answered a change.
"""

from __future__ import annotations

import asyncio
import hashlib
from collections import OrderedDict
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.db.lifecycle_repository import LifecycleRepository, StatusListVersion
from verify_api.domain.credential import VC_V2_CONTEXT, did_web_for, rfc3339, status_list_url
from verify_api.domain.status_list import encode_list, generate_bitstring
from verify_api.errors import InvalidInputError, NotFoundError
from verify_api.proofs.data_integrity import add_proof
from verify_api.services.context import usable_signing_key

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.services.context import IssuerKey
    from verify_api.settings import Settings


class StatusListNotFoundError(NotFoundError):
    """No status list has that id."""


@dataclass(frozen=True)
class PublishedList:
    body: bytes
    etag: str
    last_modified: datetime
    historical: bool


class StatusListCache:
    def __init__(self, capacity: int = 256) -> None:
        self._capacity = capacity
        self._entries: OrderedDict[tuple[str, int, str, str], PublishedList] = OrderedDict()

    def get(self, key: tuple[str, int, str, str]) -> PublishedList | None:
        found = self._entries.get(key)
        if found is not None:
            self._entries.move_to_end(key)
        return found

    def put(self, key: tuple[str, int, str, str], value: PublishedList) -> None:
        self._entries[key] = value
        if len(self._entries) > self._capacity:
            self._entries.popitem(last=False)


def build_status_list_credential(
    status_list: StatusListVersion, set_indexes: list[int], *, base_url: str, valid_from: datetime
) -> dict[str, Any]:
    """A BitstringStatusListCredential (Bitstring Status List v1.0, section 2.2)."""
    url = status_list_url(base_url, status_list.id)
    return {
        "@context": [VC_V2_CONTEXT],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": did_web_for(base_url),
        "validFrom": rfc3339(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": status_list.purpose,
            "encodedList": encode_list(generate_bitstring(status_list.size, set_indexes)),
        },
    }


def sign_status_list_sync(
    status_list: StatusListVersion, set_indexes: list[int], *, key: IssuerKey, settings: Settings, at: datetime
) -> bytes:
    document = build_status_list_credential(status_list, set_indexes, base_url=settings.base_url, valid_from=at)
    secured = add_proof(
        document,
        key.signer,
        cryptosuite=settings.default_cryptosuite,
        verification_method=key.verification_method,
        created=rfc3339(at),
    )
    return msgspec.json.encode(secured)


async def published_status_list(
    conn: Connection,
    list_id: str,
    *,
    key: IssuerKey,
    settings: Settings,
    cache: StatusListCache,
    now: datetime,
    at: datetime | None = None,
) -> PublishedList:
    repo = LifecycleRepository(conn)
    status_list = await repo.get_status_list(list_id) if len(list_id) <= 40 else None
    if status_list is None:
        raise StatusListNotFoundError(f"no status list has id {list_id!r}")
    if at is not None and at > now:
        raise InvalidInputError("timestamp is in the future; a status list can only be shown as it was")
    # The signed moment is the list's last change (or the asked-for time), so every process builds identical bytes.
    moment = status_list.updated_at if at is None else at
    # Never serve (or sign) a list with a key the register has retired or declared compromised; the key is part of
    # the cache key, so a list cached under a key that is no longer usable is never served again.
    key = await usable_signing_key(conn, key)
    cache_key = (list_id, status_list.version, "" if at is None else rfc3339(at), key.verification_method)
    found = cache.get(cache_key)
    if found is not None:
        return found
    indexes = await repo.set_indexes(status_list, at)
    body = await asyncio.to_thread(sign_status_list_sync, status_list, indexes, key=key, settings=settings, at=moment)
    etag = '"' + hashlib.sha256(body).hexdigest()[:32] + '"'
    published = PublishedList(body=body, etag=etag, last_modified=moment, historical=at is not None)
    cache.put(cache_key, published)
    return published
