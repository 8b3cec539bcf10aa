"""ES384 and ES512 JWTs of did:key issuers and holders (P-384 `z82L...`, P-521 `z2J9...`) verify end to end: a
credential through POST /credentials/verify, and inside an EnvelopedVerifiablePresentation (VC Data Model 2.0
§4.13.2) signed ES512 by its holder through POST /presentations/verify. Signed with joserfc, an independent JOSE
implementation; the high-S twin of the same signature verifies too (both forms are accepted), a changed one does not.

Before: proofs.jws verified ES384/ES512 signatures, but a did:key P-384 key resolved to no JWK (it was read as an
Ed25519 key) and a P-521 one not at all, so such JWTs never verified.
"""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from joserfc import jws as joserfc_jws
from joserfc.jwk import ECKey

from verify_api.proofs.jws_ecdsa import ECDSA, with_low_s
from verify_api.proofs.multibase import decode_base64url, encode_base64url, encode_multibase_base58btc

if TYPE_CHECKING:
    from litestar import Litestar
    from litestar.testing import AsyncTestClient

    Client = AsyncTestClient[Litestar]

V2 = "https://www.w3.org/ns/credentials/v2"
# multicodec p384-pub (0x1201) and p521-pub (0x1202) as unsigned varints (did:key method, multicodec table).
HEADERS = {"P-384": b"\x81\x24", "P-521": b"\x82\x24"}
CURVE_OF = {"ES384": "P-384", "ES512": "P-521"}


def did_key_of(key: ECKey) -> str:
    public = key.as_dict(private=False)
    x, y = decode_base64url(str(public["x"])), decode_base64url(str(public["y"]))
    compressed = bytes([2 + (y[-1] & 1)]) + x
    return "did:key:" + encode_multibase_base58btc(HEADERS[str(public["crv"])] + compressed)


def signed(alg: str, key: ECKey, header: dict[str, Any], payload: dict[str, Any]) -> str:
    token = joserfc_jws.serialize_compact({"alg": alg, **header}, json.dumps(payload).encode(), key, algorithms=[alg])
    return with_low_s(token, alg)


def high_s(token: str, alg: str) -> str:
    header, payload, signature = token.split(".")
    size = ECDSA[alg].coordinate_bytes
    raw = decode_base64url(signature)
    s = ECDSA[alg].order - int.from_bytes(raw[size:], "big")
    return f"{header}.{payload}.{encode_base64url(raw[:size] + s.to_bytes(size, 'big'))}"


def credential_jwt(alg: str) -> str:
    key = ECKey.generate_key(CURVE_OF[alg])
    did = did_key_of(key)
    credential = {
        "@context": [V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": did,
        "validFrom": "2026-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:abcdefgh", "alumniOf": "The School of Examples"},
    }
    header = {"kid": f"{did}#{did.removeprefix('did:key:')}", "typ": "vc+jwt", "cty": "vc"}
    return signed(alg, key, header, credential)


def envelope(token: str, kind: str = "vc") -> dict[str, Any]:
    name = "EnvelopedVerifiableCredential" if kind == "vc" else "EnvelopedVerifiablePresentation"
    return {"@context": [V2], "type": name, "id": f"data:application/{kind}+jwt,{token}"}


@pytest.mark.parametrize("alg", ["ES384", "ES512"])
async def test_ecdsa_jwt_of_a_did_key_issuer_verifies_in_both_s_forms_and_not_once_changed(
    client: Client, alg: str
) -> None:
    token = credential_jwt(alg)
    for form in (token, high_s(token, alg)):
        good = await client.post("/credentials/verify", json={"verifiableCredential": envelope(form)})
        assert good.status_code == 200, good.text
        assert good.json()["verified"] is True
    header, payload, signature = token.split(".")
    raw = bytearray(decode_base64url(signature))
    raw[-1] ^= 1
    changed = f"{header}.{payload}.{encode_base64url(bytes(raw))}"
    bad = await client.post("/credentials/verify", json={"verifiableCredential": envelope(changed)})
    assert bad.status_code == 422, bad.text


async def test_es512_enveloped_presentation_of_an_es384_credential(client: Client) -> None:
    holder = ECKey.generate_key("P-521")
    did = did_key_of(holder)
    presentation = {
        "@context": [V2],
        "type": ["VerifiablePresentation"],
        "holder": did,
        "verifiableCredential": [envelope(credential_jwt("ES384"))],
        "nonce": "c-1",
        "aud": "employer.example",
    }
    header = {"kid": f"{did}#{did.removeprefix('did:key:')}", "typ": "vp+jwt", "cty": "vp"}
    token = signed("ES512", holder, header, presentation)
    body = {
        "verifiablePresentation": envelope(token, "vp"),
        "options": {"challenge": "c-1", "domain": "employer.example"},
    }
    response = await client.post("/presentations/verify", json=body)
    assert response.status_code == 200, response.text
    assert response.json()["verified"] is True
    wrong = {**body, "options": {"challenge": "c-2", "domain": "employer.example"}}
    assert (await client.post("/presentations/verify", json=wrong)).status_code == 422
