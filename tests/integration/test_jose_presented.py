"""JOSE through the real app: JWTs typed as something other than a credential are refused on POST /v1/verify and
the VC API, while their honest twins verify; a high-S ES256 twin verifies as its low-S original does."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pytest
from joserfc import jws as joserfc_jws
from joserfc.jwk import ECKey

from tests.unit.test_jose import high_s, low_s
from verify_api.proofs.multibase import decode_base64url, encode_multibase_base58btc

if TYPE_CHECKING:
    from tests.factories import Client

JWT = {"Content-Type": "application/vc+jwt"}


def es256_credential(header: dict[str, Any] | None = None, **claims: Any) -> str:
    """A VC-JOSE credential signed by a fresh P-256 did:key, its signature in the canonical low-S form."""
    key = ECKey.generate_key("P-256")
    public = key.as_dict(private=False)
    x, y = decode_base64url(str(public["x"])), decode_base64url(str(public["y"]))
    did = "did:key:" + encode_multibase_base58btc(b"\x80\x24" + bytes([2 + (y[-1] & 1)]) + x)
    payload = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "issuer": did,
        "credentialSubject": {"id": "did:example:holder"},
        **claims,
    }
    protected = {"alg": "ES256", "typ": "vc+jwt", "kid": did, **(header or {})}
    token = joserfc_jws.serialize_compact(protected, json.dumps(payload).encode(), key, algorithms=["ES256"])
    return low_s(token)


async def verify(client: Client, token: str) -> dict[str, Any]:
    response = await client.post("/v1/verify", content=token.encode(), headers=JWT)
    assert response.status_code == 200, response.text
    report: dict[str, Any] = response.json()
    return report


def proof_check(report: dict[str, Any]) -> tuple[str, str]:
    check = next(c for c in report["checks"] if c["name"] in ("proof", "format") and c["result"] != "passed")
    return check["result"], check["detail"]


async def test_high_s_es256_twin_of_a_valid_credential_verifies_as_it(client: Client) -> None:
    """(R, n - S) is the same signature of the same payload (RFC 7518 §3.4 allows either form): the same report."""
    token = es256_credential()
    honest = await verify(client, token)
    assert next(c for c in honest["checks"] if c["name"] == "proof")["result"] == "passed", honest
    malleated = await verify(client, high_s(token))
    assert malleated["verdict"] == honest["verdict"]
    assert next(c for c in malleated["checks"] if c["name"] == "proof")["result"] == "passed", malleated


@pytest.mark.parametrize(
    ("header", "words"),
    [
        # A bare vp+jwt is read as a presentation (POST /v1/verify takes those), and its payload is not one.
        ({"typ": "vp+jwt"}, "the presentation's type must include 'VerifiablePresentation'"),
        ({"typ": "kb+jwt"}, "VC-JOSE-COSE §3.1 says vc+jwt"),
        ({"typ": "vc+jwt", "cty": "vp"}, "cty 'vp' is not 'vc'"),
    ],
)
async def test_jwt_typed_as_something_else_is_not_verified(client: Client, header: dict[str, str], words: str) -> None:
    report = await verify(client, es256_credential(header))
    assert report["verified"] is False
    assert words in report["summary"]


async def test_vc_jose_payload_with_a_vc_claim_is_not_verified(client: Client) -> None:
    report = await verify(client, es256_credential(vc={"type": ["VerifiableCredential"]}))
    assert report["verified"] is False
    assert "the JWT claim 'vc' must not be present" in report["summary"]


async def test_vc_api_refuses_mistyped_enveloped_credentials(client: Client) -> None:
    for token in (es256_credential({"typ": "vp+jwt"}), es256_credential({"typ": "kb+jwt"})):
        enveloped = {
            "@context": ["https://www.w3.org/ns/credentials/v2"],
            "type": ["EnvelopedVerifiableCredential"],
            "id": f"data:application/vc+jwt,{token}",
        }
        response = await client.post("/credentials/verify", json={"verifiableCredential": enveloped})
        assert response.status_code in (400, 422), response.text
        assert response.json()["verified"] is False
