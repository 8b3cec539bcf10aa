"""The OID4VCI `jwt` key proof: a wallet proves it holds the key a credential is to be bound to.

Spec: OpenID for Verifiable Credential Issuance 1.0, Appendix F.1 "`jwt` Proof Type"
(https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html#name-jwt-proof-type) and Appendix F.4
"Verifying Proof". The key is named by exactly one of the JOSE header's `jwk` or `kid` (a DID URL: did:key, or
did:jwk, https://github.com/quartzjer/did-jwk/blob/main/spec.md); `x5c` is not supported. The credential is bound
to the key's DID: the `kid`'s DID, or the did:jwk of the `jwk`. The nonce is returned for the caller to check
against the ones the Nonce Endpoint handed out (the service's business: it is state).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.errors import ProofError
from verify_api.proofs.jose import jwk_for_did_key
from verify_api.proofs.jws import split_compact_jws, verify_jws
from verify_api.proofs.jws_ecdsa import with_low_s
from verify_api.proofs.keys import DID_KEY_PREFIX
from verify_api.proofs.multibase import decode_base64url, encode_base64url
from verify_api.strict_json import parse_strict_json

if TYPE_CHECKING:
    from datetime import datetime

PROOF_TYP = "openid4vci-proof+jwt"
# The algorithms a key proof may be signed with (`proof_signing_alg_values_supported`): keys did:key can name.
PROOF_SIGNING_ALGS = ("EdDSA", "ES256")
DID_JWK_PREFIX = "did:jwk:"
# An `iat` this far in the future is accepted (F.4 and §13.6: clock offsets between wallet and issuer).
MAX_CLOCK_SKEW_SECONDS = 60
# The members of a public JWK, per key type (RFC 7638 §3.2): what a did:jwk of a wallet key holds.
_PUBLIC_MEMBERS = {"OKP": ("crv", "kty", "x"), "EC": ("crv", "kty", "x", "y")}
_PRIVATE_MEMBERS = ("d", "p", "q", "dp", "dq", "qi", "oth", "k")


@dataclass(frozen=True)
class KeyProof:
    """A key proof that verified: the DID the credential is bound to, and the proof's `nonce` (None when absent)."""

    holder_did: str
    nonce: str | None


def did_jwk_for(jwk: dict[str, Any]) -> str:
    """did:jwk §2.1 "Create": `did:jwk:` and the base64url of the JWK's JSON; only its public members (RFC 7638
    order, no whitespace), so one key has one DID."""
    members = _PUBLIC_MEMBERS.get(str(jwk.get("kty")))
    if members is None or any(not isinstance(jwk.get(m), str) for m in members):
        raise ProofError("the jwk must be an OKP (Ed25519) or EC (P-256) public key with its members as strings")
    public = {m: jwk[m] for m in members}
    return DID_JWK_PREFIX + encode_base64url(msgspec.json.encode(public))


def jwk_for_did_jwk(did_url: str) -> dict[str, Any]:
    """did:jwk §2.2 "Read": the JWK is the base64url-decoded method-specific identifier; its one verification
    method is `#0`."""
    identifier, _, fragment = did_url.removeprefix(DID_JWK_PREFIX).partition("#")
    if fragment not in ("", "0"):
        raise ProofError(f"a did:jwk has one verification method, #0, not #{fragment}")
    jwk = parse_strict_json(decode_base64url(identifier), what="the did:jwk's JWK")
    if not isinstance(jwk, dict):
        raise ProofError("a did:jwk must hold a JWK object")
    _refuse_private_key(jwk)
    return jwk


def check_jwt_key_proof(token: object, *, audience: str, now: datetime, max_age_seconds: float) -> KeyProof:
    """Appendix F.4 "Verifying Proof", every step (in the spec's words): the required claims are present; the proof
    is explicitly typed (`typ` openid4vci-proof+jwt); `alg` is a supported asymmetric algorithm; the signature
    verifies with the key the header names; the header holds no private key; the creation time (`iat`) is within an
    acceptable window (`max_age_seconds` back, `MAX_CLOCK_SKEW_SECONDS` ahead). `aud` must be the Credential Issuer
    Identifier (F.1). Raises `ProofError` naming the first problem."""
    if not isinstance(token, str):
        raise ProofError("a jwt key proof is a compact JWT string")
    jws = split_compact_jws(token)
    header, claims = jws.header, jws.payload
    if header.get("typ") != PROOF_TYP:
        raise ProofError(f"the key proof's typ must be {PROOF_TYP!r}, not {header.get('typ')!r}")
    alg = header.get("alg")
    if alg not in PROOF_SIGNING_ALGS:
        raise ProofError(f"the key proof's alg must be one of {', '.join(PROOF_SIGNING_ALGS)}, not {alg!r}")
    if alg == "ES256":
        # RFC 7518 §3.4 accepts S and n - S alike, and wallets' signers leave S high about half the time; a key
        # proof's freshness is its single-use nonce, not one encoding, so it is read in the low-S form jws checks.
        jws = split_compact_jws(with_low_s(token.strip(), alg))
    jwk, holder_did = _proof_key(header)
    verify_jws(jws, jwk)
    check_audience(claims.get("aud"), audience)
    check_issued_at(claims.get("iat"), now=now, max_age_seconds=max_age_seconds)
    nonce = claims.get("nonce")
    if nonce is not None and not isinstance(nonce, str):
        raise ProofError("the key proof's nonce must be a string")
    return KeyProof(holder_did=holder_did, nonce=nonce)


def check_audience(aud: object, audience: str) -> None:
    """F.1: `aud` REQUIRED, the Credential Issuer Identifier (compared as a string, no normalisation)."""
    if aud is None:
        raise ProofError("the key proof has no aud; it must be the Credential Issuer Identifier")
    if aud != audience and not (isinstance(aud, list) and audience in aud):
        raise ProofError(f"the key proof's aud must be the Credential Issuer Identifier {audience!r}")


def check_issued_at(iat: object, *, now: datetime, max_age_seconds: float) -> None:
    """F.1: `iat` REQUIRED (a NumericDate); F.4 and §13.6: within an acceptable window of the server's time."""
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise ProofError("the key proof has no iat (a NumericDate: seconds since the epoch)")
    at = now.timestamp()
    if iat > at + MAX_CLOCK_SKEW_SECONDS:
        raise ProofError("the key proof's iat is in the future")
    if iat < at - max_age_seconds:
        raise ProofError(f"the key proof's iat is more than {int(max_age_seconds)} seconds old; make a fresh proof")


def _proof_key(header: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """The public JWK the proof is signed with and the DID the credential is bound to (F.1: exactly one of `kid`,
    `jwk`, `x5c`)."""
    named = [m for m in ("kid", "jwk", "x5c") if m in header]
    if len(named) != 1:
        raise ProofError("the key proof's header must name its key by exactly one of kid or jwk")
    if named[0] == "x5c":
        raise ProofError("x5c key proofs are not supported; name the key by jwk, or by kid as a did:key or did:jwk")
    if named[0] == "jwk":
        jwk = header["jwk"]
        if not isinstance(jwk, dict):
            raise ProofError("the key proof's jwk must be a JSON object")
        _refuse_private_key(jwk)
        return jwk, did_jwk_for(jwk)
    kid = header["kid"]
    if not isinstance(kid, str) or "#" not in kid:
        raise ProofError("the key proof's kid must be a DID URL (did:key:...#... or did:jwk:...#0)")
    did = kid.partition("#")[0]
    if kid.startswith(DID_KEY_PREFIX):
        return jwk_for_did_key(kid), did
    if kid.startswith(DID_JWK_PREFIX):
        return jwk_for_did_jwk(kid), did
    raise ProofError("the key proof's kid must be a did:key or did:jwk DID URL (other DIDs are not resolved)")


def _refuse_private_key(jwk: dict[str, Any]) -> None:
    """F.4: the header parameter does not contain a private key."""
    if any(member in jwk for member in _PRIVATE_MEMBERS):
        raise ProofError("the key proof's key contains private key material")
