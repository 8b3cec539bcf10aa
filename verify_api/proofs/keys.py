"""Ed25519 keys: signing, PEM storage, Multikey, did:key and JWK forms.

Specs: RFC 8032 (Ed25519, pure mode), Controller Documents 1.0 §2.2.2 Multikey
(https://www.w3.org/TR/controller-document/#multikey), the did:key method
(https://w3c-ccg.github.io/did-key-spec/) and RFC 8037 (OKP JWK).
This is the only module, with its siblings in `proofs/`, allowed to import `cryptography.hazmat`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptography.exceptions import InvalidSignature, UnsupportedAlgorithm
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import dsa, ec, ed448, ed25519, rsa, x448, x25519

from verify_api.errors import ProofError, SigningKeyError
from verify_api.proofs.multibase import (
    decode_base64url,
    decode_multibase_base58btc,
    encode_base64url,
    encode_multibase_base58btc,
)

if TYPE_CHECKING:
    from collections.abc import Mapping

ED25519_PUB_HEADER = b"\xed\x01"  # multicodec 0xed (ed25519-pub) as an unsigned varint
ED25519_PRIV_HEADER = b"\x80\x26"  # multicodec 0x1300 (ed25519-priv) as an unsigned varint
DID_KEY_PREFIX = "did:key:"
P256_PUB_HEADER = b"\x80\x24"  # multicodec 0x1200 (p256-pub, compressed point) as an unsigned varint
P384_PUB_HEADER = b"\x81\x24"  # multicodec 0x1201 (p384-pub, compressed point) as an unsigned varint
# Public keys other issuers sign with, by multicodec header: the raw key lengths tell them apart.
_PUBLIC_KEY_LENGTHS = {ED25519_PUB_HEADER: 32, P256_PUB_HEADER: 33, P384_PUB_HEADER: 49}

_KEY_LENGTH = 32
_SIGNATURE_LENGTH = 64


class Signer:
    """An Ed25519 private key that can sign. Its repr and str show only the public key."""

    __slots__ = ("_private_key", "public_key", "public_key_multibase")

    def __init__(self, private_key: ed25519.Ed25519PrivateKey) -> None:
        self._private_key = private_key
        self.public_key: bytes = private_key.public_key().public_bytes_raw()
        self.public_key_multibase: str = encode_multikey(self.public_key)

    def sign(self, data: bytes) -> bytes:
        """Sign `data` with pure Ed25519 (RFC 8032 §5.1.6); the result is 64 bytes."""
        return self._private_key.sign(data)

    def __repr__(self) -> str:
        return f"Signer(public_key_multibase={self.public_key_multibase!r})"

    __str__ = __repr__


def generate_signer() -> Signer:
    """Create a Signer with a fresh random key."""
    return Signer(ed25519.Ed25519PrivateKey.generate())


def signer_from_seed(seed32: bytes) -> Signer:
    """Create a Signer from a 32-byte RFC 8032 secret key (the seed), as test vectors publish it."""
    if len(seed32) != _KEY_LENGTH:
        raise SigningKeyError(f"an Ed25519 seed must be {_KEY_LENGTH} bytes, got {len(seed32)}")
    return Signer(ed25519.Ed25519PrivateKey.from_private_bytes(seed32))


def private_key_pem(signer: Signer, passphrase: bytes | None) -> bytes:
    """Serialise the key as PKCS#8 PEM; encrypted with BestAvailableEncryption when `passphrase` is given."""
    encryption: serialization.KeySerializationEncryption
    if passphrase is None:
        encryption = serialization.NoEncryption()
    elif not passphrase:
        raise SigningKeyError("the passphrase must not be empty; pass None for an unencrypted key")
    else:
        encryption = serialization.BestAvailableEncryption(passphrase)
    return signer._private_key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption)


def load_signer(pem: bytes, passphrase: bytes | None, *, source: str) -> Signer:
    """Load an Ed25519 private key from PEM; `source` (e.g. a file path) names it in error messages.

    Raises `SigningKeyError` when the data is not a PEM private key, is encrypted and no passphrase
    (or the wrong one) was given, a passphrase was given for an unencrypted key, or the key is not
    Ed25519. Messages never contain key material.
    """
    if b"-----BEGIN " not in pem:
        raise SigningKeyError(f"{source}: not a PEM file", source=source)
    if b"BEGIN OPENSSH PRIVATE KEY" in pem:
        raise SigningKeyError(
            f"{source}: OpenSSH key format is not supported; store the key as PKCS#8 PEM", source=source
        )
    if b"PRIVATE KEY" not in pem:
        raise SigningKeyError(f"{source}: the PEM does not contain a private key", source=source)
    encrypted = b"BEGIN ENCRYPTED PRIVATE KEY" in pem or b"Proc-Type: 4,ENCRYPTED" in pem
    if encrypted and passphrase is None:
        raise SigningKeyError(f"{source}: the key is encrypted and no passphrase was given", source=source)
    if not encrypted and passphrase is not None:
        raise SigningKeyError(f"{source}: a passphrase was given but the key is not encrypted", source=source)
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase)
    except UnsupportedAlgorithm as exc:
        raise SigningKeyError(f"{source}: unsupported key type or encryption", source=source) from exc
    except (ValueError, TypeError) as exc:
        reason = "wrong passphrase, or the key is corrupt" if encrypted else "the PEM private key is malformed"
        raise SigningKeyError(f"{source}: {reason}", source=source) from exc
    if not isinstance(key, ed25519.Ed25519PrivateKey):
        raise SigningKeyError(
            f"{source}: expected an Ed25519 private key, found {_describe_key_type(key)}", source=source
        )
    return Signer(key)


def _describe_key_type(key: object) -> str:
    if isinstance(key, rsa.RSAPrivateKey):
        return f"RSA ({key.key_size}-bit)"
    if isinstance(key, ec.EllipticCurvePrivateKey):
        return f"EC ({key.curve.name})"
    if isinstance(key, dsa.DSAPrivateKey):
        return "DSA"
    names = {ed448.Ed448PrivateKey: "Ed448", x25519.X25519PrivateKey: "X25519", x448.X448PrivateKey: "X448"}
    return next((name for cls, name in names.items() if isinstance(key, cls)), type(key).__name__)


def encode_multikey(raw: bytes) -> str:
    """Encode a raw Ed25519 public key as Multikey ``publicKeyMultibase`` (``z6Mk...``)."""
    _check_length(raw, "an Ed25519 public key")
    return encode_multibase_base58btc(ED25519_PUB_HEADER + raw)


def decode_multikey(value: str) -> bytes:
    """Decode a Multikey ``publicKeyMultibase`` (``z`` + base58btc(0xed 0x01 + 32 bytes)) to the raw key."""
    return _decode_multicodec(value, ED25519_PUB_HEADER, "Ed25519 public key")


def decode_public_multikey(value: str) -> bytes:
    """Decode a Multikey ``publicKeyMultibase`` of an Ed25519 (``z6Mk``), P-256 (``zDna``) or P-384 (``z82L``) key
    to its raw bytes: 32 bytes, or a 33/49-byte SEC 1 compressed point (Controller Documents 1.0 §2.2.2)."""
    data = decode_multibase_base58btc(value)
    length = _PUBLIC_KEY_LENGTHS.get(data[:2])
    if length is None:
        raise ProofError(
            f"Multikey is not an Ed25519, P-256 or P-384 public key: unknown multicodec header 0x{data[:2].hex()}"
        )
    if len(data) - 2 != length:
        raise ProofError(f"Multikey with header 0x{data[:2].hex()} must hold {length} key bytes, got {len(data) - 2}")
    return data[2:]


def decode_secret_multikey(value: str) -> bytes:
    """Decode a Multikey ``secretKeyMultibase`` (header 0x80 0x26, ed25519-priv) to the 32-byte seed."""
    return _decode_multicodec(value, ED25519_PRIV_HEADER, "Ed25519 secret key")


def _decode_multicodec(value: str, header: bytes, what: str) -> bytes:
    data = decode_multibase_base58btc(value)
    if data[:2] != header:
        found = data[:2].hex()
        raise ProofError(f"Multikey is not an {what}: expected multicodec header 0x{header.hex()}, found 0x{found}")
    raw = data[2:]
    _check_length(raw, f"an {what}")
    return raw


def _check_length(raw: bytes, what: str) -> None:
    if len(raw) != _KEY_LENGTH:
        raise ProofError(f"{what} must be {_KEY_LENGTH} bytes, got {len(raw)}")


def did_key_for(raw: bytes) -> str:
    """The did:key DID for a raw Ed25519 public key (``did:key:z6Mk...``)."""
    return DID_KEY_PREFIX + encode_multikey(raw)


def did_key_verification_method(raw: bytes) -> str:
    """The did:key verification method id for a raw key (``did:key:z6Mk...#z6Mk...``)."""
    multikey = encode_multikey(raw)
    return f"{DID_KEY_PREFIX}{multikey}#{multikey}"


def resolve_did_key(did_url: str) -> bytes:
    """Return the raw public key of a did:key DID or DID URL (``did:key:z6Mk...`` or ``...#z6Mk...``);
    P-256 and P-384 keys (``did:key:zDna...``, ``did:key:z82L...``) come back as compressed points.

    Usable as the `resolve_public_key` callback of `verify_proof`; it resolves nothing over a network.
    A fragment, if present, must equal the method-specific identifier (did:key spec §3.1.2).
    """
    if not did_url.startswith(DID_KEY_PREFIX):
        raise ProofError(f"cannot resolve verification method {did_url!r}: only did:key is resolvable offline")
    identifier, _, fragment = did_url.removeprefix(DID_KEY_PREFIX).partition("#")
    if fragment and fragment != identifier:
        raise ProofError(f"did:key verification method {did_url!r}: the fragment does not match the key")
    return decode_public_multikey(identifier)


def public_jwk(raw: bytes, kid: str) -> dict[str, str]:
    """The RFC 8037 OKP JWK of a raw Ed25519 public key."""
    _check_length(raw, "an Ed25519 public key")
    return {"kty": "OKP", "crv": "Ed25519", "x": encode_base64url(raw), "kid": kid}


def raw_from_jwk(jwk: Mapping[str, object]) -> bytes:
    """Return the raw key of an RFC 8037 Ed25519 public JWK; reject other key types, curves or lengths."""
    if jwk.get("kty") != "OKP":
        raise ProofError(f"JWK key type must be 'OKP', found {jwk.get('kty')!r}")
    if jwk.get("crv") != "Ed25519":
        raise ProofError(f"JWK curve must be 'Ed25519', found {jwk.get('crv')!r}")
    if "d" in jwk:
        raise ProofError("JWK contains private key material ('d'); a public key was expected")
    x = jwk.get("x")
    if not isinstance(x, str):
        raise ProofError("JWK has no 'x' member")
    raw = decode_base64url(x)
    _check_length(raw, "an Ed25519 public key")
    return raw


def verify_ed25519(public_key: bytes, signature: bytes, message: bytes) -> None:
    """Verify a pure Ed25519 signature (RFC 8032 §5.1.7); raise `ProofError` if it does not verify."""
    _check_length(public_key, "an Ed25519 public key")
    if len(signature) != _SIGNATURE_LENGTH:
        raise ProofError(f"an Ed25519 signature must be {_SIGNATURE_LENGTH} bytes, got {len(signature)}")
    try:
        key = ed25519.Ed25519PublicKey.from_public_bytes(public_key)
    except ValueError:
        raise ProofError("the public key is not a valid Ed25519 key") from None
    try:
        key.verify(signature, message)
    except InvalidSignature:
        raise ProofError("signature does not verify") from None


class WitnessedSigner(Signer):
    """A Signer that keeps the last message it signed and the signature it gave, so a caller that had a document
    signed can check that signature against a published public key without recomputing what was signed (the bulk
    signing pool's per-document check, services/signing_pool.py). It signs exactly as the Signer it wraps."""

    __slots__ = ("last_signed",)

    def __init__(self, signer: Signer) -> None:
        super().__init__(signer._private_key)
        self.last_signed: tuple[bytes, bytes] | None = None  # (message, signature)

    def sign(self, data: bytes) -> bytes:
        signature = super().sign(data)
        self.last_signed = (data, signature)
        return signature
