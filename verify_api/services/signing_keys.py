"""Publishing the issuer's keys: registering the active key, and the did:web document and JWK set."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from verify_api.db.service_origins import ServiceOrigins
from verify_api.db.signing_keys import SigningKeys
from verify_api.domain.credential import did_web_for
from verify_api.proofs.p256 import jwk_for_multikey


def validity_window(key: SigningKeyRecord) -> dict[str, str]:
    """When the key signed: from `created` until `retired` (absent while it is the active key). Credentials it
    signed in that window keep verifying after rotation; see services/key_rotation.py."""
    window = {"created": key.created_at.isoformat()}
    if key.retired_at is not None:
        window["retired"] = key.retired_at.isoformat()
    return window


if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.db.records import SigningKeyRecord
    from verify_api.services.context import IssuerKey

# The key windows (`created`, `retired`) are not terms of the DID or Multikey contexts, so a small inline context
# gives them IRIs: JSON-LD consumers keep them instead of dropping them.
KEY_WINDOW_CONTEXT = {
    "created": {"@id": "http://purl.org/dc/terms/created", "@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
    "retired": {
        "@id": "https://verify.productionai.institute/ns#retired",
        "@type": "http://www.w3.org/2001/XMLSchema#dateTime",
    },
}
DID_CONTEXTS: list[object] = [
    "https://www.w3.org/ns/did/v1",
    "https://w3id.org/security/multikey/v1",
    KEY_WINDOW_CONTEXT,
]


async def register_signing_key(conn: Connection, key: IssuerKey, *, now: datetime) -> None:
    """Publish the key under the current DID. After a change of PUBLIC_BASE_URL the key is known under the old DID
    too: it gets a second kid, sharing the first one's window (db/sql/signing_keys.sql `upsert`)."""
    await SigningKeys(conn).upsert(key.verification_method, key.signer.public_key_multibase, now)


async def register_origin(conn: Connection, base_url: str, *, now: datetime) -> None:
    """Remember that the service answers under `base_url`, so credentials minted under an earlier origin are still
    found in the register when presented (README "Changing PUBLIC_BASE_URL")."""
    await ServiceOrigins(conn).record(base_url, did_web_for(base_url), now)


async def did_document(conn: Connection, base_url: str) -> dict[str, Any]:
    """did:web DID document listing every key ever used, so old credentials keep verifying after rotation."""
    did = did_web_for(base_url)
    keys = await SigningKeys(conn).list_all()
    methods = [
        {"id": k.kid, "type": "Multikey", "controller": did, "publicKeyMultibase": k.public_key_multibase}
        | ({"revoked": k.compromised_since.isoformat()} if k.compromised_since else {})
        | validity_window(k)
        for k in keys
    ]
    ids = [m["id"] for m in methods]
    return {
        "@context": DID_CONTEXTS,
        "id": did,
        "verificationMethod": methods,
        "assertionMethod": ids,
        "authentication": ids,
    }


async def jwk_set(conn: Connection) -> dict[str, Any]:
    keys = await SigningKeys(conn).list_all()
    return {
        "keys": [
            jwk_for_multikey(k.public_key_multibase, k.kid)  # Ed25519 (OKP) or P-256 (EC, ES256)
            | validity_window(k)
            | ({"revoked": k.compromised_since.isoformat()} if k.compromised_since else {})
            for k in keys
        ]
    }
