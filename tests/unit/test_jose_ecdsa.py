"""proofs.jose verifies ES384 (P-384) and ES512 (P-521) as well as ES256, with the same low-S rule; and
`sign_compact_jws` output (EdDSA, ES256) verifies with joserfc, an independent implementation.

Before: ES384 and ES512 were "unsupported alg", so such credentials could not be verified.
"""

from __future__ import annotations

import pytest
from joserfc import jws as joserfc_jws
from joserfc.jwk import ECKey, OKPKey

from verify_api.errors import ProofError
from verify_api.proofs.jws import sign_compact_jws, split_compact_jws, verify_jws
from verify_api.proofs.jws_ecdsa import ECDSA, with_low_s
from verify_api.proofs.keys import generate_signer, public_jwk
from verify_api.proofs.multibase import decode_base64url, encode_base64url
from verify_api.proofs.p256 import generate_p256_signer

CURVES = {"ES256": "P-256", "ES384": "P-384", "ES512": "P-521"}


def high_s(token: str, alg: str) -> str:
    header, payload, signature = with_low_s(token, alg).split(".")
    algorithm = ECDSA[alg]
    size = algorithm.coordinate_bytes
    raw = decode_base64url(signature)
    raw = raw[:size] + (algorithm.order - int.from_bytes(raw[size:], "big")).to_bytes(size, "big")
    return f"{header}.{payload}.{encode_base64url(raw)}"


@pytest.mark.parametrize("alg", ["ES384", "ES512"])
def test_verify_jws_ecdsa_joserfc_signatures_verify_in_both_s_forms(alg: str) -> None:
    key = ECKey.generate_key(CURVES[alg])
    public = key.as_dict(private=False)
    for n in range(6):  # high and low S both occur among fresh signatures
        token = joserfc_jws.serialize_compact({"alg": alg}, b'{"n": %d}' % n, key, algorithms=[alg])
        verify_jws(split_compact_jws(with_low_s(token, alg)), public)
        verify_jws(split_compact_jws(high_s(token, alg)), public)  # RFC 7518 §3.4 allows either


@pytest.mark.parametrize("alg", ["ES384", "ES512"])
def test_verify_jws_ecdsa_tampered_payload_fails(alg: str) -> None:
    key = ECKey.generate_key(CURVES[alg])
    token = with_low_s(joserfc_jws.serialize_compact({"alg": alg}, b'{"a": 1}', key, algorithms=[alg]), alg)
    header, _, signature = token.split(".")
    other_payload = encode_base64url(b'{"a": 2}')
    forged = f"{header}.{other_payload}.{signature}"
    with pytest.raises(ProofError, match="does not verify"):
        verify_jws(split_compact_jws(forged), key.as_dict(private=False))


@pytest.mark.parametrize(("alg", "other"), [("ES384", "P-256"), ("ES512", "P-384"), ("ES256", "P-521")])
def test_verify_jws_ecdsa_refuses_a_key_of_another_curve(alg: str, other: str) -> None:
    key = ECKey.generate_key(CURVES[alg])
    token = with_low_s(joserfc_jws.serialize_compact({"alg": alg}, b"{}", key, algorithms=[alg]), alg)
    with pytest.raises(ProofError, match=f"needs a EC/{CURVES[alg]} key"):
        verify_jws(split_compact_jws(token), ECKey.generate_key(other).as_dict(private=False))


def test_sign_compact_jws_es256_is_low_s_and_verifies_with_joserfc() -> None:
    signer = generate_p256_signer()
    jwk = signer.public_jwk("k")
    for n in range(8):
        token = sign_compact_jws({"alg": "ES256", "typ": "vc+jwt"}, {"n": n}, signer)
        jws = split_compact_jws(token)
        assert int.from_bytes(jws.signature[32:], "big") <= ECDSA["ES256"].order // 2
        verify_jws(jws, jwk)
        decoded = joserfc_jws.deserialize_compact(
            token, ECKey.import_key(dict[str, str | list[str]](jwk)), algorithms=["ES256"]
        )
        assert decoded.payload == b'{"n":%d}' % n


@pytest.mark.filterwarnings("ignore:EdDSA is deprecated")  # joserfc prefers the fully specified name, Ed25519
def test_sign_compact_jws_eddsa_verifies_with_joserfc() -> None:
    signer = generate_signer()
    jwk = public_jwk(signer.public_key, "k")
    token = sign_compact_jws({"alg": "EdDSA"}, {"iss": "me"}, signer)
    verify_jws(split_compact_jws(token), jwk)
    decoded = joserfc_jws.deserialize_compact(
        token, OKPKey.import_key(dict[str, str | list[str]](jwk)), algorithms=["EdDSA"]
    )
    assert decoded.payload == b'{"iss":"me"}'


def test_sign_compact_jws_refuses_alg_none() -> None:
    with pytest.raises(ProofError, match="none"):
        sign_compact_jws({"alg": "none"}, {}, generate_signer())
