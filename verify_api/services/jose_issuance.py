"""POST /credentials/issue in the VC-JOSE-COSE form: a credential secured as an `application/vc+jwt` compact JWS.

Spec: W3C "Securing Verifiable Credentials using JOSE and COSE" §3.1.1 (https://www.w3.org/TR/vc-jose-cose/
#securing-vcs-with-jose): the JWS payload is the credential itself, the header carries `alg`, `kid` (the
verification method), `typ` vc+jwt and `cty` vc; §6.1.1 (issuer key): `kid` names a key of the issuer. A VC Data
Model 1.1 credential has no VC-JOSE-COSE form; it is secured as VC Data Model 1.1 §6.3.1 says instead (the
credential in a `vc` claim, with `iss`, `jti`, `nbf`, `exp`, `sub`, typ JWT). VC Data Model 2.0 §4.13 /
VC-JOSE-COSE §3.1.1 give the `EnvelopedVerifiableCredential` form a response (and a presentation) carries it in.

SD-JWT (§3.2.1, https://www.w3.org/TR/vc-jose-cose/#securing-with-sd-jwt): `application/vc+sd-jwt`, the credential
as the input JWT Claims Set of RFC 9901 §4, the subject's name (or the claims `selectively_disclosable` points to)
made selectively disclosable, typ vc+sd-jwt, cty vc, optionally bound to the holder's key (`cnf.jwk`, RFC 7800).

The credential is checked, given status entries and entered in the register exactly as a Data Integrity one
(services/vc_api.py): its row holds the signed payload and its key, so POST /credentials/status changes its status
and every verification judges it with `judge_vc_api_entry`, as for the other VC API credentials.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.errors import InvalidCredentialError
from verify_api.proofs.jws import ALGORITHMS, sign_compact_jws
from verify_api.proofs.sd_jwt import make_selectively_disclosable, parse_pointer
from verify_api.services.context import usable_signing_key
from verify_api.services.p256_keys import usable_p256_key
from verify_api.services.vc_api import IssueOptions, JwsAlg, Securing, issue_secured, vc_api_identity
from verify_api.verification.document import VC_V1_CONTEXT

if TYPE_CHECKING:
    from verify_api.db.pool import Connection
    from verify_api.proofs.jws import JwsSigner
    from verify_api.services.context import ServiceContext
    from verify_api.settings import JoseSecuring

VC_JWT_MEDIA_TYPE = "application/vc+jwt"
VC_SD_JWT_MEDIA_TYPE = "application/vc+sd-jwt"
# The subject's name, as the VC 2.0 examples and schema.org write it: what an SD-JWT credential lets its holder
# withhold unless the request names other claims (options.selectivelyDisclosable).
SUBJECT_NAME_CLAIMS = ("name", "givenName", "familyName")
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
_DID_KEY_P256 = "did:key:"


@dataclass(frozen=True)
class JoseSigningKey:
    signer: JwsSigner
    issuer_id: str
    kid: str  # the verification method the JWS header names
    register_kid: str  # the key's row in the register of keys (its validity window and compromise)


def enveloped_credential(token: str, media_type: str = VC_JWT_MEDIA_TYPE) -> dict[str, Any]:
    """VC Data Model 2.0 §4.13 EnvelopedVerifiableCredential: the JWT (or SD-JWT) as a `data:` URL (RFC 2397)."""
    return {
        "@context": [VC_V2_CONTEXT],
        "id": f"data:{media_type},{token}",
        "type": "EnvelopedVerifiableCredential",
    }


@dataclass(frozen=True)
class SelectiveDisclosure:
    """What an SD-JWT issuance makes selectively disclosable (JSON Pointers, RFC 6901; None: the subject's name) and
    the holder's public key to bind it to (`cnf.jwk`, RFC 9901 §4.1.2), if any."""

    pointers: tuple[str, ...] | None = None
    holder_jwk: dict[str, Any] | None = None


def check_selective_disclosure(asked: SelectiveDisclosure) -> None:
    """Refuse, before anything is written, pointers that are not JSON Pointers and a holder key that is not a public
    JWK of a key type JWS verifies (RFC 7517; RFC 7800 §3.2)."""
    for pointer in asked.pointers or ():
        parse_pointer(pointer)
    jwk = asked.holder_jwk
    if jwk is None:
        return
    if {"d", "p", "q", "dp", "dq", "qi", "k"} & set(jwk):
        raise InvalidCredentialError(
            "options.holderJwk holds private key material; send the holder's public key only", path="options.holderJwk"
        )
    key_types = {(kty, crv) for kty, crv in ALGORITHMS.values() if kty != "RSA"}
    if (jwk.get("kty"), jwk.get("crv")) not in key_types or not isinstance(jwk.get("x"), str):
        raise InvalidCredentialError(
            "options.holderJwk must be a public EC (P-256, P-384, P-521) or OKP (Ed25519) JWK",
            path="options.holderJwk",
        )


def subject_name_pointers(document: dict[str, Any]) -> list[str]:
    """The subject's name claims present in the credential (every subject's, when there are several)."""
    subjects = document.get("credentialSubject")
    found: list[str] = []
    for index, subject in enumerate(subjects if isinstance(subjects, list) else [subjects]):
        prefix = f"/credentialSubject/{index}" if isinstance(subjects, list) else "/credentialSubject"
        if isinstance(subject, dict):
            found.extend(f"{prefix}/{name}" for name in SUBJECT_NAME_CLAIMS if name in subject)
    return found


def sign_sd_jwt_credential_sync(
    document: dict[str, Any], key: JoseSigningKey, alg: JwsAlg, asked: SelectiveDisclosure, *, decoys: int
) -> tuple[dict[str, Any], str]:
    """VC-JOSE-COSE §3.2.1: the credential -> (the SD-JWT payload the issuer signs, the SD-JWT with every Disclosure,
    `<JWT>~<D1>~...~<DN>~`, RFC 9901 §4). Only for VC 2.0 credentials (VC-JOSE-COSE secures VC 2.0 only)."""
    context = document.get("@context")
    if isinstance(context, list) and context and context[0] == VC_V1_CONTEXT:
        raise InvalidCredentialError(
            "an SD-JWT credential is a VC Data Model 2.0 credential (VC-JOSE-COSE §3.2.1); this one is VC 1.1",
            path="credential.@context",
        )
    pointers = list(asked.pointers) if asked.pointers is not None else subject_name_pointers(document)
    if not pointers:
        raise InvalidCredentialError(
            "nothing to make selectively disclosable: the credential's subject has no name (name, givenName, "
            "familyName); name the claims with options.selectivelyDisclosable",
            path="options.selectivelyDisclosable",
        )
    payload, disclosures = make_selectively_disclosable(document, pointers, decoys=decoys)
    if asked.holder_jwk is not None:
        payload["cnf"] = {"jwk": asked.holder_jwk}
    header = {"alg": alg, "kid": key.kid, "typ": "vc+sd-jwt", "cty": "vc"}
    issuer_jwt = sign_compact_jws(header, payload, key.signer)
    return payload, "".join(f"{part}~" for part in (issuer_jwt, *disclosures))


def jwt_claims_v11(document: dict[str, Any]) -> dict[str, Any]:
    """VC Data Model 1.1 §6.3.1 "JWT encoding": `iss` the issuer, `jti` the id, `nbf` issuanceDate, `exp`
    expirationDate, `sub` the subject's id, and the credential (all its properties kept) in the `vc` claim."""
    issuer = document.get("issuer")
    claims: dict[str, Any] = {"vc": document, "iss": issuer.get("id") if isinstance(issuer, dict) else issuer}
    if isinstance(document.get("id"), str):
        claims["jti"] = document["id"]
    for claim, name in (("nbf", "issuanceDate"), ("exp", "expirationDate")):
        value = document.get(name)
        if isinstance(value, str):
            claims[claim] = int(datetime.fromisoformat(value).timestamp())
    subject = document.get("credentialSubject")
    if isinstance(subject, dict) and isinstance(subject.get("id"), str):
        claims["sub"] = subject["id"]
    return claims


def sign_jwt_credential_sync(document: dict[str, Any], key: JoseSigningKey, alg: JwsAlg) -> str:
    """VC-JOSE-COSE §3.1.1 for a VC 2.0 credential (typ vc+jwt, cty vc), VC-JWT 1.1 for a 1.1 one (typ JWT)."""
    context = document.get("@context")
    if isinstance(context, list) and context and context[0] == VC_V1_CONTEXT:
        return sign_compact_jws({"alg": alg, "kid": key.kid, "typ": "JWT"}, jwt_claims_v11(document), key.signer)
    return sign_compact_jws({"alg": alg, "kid": key.kid, "typ": "vc+jwt", "cty": "vc"}, document, key.signer)


async def jose_signing_key(conn: Connection, ctx: ServiceContext, alg: JwsAlg, *, now: datetime) -> JoseSigningKey:
    """The key for `alg`, checked against the register inside the caller's transaction (retired or compromised
    keys refuse to sign). EdDSA: the Ed25519 issuer key; ES256: the P-256 key. With VC_API_ISSUER=did:key the
    issuer is the key's own did:key."""
    settings = ctx.settings
    if alg == "EdDSA":
        key = await usable_signing_key(conn, ctx.issuer_key, lock=True)
        issuer_id, method = vc_api_identity(key, settings)
        return JoseSigningKey(key.signer, issuer_id, method, key.verification_method)
    p256 = await usable_p256_key(conn, settings, now=now)
    if settings.vc_api_issuer == "did:key":
        did = _DID_KEY_P256 + p256.signer.public_key_multibase
        return JoseSigningKey(p256.signer, did, f"{did}#{p256.signer.public_key_multibase}", p256.verification_method)
    issuer_id, _ = vc_api_identity(ctx.issuer_key, settings)
    return JoseSigningKey(p256.signer, issuer_id, p256.verification_method, p256.verification_method)


async def issue_jwt_credential(
    conn: Connection, ctx: ServiceContext, credential: dict[str, Any], options: IssueOptions, *, now: datetime
) -> str:
    """Secure an unsecured credential that is not a PAI certification as a JWT; the register keeps the signed
    payload (what a verifier decodes from the JWT) and the key's row. The rest is `vc_api.issue_secured`'s: status
    entries, the register entry (kind 'vc_api'), its event and the checkpoint, in one transaction."""
    alg: JwsAlg = options.alg or "EdDSA"
    label: JoseSecuring = "jose-EdDSA" if alg == "EdDSA" else "jose-ES256"

    async def securing() -> Securing:
        signing = await jose_signing_key(conn, ctx, alg, now=now)

        def secure_sync(document: dict[str, Any]) -> tuple[bytes, Any]:
            return msgspec.json.encode(document), sign_jwt_credential_sync(document, signing, alg)

        return Securing(signing.issuer_id, signing.register_kid, label, secure_sync)

    token: str = await issue_secured(conn, ctx, (credential, options), securing, now=now)
    return token


async def issue_sd_jwt_credential(  # noqa: PLR0913 - the SD-JWT's choices beside issue_jwt_credential's arguments
    conn: Connection,
    ctx: ServiceContext,
    credential: dict[str, Any],
    options: IssueOptions,
    asked: SelectiveDisclosure,
    *,
    now: datetime,
) -> str:
    """Secure an unsecured VC 2.0 credential that is not a PAI certification as an SD-JWT (VC-JOSE-COSE §3.2.1). The
    register keeps the signed SD-JWT payload (with its digests: what every presentation of it carries) and the key's
    row, so POST /credentials/status changes its status and every verification judges it like a vc+jwt one."""
    check_selective_disclosure(asked)
    alg: JwsAlg = options.alg or "EdDSA"
    label: JoseSecuring = "sd-jwt-EdDSA" if alg == "EdDSA" else "sd-jwt-ES256"
    decoys = ctx.settings.sd_jwt_decoy_digests

    async def securing() -> Securing:
        signing = await jose_signing_key(conn, ctx, alg, now=now)

        def secure_sync(document: dict[str, Any]) -> tuple[bytes, Any]:
            payload, sd_jwt = sign_sd_jwt_credential_sync(document, signing, alg, asked, decoys=decoys)
            return msgspec.json.encode(payload), sd_jwt

        return Securing(signing.issuer_id, signing.register_kid, label, secure_sync)

    token: str = await issue_secured(conn, ctx, (credential, options), securing, now=now)
    return token
