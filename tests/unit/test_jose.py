"""proofs.jose: known answers for EdDSA (RFC 8037), ES256 (RFC 7515) and RS256 (the OB 3.0 baked JWT), and the
forgeries it must refuse."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
from pathlib import Path
from typing import Any

import pytest
from joserfc import jws as joserfc_jws
from joserfc.jwk import ECKey, OKPKey

from verify_api.badges.baking import unbake_badge
from verify_api.errors import ProofError
from verify_api.proofs.jose import check_typ_and_cty, jwk_for_did_key
from verify_api.proofs.jws import CompactJws, split_compact_jws, verify_jws
from verify_api.proofs.jws_ecdsa import P256_ORDER, with_low_s_es256
from verify_api.proofs.keys import generate_signer, public_jwk
from verify_api.proofs.multibase import decode_base64url, encode_base64url, encode_multibase_base58btc

VECTORS = Path(__file__).parent.parent / "vectors"
RFC = json.loads((VECTORS / "jose" / "rfc-jws-examples.json").read_text())


def b64(value: dict[str, Any] | bytes) -> str:
    data = value if isinstance(value, bytes) else json.dumps(value).encode()
    return encode_base64url(data)


def eddsa_vector() -> tuple[CompactJws, dict[str, Any]]:
    header, payload, signature = RFC["rfc8037-a4-eddsa"]["jws"].split(".")
    jws = CompactJws({"alg": "EdDSA"}, {}, f"{header}.{payload}".encode(), decode_base64url(signature))
    return jws, RFC["rfc8037-a4-eddsa"]["jwk"]


def ob3_rs256_token() -> str:
    return unbake_badge((VECTORS / "ob3" / "simple-jwt.png").read_bytes())


def test_verify_jws_rfc8037_eddsa_vector_verifies() -> None:
    jws, jwk = eddsa_vector()
    verify_jws(jws, jwk)


def low_s(token: str) -> str:
    """The same ES256 token with S in its canonical low form (OpenSSL, and so joserfc, leaves half of them high)."""
    return with_low_s_es256(token)


def high_s(token: str) -> str:
    header, payload, signature = low_s(token).split(".")
    raw = decode_base64url(signature)
    raw = raw[:32] + (P256_ORDER - int.from_bytes(raw[32:], "big")).to_bytes(32, "big")
    return f"{header}.{payload}.{encode_base64url(raw)}"


def test_verify_jws_rfc7515_es256_vector_is_high_s_and_verifies() -> None:
    """RFC 7515 A.3's signature happens to be high-S; RFC 7518 §3.4 does not ask for the low form, so it verifies."""
    jws = split_compact_jws(RFC["rfc7515-a3-es256"]["jws"])
    assert int.from_bytes(jws.signature[32:], "big") > P256_ORDER // 2
    verify_jws(jws, RFC["rfc7515-a3-es256"]["jwk"])


def test_verify_jws_rfc7515_es256_vector_low_s_twin_verifies() -> None:
    verify_jws(split_compact_jws(low_s(RFC["rfc7515-a3-es256"]["jws"])), RFC["rfc7515-a3-es256"]["jwk"])


def test_verify_jws_es256_accepts_both_spellings_of_a_valid_signature_and_neither_of_another_payload() -> None:
    key = ECKey.generate_key("P-256")
    for n in range(8):  # high and low S both occur among fresh signatures
        token = joserfc_jws.serialize_compact({"alg": "ES256"}, b'{"n": %d}' % n, key, algorithms=["ES256"])
        verify_jws(split_compact_jws(low_s(token)), key.as_dict(private=False))
        verify_jws(split_compact_jws(high_s(token)), key.as_dict(private=False))
        header, _, signature = high_s(token).split(".")
        with pytest.raises(ProofError, match="does not verify"):
            verify_jws(split_compact_jws(f"{header}.{b64({'n': 99})}.{signature}"), key.as_dict(private=False))


@pytest.mark.parametrize("s", [0, P256_ORDER])
def test_verify_jws_es256_refuses_out_of_range_s(s: int) -> None:
    header, payload, signature = low_s(RFC["rfc7515-a3-es256"]["jws"]).split(".")
    raw = decode_base64url(signature)[:32] + s.to_bytes(32, "big")
    with pytest.raises(ProofError, match=r"outside 1 \.\. n - 1"):
        verify_jws(split_compact_jws(f"{header}.{payload}.{encode_base64url(raw)}"), RFC["rfc7515-a3-es256"]["jwk"])


def test_verify_jws_ob3_rs256_baked_vector_verifies() -> None:
    jws = split_compact_jws(ob3_rs256_token())
    assert jws.alg == "RS256"
    verify_jws(jws, jws.header["jwk"])


def _tamper_payload(token: str) -> str:
    header, payload, signature = token.split(".")
    claims = json.loads(decode_base64url(payload))
    claims["iss"] = "https://attacker.example"
    return f"{header}.{b64(claims)}.{signature}"


def test_verify_jws_changed_claim_fails() -> None:
    es256 = split_compact_jws(_tamper_payload(low_s(RFC["rfc7515-a3-es256"]["jws"])))
    with pytest.raises(ProofError, match="does not verify"):
        verify_jws(es256, RFC["rfc7515-a3-es256"]["jwk"])
    rs256 = split_compact_jws(_tamper_payload(ob3_rs256_token()))
    with pytest.raises(ProofError, match="does not verify"):
        verify_jws(rs256, rs256.header["jwk"])


def test_verify_jws_changed_signature_byte_fails() -> None:
    jws, jwk = eddsa_vector()
    flipped = bytes([jws.signature[0] ^ 1]) + jws.signature[1:]
    with pytest.raises(ProofError, match="does not verify"):
        verify_jws(CompactJws(jws.header, jws.payload, jws.signing_input, flipped), jwk)


def test_verify_jws_wrong_key_fails() -> None:
    jws, _ = eddsa_vector()
    other = public_jwk(generate_signer().public_key, "other")
    with pytest.raises(ProofError, match="does not verify"):
        verify_jws(jws, other)


def test_verify_jws_alg_none_refused() -> None:
    token = f"{b64({'alg': 'none'})}.{b64({'iss': 'x'})}.{b64(b'sig')}"
    with pytest.raises(ProofError, match="alg 'none' is refused"):
        verify_jws(split_compact_jws(token), RFC["rfc7515-a3-es256"]["jwk"])


def test_verify_jws_hmac_keyed_with_public_key_refused() -> None:
    """Algorithm confusion: an HS256 "signature" whose secret is the issuer's public key, which anyone has."""
    public = RFC["rfc7515-a3-es256"]["jwk"]
    signing_input = f"{b64({'alg': 'HS256'})}.{b64({'iss': 'joe'})}"
    secret = json.dumps(public).encode()
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    with pytest.raises(ProofError, match="shared-secret HMAC"):
        verify_jws(split_compact_jws(f"{signing_input}.{b64(mac)}"), public)


@pytest.mark.parametrize(
    ("alg", "jwk_name", "expected"),
    [
        ("ES256", "rfc8037-a4-eddsa", "needs a EC/P-256 key"),
        ("EdDSA", "rfc7515-a3-es256", "needs a OKP/Ed25519 key"),
        ("RS256", "rfc7515-a3-es256", "needs a RSA key"),
    ],
)
def test_verify_jws_key_of_wrong_type_refused(alg: str, jwk_name: str, expected: str) -> None:
    token = f"{b64({'alg': alg})}.{b64({'iss': 'x'})}.{b64(bytes(64))}"
    with pytest.raises(ProofError, match=expected):
        verify_jws(split_compact_jws(token), RFC[jwk_name]["jwk"])


def test_verify_jws_critical_extension_refused() -> None:
    token = f"{b64({'alg': 'ES256', 'crit': ['exp'], 'exp': 1})}.{b64({'iss': 'x'})}.{b64(bytes(64))}"
    with pytest.raises(ProofError, match="critical"):
        verify_jws(split_compact_jws(token), RFC["rfc7515-a3-es256"]["jwk"])


def test_split_compact_jws_rejects_bad_base64url() -> None:
    with pytest.raises(ProofError, match="header is not base64url"):
        split_compact_jws("eyJhbGciOiJFUzI1NiJ9=.e30.AAAA")
    with pytest.raises(ProofError, match="3 dot-separated parts"):
        split_compact_jws("a.b")


def test_verify_jws_joserfc_es256_with_did_key_p256_verifies() -> None:
    """An independent implementation (joserfc) signs; the key travels as a P-256 did:key."""
    key = ECKey.generate_key("P-256")
    public = key.as_dict(private=False)
    x, y = decode_base64url(str(public["x"])), decode_base64url(str(public["y"]))
    compressed = bytes([2 + (y[-1] & 1)]) + x
    did = "did:key:" + encode_multibase_base58btc(b"\x80\x24" + compressed)
    resolved = jwk_for_did_key(f"{did}#{did.removeprefix('did:key:')}")
    assert (resolved["x"], resolved["y"]) == (public["x"], public["y"])
    token = joserfc_jws.serialize_compact({"alg": "ES256", "kid": did}, b'{"iss": "me"}', key, algorithms=["ES256"])
    verify_jws(split_compact_jws(low_s(token)), resolved)


def test_verify_jws_joserfc_ed25519_fully_specified_alg_verifies() -> None:
    key = OKPKey.generate_key("Ed25519")
    token = joserfc_jws.serialize_compact({"alg": "Ed25519"}, b'{"iss": "me"}', key, algorithms=["Ed25519"])
    verify_jws(split_compact_jws(token), key.as_dict(private=False))


def test_jwk_for_did_key_ed25519_matches_public_jwk() -> None:
    signer = generate_signer()
    did = f"did:key:{signer.public_key_multibase}"
    assert jwk_for_did_key(did)["x"] == base64.urlsafe_b64encode(signer.public_key).decode().rstrip("=")


CREDENTIAL_PAYLOAD = {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiableCredential"]}


@pytest.mark.parametrize(
    ("header", "payload"),
    [
        ({"alg": "EdDSA", "typ": "vc+jwt"}, CREDENTIAL_PAYLOAD),
        ({"alg": "EdDSA", "typ": "application/VC+JWT", "cty": "vc"}, CREDENTIAL_PAYLOAD),
        ({"alg": "EdDSA", "cty": "application/vc"}, CREDENTIAL_PAYLOAD),
        ({"alg": "EdDSA"}, CREDENTIAL_PAYLOAD),
        ({"alg": "RS256", "typ": "JWT"}, {"vc": CREDENTIAL_PAYLOAD}),  # Open Badges 3.0 / VC-JWT 1.1
        ({"alg": "RS256"}, {"vc": CREDENTIAL_PAYLOAD}),
    ],
)
def test_check_typ_and_cty_accepts_what_the_specs_define(header: dict[str, Any], payload: dict[str, Any]) -> None:
    check_typ_and_cty(header, payload, "vc")


@pytest.mark.parametrize(
    ("header", "payload", "words"),
    [
        ({"typ": "vp+jwt"}, CREDENTIAL_PAYLOAD, "does not mark a secured credential"),
        ({"typ": "kb+jwt"}, CREDENTIAL_PAYLOAD, "VC-JOSE-COSE §3.1 says vc+jwt"),
        ({"typ": "vc+sd-jwt"}, CREDENTIAL_PAYLOAD, "does not mark a secured credential"),
        ({"typ": "JWT"}, CREDENTIAL_PAYLOAD, "in a 'vc' claim"),
        ({"typ": "vc+jwt", "cty": "vp"}, CREDENTIAL_PAYLOAD, "cty 'vp' is not 'vc'"),
        ({"typ": "vc+jwt", "cty": "JWT"}, CREDENTIAL_PAYLOAD, "cty 'JWT'"),
        ({"typ": "vc+jwt"}, {"vc": CREDENTIAL_PAYLOAD}, "the JWT claim 'vc' must not be present"),
        ({"typ": "at+jwt"}, {"vc": CREDENTIAL_PAYLOAD}, "does not mark a VC-JWT 1.1"),
        ({"typ": "JWT", "cty": "vc"}, {"vc": CREDENTIAL_PAYLOAD}, "carries no content type"),
        ({"typ": 7}, CREDENTIAL_PAYLOAD, "typ must be a string"),
    ],
)
def test_check_typ_and_cty_refuses_other_kinds_of_jwt(
    header: dict[str, Any], payload: dict[str, Any], words: str
) -> None:
    with pytest.raises(ProofError, match=re.escape(words)):
        check_typ_and_cty(header, payload, "vc")


def test_check_typ_and_cty_for_presentations() -> None:
    check_typ_and_cty({"typ": "vp+jwt", "cty": "vp"}, {"type": ["VerifiablePresentation"]}, "vp")
    with pytest.raises(ProofError, match="does not mark a secured presentation"):
        check_typ_and_cty({"typ": "vc+jwt"}, {"type": ["VerifiablePresentation"]}, "vp")
