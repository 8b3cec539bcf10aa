"""Published W3C Bitstring Status Lists: signed, decodable per the spec, never stale, and available as of a time."""

from __future__ import annotations

import base64
import gzip
from typing import TYPE_CHECKING

from litestar import Litestar
from litestar.testing import AsyncTestClient

from tests.factories import make_aida
from tests.lifecycle_helpers import decode_status_list, status_bit, status_entry, transition
from verify_api.domain.status_list import bit_at, encode_list, expand_bitstring, generate_bitstring
from verify_api.proofs.data_integrity import verify_proof
from verify_api.proofs.keys import decode_multikey

if TYPE_CHECKING:
    import asyncpg

    from tests.conftest import FakeClock

Client = AsyncTestClient[Litestar]


async def test_revocation_flips_the_published_bit(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    assert await status_bit(client, credential, "revocation") == 0
    await transition(client, admin_headers, credential["id"], "revoke", "misconduct")
    assert await status_bit(client, credential, "revocation") == 1
    assert await status_bit(client, credential, "suspension") == 0


async def test_suspension_bit_flips_and_clears(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    await transition(client, admin_headers, credential["id"], "suspend", "holder_request")
    assert await status_bit(client, credential, "suspension") == 1
    await transition(client, admin_headers, credential["id"], "reinstate", "administrative")
    assert await status_bit(client, credential, "suspension") == 0


async def test_status_list_credential_is_signed_and_spec_shaped(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    entry = status_entry(credential, "revocation")
    response = await client.get(entry["statusListCredential"].removeprefix(str(client.base_url)))
    assert response.headers["content-type"].startswith("application/vc")
    listing = response.json()
    assert listing["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert listing["id"] == entry["statusListCredential"]
    subject = listing["credentialSubject"]
    assert subject["type"] == "BitstringStatusList"
    assert len(decode_status_list(subject["encodedList"])) * 8 >= 131072
    did = (await client.get("/.well-known/did.json")).json()
    keys = {m["id"]: decode_multikey(m["publicKeyMultibase"]) for m in did["verificationMethod"]}
    proof = verify_proof(listing, lambda method: keys[method])
    assert proof.verification_method in keys


async def test_status_list_is_never_stale_and_revalidates(client: Client, admin_headers: dict[str, str]) -> None:
    credential = await make_aida(client, admin_headers)
    path = status_entry(credential, "revocation")["statusListCredential"].removeprefix(str(client.base_url))
    first = await client.get(path)
    assert first.headers["cache-control"] == "public, no-cache"
    etag = first.headers["etag"]
    assert (await client.get(path, headers={"If-None-Match": etag})).status_code == 304
    await transition(client, admin_headers, credential["id"], "revoke", "misconduct")
    second = await client.get(path, headers={"If-None-Match": etag})
    assert second.status_code == 200
    assert second.headers["etag"] != etag


async def test_status_list_as_it_was_at_a_timestamp(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    credential = await make_aida(client, admin_headers)
    before = clock.advance(hours=1)
    clock.advance(hours=1)
    await transition(client, admin_headers, credential["id"], "revoke", "misconduct")
    clock.advance(hours=1)
    stamp = before.strftime("%Y-%m-%dT%H:%M:%SZ")
    assert await status_bit(client, credential, "revocation", timestamp=stamp) == 0
    assert await status_bit(client, credential, "revocation") == 1
    path = status_entry(credential, "revocation")["statusListCredential"].removeprefix(str(client.base_url))
    assert (await client.get(path, params={"timestamp": "2100-01-01T00:00:00Z"})).status_code == 422
    assert (await client.get("/v1/status-lists/nosuchlist00")).status_code == 404


async def test_each_list_as_it_was_shows_only_its_own_purpose(
    client: Client, admin_headers: dict[str, str], clock: FakeClock
) -> None:
    suspended = await make_aida(client, admin_headers)
    revoked = await make_aida(client, admin_headers)
    before = clock.advance(hours=1).strftime("%Y-%m-%dT%H:%M:%SZ")
    clock.advance(hours=1)
    await transition(client, admin_headers, suspended["id"], "suspend", "holder_request")
    await transition(client, admin_headers, revoked["id"], "revoke", "misconduct")
    after = clock.advance(hours=1).strftime("%Y-%m-%dT%H:%M:%SZ")
    clock.advance(hours=1)
    for credential, purpose in ((suspended, "suspension"), (revoked, "revocation")):
        assert await status_bit(client, credential, purpose, timestamp=before) == 0
        assert await status_bit(client, credential, purpose, timestamp=after) == 1
    assert await status_bit(client, suspended, "revocation", timestamp=after) == 0
    assert await status_bit(client, revoked, "suspension", timestamp=after) == 0


async def test_indexes_are_random_not_in_issue_order(
    client: Client, admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    for n in range(8):
        await make_aida(client, admin_headers, displayName=f"Person {n}")
    rows = await conn.fetch("SELECT revocation_index, suspension_index FROM credentials ORDER BY issued_at, id")
    revocation = [r["revocation_index"] for r in rows]
    assert revocation != sorted(revocation)  # 1 chance in 40,320 of a false alarm
    assert len(set(revocation)) == 8
    assert max(revocation) > 1000


def test_bitstring_round_trips_and_index_zero_is_leftmost() -> None:
    bits = generate_bitstring(131072, [0, 9, 131071])
    assert bits[0] == 0x80
    assert bits[1] == 0x40
    assert bits[-1] == 0x01
    encoded = encode_list(bits)
    assert encoded.startswith("u")
    assert "=" not in encoded
    assert gzip.decompress(base64.urlsafe_b64decode(encoded[1:] + "=" * (-len(encoded[1:]) % 4))) == bits
    expanded = expand_bitstring(encoded)
    assert [bit_at(expanded, i) for i in (0, 1, 9, 131071)] == [True, False, True, True]
