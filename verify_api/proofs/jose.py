"""Compact JWS verification for VC-JOSE (`vc+jwt`) and the Open Badges 3.0 / VC-JWT 1.1 JWT forms.

Specs: RFC 7515 (JWS) §5.2 "Message Signature or MAC Validation", RFC 7518 (JWA) §3.1 "alg" values,
RFC 8037 (EdDSA with OKP keys), W3C "Securing Verifiable Credentials using JOSE and COSE" §3.1.1
(https://www.w3.org/TR/vc-jose-cose/#securing-with-jose), and Open Badges 3.0 §8.2
(https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof-format).

Written on `cryptography` directly rather than joserfc: the accepted algorithms are a closed table of three
public-key algorithms, each bound to exactly one key type, so `alg: none`, HMAC "signed" with a public key
(algorithm confusion) and mismatched key types are refused by construction before any key is touched. joserfc
also caps JOSE headers at 512 bytes, which rejects the OB 3.0 samples whose header embeds a 2048-bit RSA `jwk`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import msgspec
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from verify_api.errors import MalformedJsonError, ProofError
from verify_api.proofs.keys import DID_KEY_PREFIX, public_jwk, raw_from_jwk, resolve_did_key
from verify_api.proofs.multibase import decode_base64url, decode_multibase_base58btc, encode_base64url
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
_P256_PUB_HEADER = b"\x80\x24"  # multicodec 0x1200 (p256-pub) as an unsigned varint
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
# VC-JOSE-COSE §3.1.1 and §3.1.2 (https://www.w3.org/TR/vc-jose-cose/#securing-vcs-with-jose): a credential's `typ`
# SHOULD be vc+jwt and its `cty`, when present, vc; a presentation's vp+jwt and vp. The VC-JWT 1.1 / Open Badges 3.0
# form carries the credential in a `vc` claim, which VC-JOSE-COSE §3.1.3 forbids; its `typ` is JWT.
JOSE_TYP = {"vc": "vc+jwt", "vp": "vp+jwt"}
VC_JWT_11_TYP = "jwt"


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


def check_typ_and_cty(header: Mapping[str, Any], payload: Mapping[str, Any], kind: str = "vc") -> None:
    """The explicit typing of a JWT securing a credential (`kind` "vc") or presentation ("vp"); `ProofError` if
    the header says it is something else, so that no other kind of JWT signed by the same key is taken for one.

    VC-JOSE-COSE §3.1.1 / §3.1.2: `typ` vc+jwt (vp+jwt), `cty` when present vc (vp). VC-JWT 1.1 §6.3.1 and Open
    Badges 3.0 §8.2.3: the credential in the `vc` (`vp`) claim, `typ` JWT. RFC 7515 §4.1.9-10: media type names are
    case-insensitive and an "application/" prefix may be omitted. An absent `typ` is accepted (both say SHOULD).
    """
    typ, cty = _media_type(header, "typ"), _media_type(header, "cty")
    wanted, claim = JOSE_TYP[kind], kind
    if claim in payload:  # VC-JWT 1.1 / Open Badges 3.0
        if typ == wanted:
            raise ProofError(
                f"typ {header['typ']!r} is VC-JOSE-COSE, whose payload is the {kind.upper()} itself: "
                f"the JWT claim {claim!r} must not be present (VC-JOSE-COSE §3.1.3)"
            )
        if typ not in (None, VC_JWT_11_TYP):
            raise ProofError(f"typ {header['typ']!r} does not mark a VC-JWT 1.1 / Open Badges JWT (typ JWT)")
        if cty is not None:
            raise ProofError(f"cty {header['cty']!r}: a VC-JWT 1.1 / Open Badges JWT carries no content type")
        return
    if typ not in (None, wanted):
        raise ProofError(
            f"typ {header['typ']!r} does not mark a secured {'credential' if kind == 'vc' else 'presentation'}; "
            f"VC-JOSE-COSE §3.1 says {wanted}"
            + (f" (a typ JWT payload carries the credential in a {claim!r} claim)" if typ == VC_JWT_11_TYP else "")
        )
    if cty not in (None, kind):
        raise ProofError(f"cty {header['cty']!r} is not {kind!r} (VC-JOSE-COSE §3.1)")


def _media_type(header: Mapping[str, Any], name: str) -> str | None:
    value = header.get(name)
    if value is None:
        return None
    if not isinstance(value, str):
        raise ProofError(f"the JWS header {name} must be a string")
    value = value.strip().lower()
    return value.removeprefix("application/")


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
            _verify_ecdsa(jws, jwk)
        else:
            _rsa_key(jwk).verify(jws.signature, jws.signing_input, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        raise ProofError("the JWS signature does not verify") from None


def _verify_ecdsa(jws: CompactJws, jwk: Mapping[str, Any]) -> None:
    """ES256 / ES384 / ES512: the signature is R || S, each as long as a coordinate (32, 48, 66 bytes; RFC 7518
    §3.4), not DER, and S must be canonical (low).

    ECDSA is malleable: whoever sees (R, S) can write (R, n - S), a different token that verifies as well, so one
    credential would have two encodings (and two ids to anything keyed by its bytes). Only the low form,
    S <= n/2 (as Bitcoin's BIP 62 and Ethereum's EIP-2 require), is accepted.
    """
    algorithm = ECDSA[jws.alg]
    size = algorithm.coordinate_bytes
    if len(jws.signature) != 2 * size:
        raise ProofError(f"an {jws.alg} signature is {2 * size} bytes (R || S), got {len(jws.signature)}")
    r, s = int.from_bytes(jws.signature[:size], "big"), int.from_bytes(jws.signature[size:], "big")
    if not (0 < r < algorithm.order and 0 < s < algorithm.order):
        raise ProofError(f"the {jws.alg} signature's R or S is outside 1 .. n - 1")
    if s > algorithm.order // 2:
        raise ProofError(
            f"the {jws.alg} signature is in the malleable high-S form (S > n/2); only the canonical low-S form is "
            "accepted"
        )
    _ec_key(jwk, algorithm).verify(encode_dss_signature(r, s), jws.signing_input, ec.ECDSA(algorithm.hash))


def with_low_s_es256(token: str) -> str:
    """The same ES256 compact JWS with S in its canonical low form (S <= n/2): what a signer must send, since
    `verify_jws` refuses the malleable high form. OpenSSL-based signers (joserfc among them) leave S high about half
    the time; S and n - S are both valid ECDSA signatures of the same message, so this changes no meaning."""
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


def _ec_key(jwk: Mapping[str, Any], algorithm: EcdsaAlgorithm) -> ec.EllipticCurvePublicKey:
    x, y = _member_bytes(jwk, "x"), _member_bytes(jwk, "y")
    size = algorithm.coordinate_bytes
    if len(x) != size or len(y) != size:
        raise ProofError(f"a {jwk.get('crv')} JWK has {size}-byte x and y coordinates")
    try:
        return ec.EllipticCurvePublicKey.from_encoded_point(algorithm.curve, b"\x04" + x + y)
    except ValueError:
        raise ProofError(f"the JWK is not a point on {jwk.get('crv')}") from None


def _rsa_key(jwk: Mapping[str, Any]) -> rsa.RSAPublicKey:
    n = int.from_bytes(_member_bytes(jwk, "n"), "big")
    e = int.from_bytes(_member_bytes(jwk, "e"), "big")
    if n.bit_length() < MIN_RSA_BITS:
        raise ProofError(f"the RSA key has {n.bit_length()} bits; at least {MIN_RSA_BITS} are required")
    try:
        return rsa.RSAPublicNumbers(e, n).public_key()
    except ValueError:
        raise ProofError("the RSA JWK is not a valid public key") from None


def jwk_for_did_key(did_url: str) -> dict[str, str]:
    """The public JWK of a did:key DID URL: Ed25519 (``z6Mk...``) or P-256 (``zDn...``), resolved offline.

    did:key method §3.1.2 (https://w3c-ccg.github.io/did-key-spec/#document-creation-algorithm); P-256 keys are
    the 33-byte compressed point after multicodec 0x1200.
    """
    if not did_url.startswith(DID_KEY_PREFIX):
        raise ProofError(f"{did_url!r} is not a did:key")
    identifier, _, fragment = did_url.removeprefix(DID_KEY_PREFIX).partition("#")
    if fragment and fragment != identifier:
        raise ProofError(f"did:key verification method {did_url!r}: the fragment does not match the key")
    data = decode_multibase_base58btc(identifier)
    if data[:2] == _P256_PUB_HEADER:
        try:
            point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), data[2:])
        except ValueError:
            raise ProofError(f"{did_url!r} does not hold a valid P-256 point") from None
        numbers = point.public_numbers()
        return {
            "kty": "EC",
            "crv": "P-256",
            "x": encode_base64url(numbers.x.to_bytes(32, "big")),
            "y": encode_base64url(numbers.y.to_bytes(32, "big")),
        }
    return public_jwk(resolve_did_key(did_url), did_url)


def _member_bytes(jwk: Mapping[str, Any], name: str) -> bytes:
    value = jwk.get(name)
    if not isinstance(value, str):
        raise ProofError(f"the JWK has no {name!r} member")
    return decode_base64url(value)


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
