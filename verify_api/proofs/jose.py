"""VC-JOSE: what a compact JWS securing a credential or presentation says about itself, and did:key JWKs.

Specs: W3C "Securing Verifiable Credentials using JOSE and COSE" §3.1.1 and §3.1.2
(https://www.w3.org/TR/vc-jose-cose/#securing-with-jose), VC-JWT 1.1 (VC Data Model 1.1 §6.3.1) and Open Badges 3.0
§8.2 (https://www.imsglobal.org/spec/ob/v3p0/#jwt-proof-format). The JWS itself is `jws`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from cryptography.hazmat.primitives.asymmetric import ec

from verify_api.errors import ProofError
from verify_api.proofs.keys import DID_KEY_PREFIX, public_jwk, resolve_did_key
from verify_api.proofs.multibase import decode_multibase_base58btc, encode_base64url

if TYPE_CHECKING:
    from collections.abc import Mapping

    from verify_api.proofs.jws import CompactJws

# did:key ECDSA keys: multicodec p256-pub (0x1200), p384-pub (0x1201), p521-pub (0x1202) as unsigned varints, each
# followed by the compressed point; the JWK curve name and coordinate length (RFC 7518 §6.2.1).
_EC_DID_KEYS: dict[bytes, tuple[ec.EllipticCurve, str, int]] = {
    b"\x80\x24": (ec.SECP256R1(), "P-256", 32),
    b"\x81\x24": (ec.SECP384R1(), "P-384", 48),
    b"\x82\x24": (ec.SECP521R1(), "P-521", 66),
}
# VC-JOSE-COSE §3.1.1 and §3.1.2 (https://www.w3.org/TR/vc-jose-cose/#securing-vcs-with-jose): a credential's `typ`
# SHOULD be vc+jwt and its `cty`, when present, vc; a presentation's vp+jwt and vp. The VC-JWT 1.1 / Open Badges 3.0
# form carries the credential in a `vc` claim, which VC-JOSE-COSE §3.1.3 forbids; its `typ` is JWT.
JOSE_TYP = {"vc": "vc+jwt", "vp": "vp+jwt"}
VC_JWT_11_TYP = "jwt"


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


def is_presentation_jwt(jws: CompactJws) -> bool:
    """Whether a JWT secures a presentation: `typ` vp+jwt (VC-JOSE-COSE §3.1.2), a VC-JWT 1.1 `vp` claim, or a payload
    typed VerifiablePresentation; `check_typ_and_cty(..., "vp")` then holds it to that kind's typing."""
    if _media_type(jws.header, "typ") == JOSE_TYP["vp"] or isinstance(jws.payload.get("vp"), dict):
        return True
    types = jws.payload.get("type")
    return "VerifiablePresentation" in (types if isinstance(types, list) else [types])


def jwk_for_did_key(did_url: str) -> dict[str, str]:
    """The public JWK of a did:key DID URL: Ed25519 (``z6Mk...``), P-256 (``zDn...``), P-384 (``z82L...``) or
    P-521 (``z2J9...``), resolved offline, so ES256, ES384 and ES512 JWTs of did:key issuers verify.

    did:key method §3.1.2 (https://w3c-ccg.github.io/did-key-spec/#document-creation-algorithm); ECDSA keys are
    the compressed point after multicodec 0x1200, 0x1201 or 0x1202.
    """
    if not did_url.startswith(DID_KEY_PREFIX):
        raise ProofError(f"{did_url!r} is not a did:key")
    identifier, _, fragment = did_url.removeprefix(DID_KEY_PREFIX).partition("#")
    if fragment and fragment != identifier:
        raise ProofError(f"did:key verification method {did_url!r}: the fragment does not match the key")
    data = decode_multibase_base58btc(identifier)
    if data[:2] in _EC_DID_KEYS:
        curve, name, size = _EC_DID_KEYS[data[:2]]
        try:
            point = ec.EllipticCurvePublicKey.from_encoded_point(curve, data[2:])
        except ValueError:
            raise ProofError(f"{did_url!r} does not hold a valid {name} point") from None
        numbers = point.public_numbers()
        return {
            "kty": "EC",
            "crv": name,
            "x": encode_base64url(numbers.x.to_bytes(size, "big")),
            "y": encode_base64url(numbers.y.to_bytes(size, "big")),
        }
    return public_jwk(resolve_did_key(did_url), did_url)
