"""ECDSA in JWS (RFC 7518 §3.4): ES256, ES384 and ES512, the R || S signature form, and the canonical low-S form.

The orders of the groups are SEC 2 v2 §2.4.2, §2.5.1 and §2.6.1.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from verify_api.errors import ProofError
from verify_api.proofs.multibase import decode_base64url, encode_base64url

if TYPE_CHECKING:
    from collections.abc import Mapping

# The orders n of the P-256, P-384 and P-521 groups (SEC 2 v2 §2.4.2, §2.5.1, §2.6.1). For a valid ECDSA signature
# (r, s), (r, n - s) is valid too.
P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
P384_ORDER = int("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFC7634D81F4372DDF581A0DB248B0A77AECEC196ACCC52973", 16)
P521_ORDER = int(
    "1FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFA51868783BF2F966B7FCC0148F709A5D03BB5C9B8899C47A"
    "EBB6FB71E91386409",
    16,
)


@dataclass(frozen=True)
class EcdsaAlgorithm:
    """An ECDSA JWS algorithm (RFC 7518 §3.4): its curve, hash, the byte length of R and of S, the group order."""

    curve: ec.EllipticCurve
    hash: hashes.HashAlgorithm
    coordinate_bytes: int
    order: int


ECDSA: dict[str, EcdsaAlgorithm] = {
    "ES256": EcdsaAlgorithm(ec.SECP256R1(), hashes.SHA256(), 32, P256_ORDER),
    "ES384": EcdsaAlgorithm(ec.SECP384R1(), hashes.SHA384(), 48, P384_ORDER),
    "ES512": EcdsaAlgorithm(ec.SECP521R1(), hashes.SHA512(), 66, P521_ORDER),
}


def verify_ecdsa(alg: str, signature: bytes, signing_input: bytes, jwk: Mapping[str, Any]) -> None:
    """ES256 / ES384 / ES512: the signature is R || S, each as long as a coordinate (32, 48, 66 bytes; RFC 7518
    §3.4), not DER, with R and S in 1 .. n - 1.

    ECDSA is malleable: whoever sees (R, S) can write (R, n - S), a different token that verifies as well. RFC 7518
    does not ask for the low form, and other issuers' signers (OpenSSL, so joserfc; the W3C suites' fixtures; RFC
    7515 A.3 itself) leave S high half the time, so both forms are accepted. That lets nobody pass off anything: the
    payload, which is all that was signed and all that is read, is the same, and nothing here is keyed by a JWT's
    bytes. A JWT the PAI issued is found in the register by its payload's status entry and compared by its decoded
    payload (services/verification.py `find_vc_api_register_entry`, verification/register.py `same_content`), so
    its high-S twin is the same register entry with the same status (tests/integration/test_high_s.py). The PAI's
    own signers still write the low form only (`with_low_s`, proofs/p256.py).
    """
    algorithm = ECDSA[alg]
    size = algorithm.coordinate_bytes
    if len(signature) != 2 * size:
        raise ProofError(f"an {alg} signature is {2 * size} bytes (R || S), got {len(signature)}")
    r, s = int.from_bytes(signature[:size], "big"), int.from_bytes(signature[size:], "big")
    if not (0 < r < algorithm.order and 0 < s < algorithm.order):
        raise ProofError(f"the {alg} signature's R or S is outside 1 .. n - 1")
    ec_key(jwk, algorithm).verify(encode_dss_signature(r, s), signing_input, ec.ECDSA(algorithm.hash))


def with_low_s_es256(token: str) -> str:
    """The same ES256 compact JWS with S in its canonical low form (S <= n/2), the one form the PAI's signers write.
    OpenSSL-based signers (joserfc among them) leave S high about half the time; S and n - S are both valid ECDSA
    signatures of the same message, so this changes no meaning."""
    return with_low_s(token, "ES256")


def with_low_s(token: str, alg: str) -> str:
    """`with_low_s_es256` for any of the ECDSA algs (ES256, ES384, ES512)."""
    header, payload, signature = token.split(".")
    algorithm = ECDSA[alg]
    size = algorithm.coordinate_bytes
    raw = decode_base64url(signature)
    s = int.from_bytes(raw[size:], "big")
    if s > algorithm.order // 2:
        raw = raw[:size] + (algorithm.order - s).to_bytes(size, "big")
    return f"{header}.{payload}.{encode_base64url(raw)}"


def ec_key(jwk: Mapping[str, Any], algorithm: EcdsaAlgorithm) -> ec.EllipticCurvePublicKey:
    x, y = jwk_member_bytes(jwk, "x"), jwk_member_bytes(jwk, "y")
    size = algorithm.coordinate_bytes
    if len(x) != size or len(y) != size:
        raise ProofError(f"a {jwk.get('crv')} JWK has {size}-byte x and y coordinates")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(algorithm.curve, b"\x04" + x + y)
    except ValueError:
        raise ProofError(f"the JWK is not a point on {jwk.get('crv')}") from None


def jwk_member_bytes(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise ProofError(f"the JWK has no {name!r} member")
    return decode_base64url(value)
