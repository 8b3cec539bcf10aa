"""Compact JWS (RFC 7515) signing and verification with the closed table of public-key algorithms we accept.

Specs: RFC 7515 (JWS) §5.1 "Message Signature or MAC Computation", §5.2 "Message Signature or MAC Validation",
§7.1 compact serialisation; RFC 7518 (JWA) §3.1 "alg" values; RFC 8037 (EdDSA with OKP keys). ECDSA's R || S form
and its low-S form are in `jws_ecdsa`; what a JWT securing a credential must say about itself is in `jose`.

Written on `cryptography` directly rather than joserfc: the accepted algorithms are a closed table of public-key
algorithms, each bound to exactly one key type, so `alg: none`, HMAC "signed" with a public key (algorithm
confusion) and mismatched key types are refused by construction before any key is touched. joserfc also caps
JOSE headers at 512 bytes, which rejects the OB 3.0 samples whose header embeds a 2048-bit RSA `jwk`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from verify_api.errors import MalformedJsonError, ProofError
from verify_api.proofs.jws_ecdsa import jwk_member_bytes, verify_ecdsa
from verify_api.proofs.keys import raw_from_jwk
from verify_api.proofs.multibase import decode_base64url, encode_base64url
from verify_api.strict_json import parse_strict_json

if TYPE_CHECKING:
    from collections.abc import Mapping

# alg -> the only JWK key type (and curve) it may be verified with.
ALGORITHMS: dict[str, tuple[str, str | None]] = {
    "EdDSA": ("OKP", "Ed25519"),
    "Ed25519": ("OKP", "Ed25519"),  # the fully specified name (draft-ietf-jose-fully-specified-algorithms)
    "ES256": ("EC", "P-256"),
    "ES384": ("EC", "P-384"),
    "ES512": ("EC", "P-521"),
    "RS256": ("RSA", None),
}
MAX_TOKEN_CHARS = 256 * 1024
MIN_RSA_BITS = 2048


@dataclass(frozen=True)
class CompactJws:
    """A parsed (not yet verified) compact JWS whose payload is a JSON object."""

    header: dict[str, Any]
    payload: dict[str, Any]
    signing_input: bytes
    signature: bytes

    @property
    def alg(self) -> str:
        return str(self.header["alg"])


def split_compact_jws(token: str) -> CompactJws:
    """Split and decode a compact JWS (RFC 7515 §7.1, §5.2 steps 1-3); neither header nor signature is checked.

    `verify_jws` checks the header (`check_header`) before it verifies anything.
    """
    token = token.strip()
    if len(token) > MAX_TOKEN_CHARS:
        raise ProofError(f"the JWT is longer than {MAX_TOKEN_CHARS} characters")
    parts = token.split(".")
    if len(parts) != 3:  # header.payload.signature
        raise ProofError(f"a compact JWS has 3 dot-separated parts, this has {len(parts)}")
    header = _decode_json_part(parts[0], "header")
    payload = _decode_json_part(parts[1], "payload")
    if not parts[2]:
        raise ProofError("the JWT has an empty signature")
    signature = _decode_part(parts[2], "signature")
    return CompactJws(header, payload, f"{parts[0]}.{parts[1]}".encode("ascii"), signature)


def check_header(header: Mapping[str, Any]) -> None:
    """RFC 7515 §5.2 steps 4-5 for the members this service relies on.

    Refuses what this service never accepts: `alg: none` and any algorithm outside `ALGORITHMS` (HMAC included),
    `crit` extensions (RFC 7515 §4.1.11: we understand none), unencoded payloads (RFC 7797 `b64: false`).
    """
    alg = header.get("alg")
    if alg is None:
        raise ProofError("the JWS header has no alg")
    if not isinstance(alg, str):
        raise ProofError("the JWS header alg must be a string")
    if alg.lower() == "none":
        raise ProofError("alg 'none' is refused: an unsigned JWT proves nothing")
    if alg.startswith("HS"):
        raise ProofError(
            f"alg {alg!r} is a shared-secret HMAC; credentials must be signed with a public-key algorithm "
            "(an HMAC keyed with a public key is an algorithm-confusion forgery)"
        )
    if alg not in ALGORITHMS:
        raise ProofError(f"unsupported alg {alg!r}; supported: {', '.join(ALGORITHMS)}")
    if "crit" in header:
        raise ProofError(f"the JWS header marks {header['crit']!r} as critical; no extensions are understood")
    if header.get("b64") is False:
        raise ProofError("unencoded JWS payloads (b64: false) are not accepted")


def verify_jws(jws: CompactJws, jwk: Mapping[str, Any]) -> None:
    """Verify the signature with a public JWK (RFC 7515 §5.2 step 8); raise `ProofError` if it does not hold.

    The JWK's key type must be the one the alg names (RFC 7518 §3.1, RFC 8037 §3.1): an RSA key never verifies
    an ES256 signature and an EC key never an EdDSA one, whatever the header says.
    """
    check_header(jws.header)
    kty, crv = ALGORITHMS[jws.alg]
    if jwk.get("kty") != kty or (crv is not None and jwk.get("crv") != crv):
        found = f"{jwk.get('kty')!r}" + (f"/{jwk.get('crv')!r}" if jwk.get("crv") else "")
        raise ProofError(f"alg {jws.alg} needs a {kty}{'/' + crv if crv else ''} key, but the key is {found}")
    if "d" in jwk or "p" in jwk:
        raise ProofError("the JWK contains private key material; a public key was expected")
    try:
        if kty == "OKP":
            ed25519.Ed25519PublicKey.from_public_bytes(raw_from_jwk(jwk)).verify(jws.signature, jws.signing_input)
        elif kty == "EC":
            verify_ecdsa(jws.alg, jws.signature, jws.signing_input, jwk)
        else:
            _rsa_key(jwk).verify(jws.signature, jws.signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise ProofError("the JWS signature does not verify") from None


class JwsSigner(Protocol):
    """What signs a JWS: raw signature bytes in the JWA form of its alg (EdDSA: 64 bytes; ES256: low-S R || S)."""

    def sign(self, data: bytes) -> bytes: ...


def sign_compact_jws(header: Mapping[str, Any], payload: Mapping[str, Any], signer: JwsSigner) -> str:
    """RFC 7515 §5.1 "Message Signature or MAC Computation" in the compact serialisation (§7.1): base64url of the
    UTF-8 JSON header and payload, the signature over `header.payload`. `header["alg"]` must be one of
    `ALGORITHMS` and name the algorithm `signer` signs with (the Ed25519 Signer: EdDSA; P256Signer: ES256)."""
    check_header(header)
    encoded = f"{encode_base64url(msgspec.json.encode(header))}.{encode_base64url(msgspec.json.encode(payload))}"
    return f"{encoded}.{encode_base64url(signer.sign(encoded.encode('ascii')))}"


def _rsa_key(jwk: Mapping[str, Any]) -> rsa.RSAPublicKey:
    n = int.from_bytes(jwk_member_bytes(jwk, "n"), "big")
    e = int.from_bytes(jwk_member_bytes(jwk, "e"), "big")
    if n.bit_length() < MIN_RSA_BITS:
        raise ProofError(f"the RSA key has {n.bit_length()} bits; at least {MIN_RSA_BITS} are required")
    try:
        return rsa.RSAPublicNumbers(e, n).public_key()
    except ValueError:
        raise ProofError("the RSA JWK is not a valid public key") from None


def _decode_part(part: str, what: str) -> bytes:
    try:
        return decode_base64url(part)
    except ProofError as exc:
        raise ProofError(f"the JWS {what} is not base64url: {exc.detail}") from exc


def _decode_json_part(part: str, what: str) -> dict[str, Any]:
    """RFC 7515 §5.2 steps 3 and 4 (header) / 7 (payload): UTF-8 JSON, and "the JOSE Header MUST NOT contain
    duplicate Header Parameter names"; the payload is held to the same strict reading (I-JSON, RFC 7493)."""
    raw = _decode_part(part, what)
    try:
        value = parse_strict_json(raw, what=f"the JWS {what}")
    except MalformedJsonError as exc:
        raise ProofError(exc.detail) from None
    if not isinstance(value, dict):
        raise ProofError(f"the JWS {what} must be a JSON object")
    return value
