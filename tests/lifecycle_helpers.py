"""Helpers for the status-lifecycle tests: status-list decoding written from the spec, independent of the app."""

from __future__ import annotations

import base64
import gzip
from typing import Any

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]


def decode_status_list(encoded: str) -> bytes:
    """Bitstring Status List v1.0 section 3.3: multibase 'u' base64url (no padding) of a GZIP stream."""
    assert encoded.startswith("u")
    body = encoded[1:]
    return gzip.decompress(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))


def bit(bitstring: bytes, index: int) -> int:
    """Index 0 is the left-most bit of the first byte."""
    return (bitstring[index // 8] >> (7 - index % 8)) & 1


def status_entry(credential: dict[str, Any], purpose: str) -> dict[str, Any]:
    entries: list[dict[str, Any]] = credential["verifiableCredential"]["credentialStatus"]
    return next(e for e in entries if e["statusPurpose"] == purpose)


async def status_bit(client: Client, credential: dict[str, Any], purpose: str, **params: str) -> int:
    entry = status_entry(credential, purpose)
    path = entry["statusListCredential"].removeprefix(str(client.base_url))
    response = await client.get(path, params=params)
    assert response.status_code == 200, response.text
    listing = response.json()
    assert listing["credentialSubject"]["statusPurpose"] == purpose
    return bit(decode_status_list(listing["credentialSubject"]["encodedList"]), int(entry["statusListIndex"]))


async def transition(
    client: Client, headers: dict[str, str], credential_id: str, action: str, reason: str, **extra: Any
) -> Any:
    return await client.post(
        f"/v1/credentials/{credential_id}/{action}", json={"reason": reason, **extra}, headers=headers
    )
