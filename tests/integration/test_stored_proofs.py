"""Stored proofs are verified once, when written, and by `verify-api audit verify` on demand; never on a read."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import TYPE_CHECKING

import msgspec
import pytest

from tests.factories import make_aida
from verify_api.errors import SigningKeyError
from verify_api.proofs.keys import generate_signer
from verify_api.services.context import IssuerKey
from verify_api.services.stored_proofs import verify_before_storing, verify_stored_proofs

if TYPE_CHECKING:
    import asyncpg
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    from verify_api.settings import Settings


async def test_a_tampered_stored_document_is_found_by_the_audit_not_by_reads(
    client: AsyncTestClient[Litestar], admin_headers: dict[str, str], conn: asyncpg.Connection
) -> None:
    credential = await make_aida(client, admin_headers)
    other = await make_aida(client, admin_headers)
    assert (await verify_stored_proofs(conn)).problems == []
    document = credential["verifiableCredential"]
    document["validUntil"] = "2099-01-01T00:00:00Z"
    await conn.execute(
        "UPDATE credentials SET document = $1 WHERE id = $2", json.dumps(document).encode(), credential["id"]
    )
    # The read states the fact established at issuance; it does not verify the stored bytes again.
    body = (await client.get(f"/v1/credentials/{credential['id']}")).json()
    proof = next(c for c in body["checks"] if c["name"] == "proof")
    assert proof == {
        "name": "proof",
        "result": "passed",
        "detail": f"{credential['verifiableCredential']['proof']['cryptosuite']} signature verified at issuance with "
        f"the published key {credential['verifiableCredential']['proof']['verificationMethod']}",
    }
    report = await verify_stored_proofs(conn, batch=1)
    assert report.checked == 2
    assert len(report.problems) == 1
    assert report.problems[0].startswith(f"credential {credential['id']}: the signature does not verify")
    assert other["id"] not in report.problems[0]


async def test_a_document_that_does_not_verify_is_never_stored(settings: Settings) -> None:
    signer, impostor = generate_signer(), generate_signer()
    key = IssuerKey.for_settings(signer, settings)
    document = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}
    signed = msgspec.json.encode(
        key.sign_sync(document, cryptosuite="eddsa-jcs-2022", created=datetime(2026, 6, 1, tzinfo=UTC))
    )
    await verify_before_storing(
        signed, signing_key_id=key.verification_method, key_multibase=signer.public_key_multibase
    )
    with pytest.raises(SigningKeyError, match="does not verify"):
        await verify_before_storing(
            signed, signing_key_id=key.verification_method, key_multibase=impostor.public_key_multibase
        )
