"""Ed25519 keys: RFC 8032 known answers, PEM storage, Multikey, did:key and JWK."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519, rsa

from verify_api.errors import ProofError, SigningKeyError
from verify_api.proofs.keys import (
    decode_multikey,
    decode_secret_multikey,
    did_key_for,
    did_key_verification_method,
    encode_multikey,
    generate_signer,
    load_signer,
    private_key_pem,
    public_jwk,
    raw_from_jwk,
    resolve_did_key,
    signer_from_seed,
    verify_ed25519,
)
from verify_api.proofs.multibase import encode_multibase_base58btc

VECTORS = Path(__file__).parent.parent / "vectors"
RFC8032: list[dict[str, Any]] = json.loads((VECTORS / "ed25519/rfc8032-ed25519.json").read_text())["vectors"]
KEY_PAIR: dict[str, str] = json.loads((VECTORS / "eddsa/keyPair.json").read_text())
SEED = decode_secret_multikey(KEY_PAIR["privateKeyMultibase"])


@pytest.mark.parametrize("vector", RFC8032, ids=[v["name"] for v in RFC8032])
def test_signer_reproduces_rfc8032_signature(vector: dict[str, Any]) -> None:
    signer = signer_from_seed(bytes.fromhex(vector["secretKey"]))
    assert signer.public_key.hex() == vector["publicKey"]
    assert signer.sign(bytes.fromhex(vector["message"])).hex() == vector["signature"]


@pytest.mark.parametrize("vector", RFC8032, ids=[v["name"] for v in RFC8032])
def test_verify_ed25519_accepts_rfc8032_signature(vector: dict[str, Any]) -> None:
    verify_ed25519(
        bytes.fromhex(vector["publicKey"]),
        bytes.fromhex(vector["signature"]),
        bytes.fromhex(vector["message"]),
    )


@pytest.mark.parametrize("vector", RFC8032, ids=[v["name"] for v in RFC8032])
def test_verify_ed25519_rejects_altered_message(vector: dict[str, Any]) -> None:
    with pytest.raises(ProofError, match="signature does not verify"):
        verify_ed25519(
            bytes.fromhex(vector["publicKey"]),
            bytes.fromhex(vector["signature"]),
            bytes.fromhex(vector["message"]) + b"x",
        )


def test_verify_ed25519_rejects_short_signature() -> None:
    signer = generate_signer()
    with pytest.raises(ProofError, match="must be 64 bytes, got 63"):
        verify_ed25519(signer.public_key, signer.sign(b"m")[:63], b"m")


def test_verify_ed25519_rejects_short_public_key() -> None:
    with pytest.raises(ProofError, match="must be 32 bytes, got 31"):
        verify_ed25519(b"\x01" * 31, b"\x00" * 64, b"m")


def test_signer_repr_shows_public_key_only() -> None:
    signer = signer_from_seed(SEED)
    text = f"{signer!r} {signer!s}"
    assert KEY_PAIR["publicKeyMultibase"] in text
    assert SEED.hex() not in text
    assert encode_multibase_base58btc(SEED)[1:] not in text


def test_signer_from_seed_rejects_wrong_length() -> None:
    with pytest.raises(SigningKeyError, match="must be 32 bytes, got 31"):
        signer_from_seed(b"\x00" * 31)


def test_secret_multikey_derives_published_public_key() -> None:
    assert signer_from_seed(SEED).public_key_multibase == KEY_PAIR["publicKeyMultibase"]


def test_multikey_round_trips() -> None:
    raw = decode_multikey(KEY_PAIR["publicKeyMultibase"])
    assert len(raw) == 32
    assert encode_multikey(raw) == KEY_PAIR["publicKeyMultibase"]


def test_decode_multikey_rejects_secret_key_header() -> None:
    with pytest.raises(ProofError, match="expected multicodec header 0xed01, found 0x8026"):
        decode_multikey(KEY_PAIR["privateKeyMultibase"])


def test_decode_multikey_rejects_wrong_length() -> None:
    with pytest.raises(ProofError, match="must be 32 bytes, got 31"):
        decode_multikey(encode_multibase_base58btc(b"\xed\x01" + b"\x01" * 31))


def test_decode_multikey_rejects_non_base58btc() -> None:
    with pytest.raises(ProofError, match="prefix 'z'"):
        decode_multikey("u7QE")


def test_did_key_resolves_to_raw_key() -> None:
    signer = generate_signer()
    assert did_key_for(signer.public_key) == f"did:key:{signer.public_key_multibase}"
    assert resolve_did_key(did_key_for(signer.public_key)) == signer.public_key
    assert resolve_did_key(did_key_verification_method(signer.public_key)) == signer.public_key


def test_resolve_did_key_rejects_other_methods() -> None:
    with pytest.raises(ProofError, match="only did:key is resolvable offline"):
        resolve_did_key("did:web:example.com#key-1")


def test_resolve_did_key_rejects_mismatched_fragment() -> None:
    one, two = generate_signer().public_key_multibase, generate_signer().public_key_multibase
    with pytest.raises(ProofError, match="fragment does not match"):
        resolve_did_key(f"did:key:{one}#{two}")


def test_public_jwk_is_rfc8037_okp() -> None:
    # RFC 8037 Appendix A.2: the public key of the A.1 test key.
    raw = bytes.fromhex("d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a")
    jwk = public_jwk(raw, "key-1")
    assert jwk == {
        "kty": "OKP",
        "crv": "Ed25519",
        "x": "11qYAYKxCrfVS_7TyWQHOg7hcvPapiMlrwIaaPcHURo",
        "kid": "key-1",
    }
    assert raw_from_jwk(jwk) == raw


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kty": "EC"}, "key type must be 'OKP', found 'EC'"),
        ({"crv": "X25519"}, "curve must be 'Ed25519', found 'X25519'"),
        ({"x": "AAAA"}, "must be 32 bytes, got 3"),
        ({"x": None}, "no 'x' member"),
        ({"d": "AAAA"}, "private key material"),
    ],
)
def test_raw_from_jwk_rejects_bad_key(change: dict[str, Any], message: str) -> None:
    jwk: dict[str, Any] = {**public_jwk(generate_signer().public_key, "k"), **change}
    with pytest.raises(ProofError, match=message):
        raw_from_jwk(jwk)


def test_private_key_pem_round_trips_unencrypted() -> None:
    signer = generate_signer()
    pem = private_key_pem(signer, None)
    assert pem.startswith(b"-----BEGIN PRIVATE KEY")
    assert load_signer(pem, None, source="test.pem").public_key == signer.public_key


def test_private_key_pem_round_trips_encrypted() -> None:
    signer = generate_signer()
    pem = private_key_pem(signer, b"correct horse")
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY")
    assert load_signer(pem, b"correct horse", source="test.pem").public_key == signer.public_key


def test_private_key_pem_rejects_empty_passphrase() -> None:
    with pytest.raises(SigningKeyError, match="must not be empty"):
        private_key_pem(generate_signer(), b"")


def test_load_signer_rejects_wrong_passphrase() -> None:
    pem = private_key_pem(generate_signer(), b"right")
    with pytest.raises(SigningKeyError, match=r"^keys/issuer\.pem: wrong passphrase"):
        load_signer(pem, b"wrong", source="keys/issuer.pem")


def test_load_signer_rejects_missing_passphrase() -> None:
    pem = private_key_pem(generate_signer(), b"right")
    with pytest.raises(SigningKeyError, match="encrypted and no passphrase was given"):
        load_signer(pem, None, source="k.pem")


def test_load_signer_rejects_passphrase_for_unencrypted_key() -> None:
    pem = private_key_pem(generate_signer(), None)
    with pytest.raises(SigningKeyError, match="passphrase was given but the key is not encrypted"):
        load_signer(pem, b"secret", source="k.pem")


def test_load_signer_rejects_non_pem() -> None:
    with pytest.raises(SigningKeyError, match=r"k\.pem: not a PEM file"):
        load_signer(b"\x30\x2e\x02\x01", None, source="k.pem")


def test_load_signer_rejects_public_key_pem() -> None:
    pem = (
        ed25519.Ed25519PrivateKey.generate()
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    with pytest.raises(SigningKeyError, match="does not contain a private key"):
        load_signer(pem, None, source="k.pem")


def test_load_signer_rejects_garbled_pem() -> None:
    # Split so secret scanners do not mistake this deliberately broken PEM for a key.
    pem = b"-----BEGIN PRIVATE KEY" + b"-----\nAAAA\n-----END PRIVATE KEY" + b"-----\n"
    with pytest.raises(SigningKeyError, match="malformed"):
        load_signer(pem, None, source="k.pem")


@pytest.mark.parametrize(
    ("key", "found"),
    [
        (rsa.generate_private_key(public_exponent=65537, key_size=2048), r"RSA \(2048-bit\)"),
        (ec.generate_private_key(ec.SECP256R1()), r"EC \(secp256r1\)"),
        (ed448.Ed448PrivateKey.generate(), "Ed448"),
    ],
    ids=["rsa", "ec", "ed448"],
)
def test_load_signer_names_the_wrong_key_type(
    key: rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey | ed448.Ed448PrivateKey, found: str
) -> None:
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    with pytest.raises(SigningKeyError, match=f"expected an Ed25519 private key, found {found}"):
        load_signer(pem, None, source="k.pem")


def test_load_signer_error_never_contains_key_material() -> None:
    signer = generate_signer()
    pem = private_key_pem(signer, b"right")
    with pytest.raises(SigningKeyError, match="wrong passphrase") as caught:
        load_signer(pem, b"wrong", source="k.pem")
    body = b"".join(pem.splitlines()[1:-1]).decode()
    assert body[:16] not in str(caught.value)
    assert "right" not in str(caught.value)
