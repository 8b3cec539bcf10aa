"""P-256 (secp256r1) keys for ES256 JWTs: signing in the canonical low-S form, PEM storage, Multikey and JWK forms.

Specs: RFC 7518 §3.4 (ES256: ECDSA P-256 SHA-256, the signature R || S, 32 bytes each), RFC 7517/7518 §6.2 (EC
JWK), Controller Documents 1.0 §2.2.2 Multikey (https://www.w3.org/TR/controller-document/#multikey: P-256 public
keys are multicodec 0x1200 followed by the 33-byte compressed point, ``zDn...``).
"""

from __future__ import annotations

from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from verify_api.errors import ProofError, SigningKeyError
from verify_api.proofs.jws_ecdsa import P256_ORDER
from verify_api.proofs.keys import ED25519_PUB_HEADER, decode_multikey, public_jwk
from verify_api.proofs.multibase import decode_multibase_base58btc, encode_base64url, encode_multibase_base58btc

P256_PUB_HEADER = b"\x80\x24"  # multicodec 0x1200 (p256-pub) as an unsigned varint
_COORDINATE_BYTES = 32


class P256Signer:
    """A P-256 private key that signs ES256. Its repr shows only the public key."""

    __slots__ = ("_private_key", "public_key_multibase", "public_numbers")

    alg = "ES256"

    def __init__(self, private_key: ec.EllipticCurvePrivateKey) -> None:
        if not isinstance(private_key.curve, ec.SECP256R1):
            raise SigningKeyError(f"expected a P-256 key, found curve {private_key.curve.name}")
        self._private_key = private_key
        public = private_key.public_key()
        self.public_numbers = public.public_numbers()
        compressed = public.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
        self.public_key_multibase: str = encode_multibase_base58btc(P256_PUB_HEADER + compressed)

    def sign(self, data: bytes) -> bytes:
        """ES256 over `data`: R || S (RFC 7518 §3.4) with S in its low form (S <= n/2), the only form
        `proofs.jws.verify_jws` accepts (OpenSSL leaves S high about half the time; n - S is equally valid)."""
        r, s = decode_dss_signature(self._private_key.sign(data, ec.ECDSA(hashes.SHA256())))
        if s > P256_ORDER // 2:
            s = P256_ORDER - s
        return r.to_bytes(_COORDINATE_BYTES, "big") + s.to_bytes(_COORDINATE_BYTES, "big")

    def public_jwk(self, kid: str) -> dict[str, str]:
        return _ec_jwk(self.public_numbers, kid)

    def private_key_pem(self, passphrase: bytes | None) -> bytes:
        """PKCS#8 PEM, encrypted with the best available scheme when a passphrase is given."""
        encryption: serialization.KeySerializationEncryption = (
            serialization.BestAvailableEncryption(passphrase) if passphrase else serialization.NoEncryption()
        )
        return self._private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, encryption
        )

    def __repr__(self) -> str:
        return f"P256Signer(public_key_multibase={self.public_key_multibase!r})"

    __str__ = __repr__


def generate_p256_signer() -> P256Signer:
    return P256Signer(ec.generate_private_key(ec.SECP256R1()))


def load_p256_signer(pem: bytes, passphrase: bytes | None, *, source: str) -> P256Signer:
    """Load a P-256 PKCS#8 PEM; any problem is a `SigningKeyError` naming `source`, never the key material."""
    try:
        key = serialization.load_pem_private_key(pem, password=passphrase)
    except (ValueError, TypeError) as exc:
        raise SigningKeyError(
            f"{source}: not a readable P-256 PKCS#8 PEM (wrong passphrase, or the key is corrupt)", source=source
        ) from exc
    if not isinstance(key, ec.EllipticCurvePrivateKey) or not isinstance(key.curve, ec.SECP256R1):
        raise SigningKeyError(f"{source}: expected a P-256 private key", source=source)
    return P256Signer(key)


def is_p256_multikey(value: str) -> bool:
    """Whether a Multikey ``publicKeyMultibase`` is a P-256 key (``zDn...``), without raising on anything else."""
    try:
        return decode_multibase_base58btc(value)[:2] == P256_PUB_HEADER
    except ProofError:
        return False


def jwk_for_multikey(value: str, kid: str) -> dict[str, str]:
    """The public JWK of an Ed25519 (RFC 8037 OKP) or P-256 (RFC 7518 §6.2 EC) Multikey, with `kid`."""
    data = decode_multibase_base58btc(value)
    if data[:2] == ED25519_PUB_HEADER:
        return public_jwk(decode_multikey(value), kid)
    if data[:2] != P256_PUB_HEADER:
        raise ProofError(f"Multikey {value[:12]}... is neither an Ed25519 nor a P-256 public key")
    try:
        point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data[2:])
    except ValueError:
        raise ProofError("the Multikey does not hold a valid P-256 point") from None
    return _ec_jwk(point.public_numbers(), kid)


def _ec_jwk(numbers: ec.EllipticCurvePublicNumbers, kid: str) -> dict[str, str]:
    return {
        "kty": "EC",
        "crv": "P-256",
        "x": encode_base64url(numbers.x.to_bytes(_COORDINATE_BYTES, "big")),
        "y": encode_base64url(numbers.y.to_bytes(_COORDINATE_BYTES, "big")),
        "kid": kid,
    }
