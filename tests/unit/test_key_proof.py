"""The OID4VCI `jwt` key proof (proofs/key_proof.py), Appendix F.1/F.4, and did:jwk, without a server."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from tests.wallet import WalletKey, b64url, compact_jws
from verify_api.errors import ProofError
from verify_api.proofs.key_proof import PROOF_TYP, check_jwt_key_proof, did_jwk_for, jwk_for_did_jwk

AUD = "https://verify.test.example"
NOW = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)


def proof(key: WalletKey, header: dict[str, object] | None = None, **claims: object) -> str:
    head = {"typ": PROOF_TYP, "alg": key.alg, **key.key_header(), **(header or {})}
    body = {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n-1", **claims}
    return compact_jws({k: v for k, v in head.items() if v is not None}, body, key.sign)


def check(token: str) -> str:
    return check_jwt_key_proof(token, audience=AUD, now=NOW, max_age_seconds=300).holder_did


def test_key_proof_binds_to_the_kid_s_did_key_or_the_jwk_s_did_jwk() -> None:
    ed, p256 = WalletKey("ed25519"), WalletKey("p256")
    assert check(proof(ed)) == ed.did
    bound = check(proof(p256))
    assert bound.startswith("did:jwk:")
    assert p256.is_bound_to(bound)
    assert jwk_for_did_jwk(bound + "#0") == {k: p256.public_jwk()[k] for k in ("crv", "kty", "x", "y")}
    # A did:jwk kid is read as well.
    assert check(proof(p256, {"kid": f"{bound}#0", "jwk": None})) == bound


@pytest.mark.parametrize(
    ("header", "claims", "match"),
    [
        ({"typ": "JWT"}, {}, "typ must be"),
        ({"alg": "RS256"}, {}, "alg must be one of"),
        ({"x5c": ["MIIB"]}, {}, "exactly one of kid or jwk"),
        ({}, {"aud": "https://elsewhere.example"}, "aud must be the Credential Issuer Identifier"),
        ({}, {"aud": None}, "no aud"),
        ({}, {"iat": None}, "no iat"),
        ({}, {"iat": int(NOW.timestamp()) + 120}, "in the future"),
        ({}, {"iat": int(NOW.timestamp()) - 301}, "more than 300 seconds old"),
        ({}, {"nonce": 7}, "nonce must be a string"),
    ],
)
def test_key_proof_refusals(header: dict[str, object], claims: dict[str, object], match: str) -> None:
    key = WalletKey("ed25519")
    head = {"typ": PROOF_TYP, "alg": key.alg, **key.key_header(), **header}
    body = {"aud": AUD, "iat": int(NOW.timestamp()), "nonce": "n-1", **claims}
    body = {k: v for k, v in body.items() if v is not None}
    with pytest.raises(ProofError, match=match):
        check(compact_jws(head, body, key.sign))


def test_key_proof_signed_by_another_key_than_it_names_is_refused() -> None:
    named, other = WalletKey("p256"), WalletKey("p256")
    token = compact_jws(
        {"typ": PROOF_TYP, "alg": "ES256", **named.key_header()}, {"aud": AUD, "iat": int(NOW.timestamp())}, other.sign
    )
    with pytest.raises(ProofError, match="does not verify"):
        check(token)


def test_a_private_key_in_the_header_is_refused() -> None:
    key = WalletKey("ed25519")
    jwk = {**key.public_jwk(), "d": b64url(b"\0" * 32)}
    with pytest.raises(ProofError, match="private key"):
        check(proof(key, {"kid": None, "jwk": jwk}))
    with pytest.raises(ProofError, match="private key"):
        jwk_for_did_jwk("did:jwk:" + b64url(json.dumps(jwk).encode()))


def test_did_jwk_holds_only_the_public_members_in_rfc_7638_order() -> None:
    jwk = {"x": "abc", "kty": "OKP", "crv": "Ed25519", "use": "sig"}
    assert did_jwk_for(jwk) == "did:jwk:" + b64url(b'{"crv":"Ed25519","kty":"OKP","x":"abc"}')
