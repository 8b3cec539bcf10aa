"""The issued document is a well-formed OB 3.0 / VC 2.0 credential whose proof an outsider can check.

The recomputation here deliberately avoids verify_api.proofs: it canonicalises with pyld (URDNA2015) or rfc8785,
hashes with hashlib and verifies with `cryptography`, taking the key from /.well-known/did.json.
"""

from __future__ import annotations

import copy
import hashlib
from typing import Any

import pytest
import rfc8785
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
from litestar import Litestar
from litestar.testing import AsyncTestClient
from pyld import jsonld

from tests.factories import make_exam, make_holder
from verify_api.proofs.document_loader import document_loader

Client = AsyncTestClient[Litestar]
B58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"


def b58decode(text: str) -> bytes:
    value = 0
    for char in text:
        value = value * 58 + B58.index(char)
    raw = value.to_bytes((value.bit_length() + 7) // 8, "big")
    return b"\0" * (len(text) - len(text.lstrip("1"))) + raw


def rdfc(document: dict[str, Any]) -> bytes:
    options = {"algorithm": "URDNA2015", "format": "application/n-quads", "documentLoader": document_loader}
    result: str = jsonld.normalize(document, options)
    return result.encode()


def independent_verify(secured: dict[str, Any], did_document: dict[str, Any]) -> bool:
    document = copy.deepcopy(secured)
    proof = document.pop("proof")
    proof_value = proof.pop("proofValue")
    method = next(m for m in did_document["verificationMethod"] if m["id"] == proof["verificationMethod"])
    multikey = b58decode(method["publicKeyMultibase"][1:])
    assert multikey[:2] == b"\xed\x01"
    proof_config = {**proof, "@context": document["@context"]}
    if proof["cryptosuite"] == "eddsa-rdfc-2022":
        hash_data = hashlib.sha256(rdfc(proof_config)).digest() + hashlib.sha256(rdfc(document)).digest()
    else:
        hash_data = (
            hashlib.sha256(rfc8785.dumps(proof_config)).digest() + hashlib.sha256(rfc8785.dumps(document)).digest()
        )
    try:
        Ed25519PublicKey.from_public_bytes(multikey[2:]).verify(b58decode(proof_value[1:]), hash_data)
    except Exception:  # noqa: BLE001 - any failure to verify is the answer
        return False
    return True


@pytest.mark.parametrize("cryptosuite", ["eddsa-rdfc-2022", "eddsa-jcs-2022"])
async def test_issued_credential_verifies_by_independent_recomputation(
    client: Client, admin_headers: dict[str, str], cryptosuite: str
) -> None:
    holder = await make_holder(client, admin_headers)
    await make_exam(client, admin_headers, holder["id"])
    issued = (
        await client.post(
            "/v1/credentials",
            json={"tier": "AIDA", "holderId": holder["id"], "cryptosuite": cryptosuite},
            headers=admin_headers,
        )
    ).json()
    secured = (await client.get(f"/v1/credentials/{issued['id']}/vc")).json()
    did_document = (await client.get("/.well-known/did.json")).json()
    assert secured["proof"]["cryptosuite"] == cryptosuite
    assert independent_verify(secured, did_document)
    tampered = copy.deepcopy(secured)
    tampered["credentialSubject"]["identifier"][0]["identityHash"] = "Mallory"
    assert not independent_verify(tampered, did_document)


async def test_issued_document_is_an_open_badge_3(client: Client, admin_headers: dict[str, str]) -> None:
    holder = await make_holder(client, admin_headers, displayName="Katherine Johnson")
    await make_exam(client, admin_headers, holder["id"])
    issued = (
        await client.post("/v1/credentials", json={"tier": "AIDA", "holderId": holder["id"]}, headers=admin_headers)
    ).json()
    vc = issued["verifiableCredential"]
    assert vc["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert vc["type"] == ["VerifiableCredential", "OpenBadgeCredential"]
    assert vc["id"] == issued["url"]
    assert vc["issuer"]["id"] == "did:web:verify.test.example"
    assert vc["issuer"]["type"] == ["Profile"]
    subject = vc["credentialSubject"]
    assert subject["type"] == ["AchievementSubject"]
    assert subject["identifier"][0] == {
        "type": "IdentityObject",
        "identityHash": "Katherine Johnson",
        "identityType": "name",
        "hashed": False,
    }
    achievement = subject["achievement"]
    assert achievement["achievementType"] == "Certification"
    assert achievement["criteria"]["narrative"]
    assert achievement["alignment"][0]["targetName"] == "Production Safety Framework v1.0"
    purposes = sorted(s["statusPurpose"] for s in vc["credentialStatus"])
    assert purposes == ["revocation", "suspension"]
    for entry in vc["credentialStatus"]:
        assert entry["type"] == "BitstringStatusListEntry"
        assert 0 <= int(entry["statusListIndex"]) < 131072
        assert entry["id"] == f"{entry['statusListCredential']}#{entry['statusListIndex']}"
    proof = vc["proof"]
    assert proof["type"] == "DataIntegrityProof"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["verificationMethod"].startswith("did:web:verify.test.example#z6Mk")
    # Every property survives JSON-LD expansion, so RDF canonicalisation signs all of it.
    expanded = jsonld.expand(vc, {"documentLoader": document_loader})
    assert "Katherine Johnson" in str(expanded)
