"""POST /presentations/prove: a holder service signing a presentation with the calling API client's holder key.

Spec: VC API holder service (w3c-ccg/vc-api holder.yml: `POST /presentations/prove`, later `POST /presentations`,
request `{presentation, options}`, answered 201 `{verifiablePresentation}`, a VerifiablePresentation or an
EnvelopedVerifiablePresentation). The key is the client's own (services/holder_keys.py), never the PAI's.

- Data Integrity (VC Data Integrity 1.0 §4.1 Add Proof, https://www.w3.org/TR/vc-data-integrity/#add-proof): a
  DataIntegrityProof, cryptosuite eddsa-rdfc-2022 (or eddsa-jcs-2022 when asked), proofPurpose `authentication`,
  with `challenge` and `domain` from the options (§2.1 Proofs: a verifier binds the proof to them).
- VC-JOSE-COSE §3.1.2 (https://www.w3.org/TR/vc-jose-cose/#securing-vps-with-jose): the presentation as the payload
  of a compact JWS, `typ` vp+jwt, `cty` vp, EdDSA, `kid` the holder's verification method; the challenge in `nonce`
  and the domain in `aud` (RFC 7519 §4.1.3), `iat` the signing time (§4.1.6), as POST /presentations/verify reads
  them (verification/presentation.py); answered as a VC 2.0 §4.13.2 EnvelopedVerifiablePresentation.

The presentation must be one (VC 2.0 §4.13: @context, type VerifiablePresentation), unsecured, and name no holder
but the client's own (absent, it is set to it). The credentials inside are signed over as they are; verifying them is
the verifier's job.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from verify_api.domain.dates import rfc3339
from verify_api.errors import InvalidCredentialError, ProofError
from verify_api.proofs.data_integrity import add_proof
from verify_api.proofs.jws import sign_compact_jws
from verify_api.services.holder_keys import ensure_holder_key, usable_holder_key
from verify_api.services.transaction import run_in_transaction
from verify_api.verification.document import VC_V1_CONTEXT, VC_V2_CONTEXT, check_structure_limits
from verify_api.verification.envelope import enveloped
from verify_api.verification.signed_claims import check_signed_claims

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.services.context import ServiceContext
    from verify_api.services.holder_keys import HolderKey

VP_JWT_MEDIA_TYPE = "application/vp+jwt"
PresentationCryptosuite = Literal["eddsa-rdfc-2022", "eddsa-jcs-2022"]
AUTHENTICATION = "authentication"


@dataclass(frozen=True)
class ProveOptions:
    """The request's options as the service reads them: how to secure it, and the verifier's challenge and domain."""

    challenge: str | None = None
    domain: str | None = None
    cryptosuite: PresentationCryptosuite = "eddsa-rdfc-2022"
    jwt: bool = False  # a vp+jwt (VC-JOSE-COSE §3.1.2) instead of a Data Integrity proof
    verification_method: str | None = None  # when given, it must be the client's own


async def prove_presentation(  # noqa: PLR0913 - the presentation, how, who asks, and the moment
    conn: Connection,
    ctx: ServiceContext,
    presentation: dict[str, Any],
    options: ProveOptions,
    *,
    client_id: UUID,
    now: datetime,
) -> dict[str, Any]:
    """Sign `presentation` with the client's holder key (created on first use): the verifiable presentation, or its
    EnvelopedVerifiablePresentation. The key's row stays share-locked while signing, so a rotation of the client's
    API key either waits for the signature or has retired the key before it (a refusal: try again)."""

    await ensure_holder_key(conn, ctx.settings, client_id, now=now)

    async def command() -> dict[str, Any]:
        key = await usable_holder_key(conn, ctx.settings, client_id)
        if options.verification_method is not None and options.verification_method != key.verification_method:
            raise InvalidCredentialError(
                f"options.verificationMethod {options.verification_method!r} is not this API client's holder key "
                f"{key.verification_method!r}; it signs with no other",
                path="options.verificationMethod",
            )
        document = unsecured_presentation(presentation, key.did)
        if options.jwt:
            token = await asyncio.to_thread(sign_presentation_jwt_sync, document, key, options, now)
            return enveloped(token, "vp")
        return await asyncio.to_thread(add_authentication_proof_sync, document, key, options, now)

    return await run_in_transaction(conn, command)


def unsecured_presentation(presentation: dict[str, Any], holder_did: str) -> dict[str, Any]:
    """VC Data Model 2.0 §4.13 "Verifiable Presentations": the presentation to sign, its `holder` the client's DID;
    `InvalidCredentialError` for anything that is not an unsecured presentation of that holder."""
    check_structure_limits(presentation)
    if "proof" in presentation:
        raise InvalidCredentialError("the presentation already has a proof; send it unsecured", path="proof")
    context = presentation.get("@context")
    if not isinstance(context, list) or not context or context[0] not in (VC_V2_CONTEXT, VC_V1_CONTEXT):
        raise InvalidCredentialError(
            f"the presentation's @context must be a list whose first item is {VC_V2_CONTEXT} (or {VC_V1_CONTEXT})",
            path="@context",
        )
    types = presentation.get("type")
    types = [types] if isinstance(types, str) else types
    if not isinstance(types, list) or "VerifiablePresentation" not in types:
        raise InvalidCredentialError("the presentation's type must include 'VerifiablePresentation'", path="type")
    holder = presentation.get("holder")
    holder_id = holder.get("id") if isinstance(holder, dict) else holder
    if holder is not None and holder_id != holder_did:
        raise InvalidCredentialError(
            f"the presentation's holder {holder_id!r} is not this API client's holder {holder_did!r}, the only one "
            "it signs for; leave holder out and it is set",
            path="holder",
        )
    credentials = presentation.get("verifiableCredential", [])
    for entry in credentials if isinstance(credentials, list) else [credentials]:
        if not isinstance(entry, dict):
            raise InvalidCredentialError(
                "each verifiableCredential must be an object: a verifiable credential or an "
                "EnvelopedVerifiableCredential (VC 2.0 §4.13)",
                path="verifiableCredential",
            )
    document = copy.deepcopy(presentation)
    if holder is None:
        document["holder"] = holder_did
    return document


def add_authentication_proof_sync(
    document: dict[str, Any], key: HolderKey, options: ProveOptions, now: datetime
) -> dict[str, Any]:
    """VC Data Integrity §4.1 Add Proof with proofPurpose `authentication`, `challenge` and `domain`. What is
    signed must be what a JSON reader of it reads (no term dropped by canonicalisation: `check_signed_claims`)."""
    try:
        check_signed_claims(document)
        return add_proof(
            document,
            key.signer,
            cryptosuite=options.cryptosuite,
            verification_method=key.verification_method,
            created=rfc3339(now),
            proof_purpose=AUTHENTICATION,
            challenge=options.challenge,
            domain=options.domain,
        )
    except ProofError as exc:
        raise InvalidCredentialError(f"the presentation cannot be signed: {exc.detail}") from exc
    except (ValueError, TypeError, KeyError, RecursionError) as exc:  # pyld on input it does not wrap
        raise InvalidCredentialError("the presentation cannot be signed: it could not be canonicalised") from exc


def presentation_jwt_claims(document: dict[str, Any], options: ProveOptions, now: datetime) -> dict[str, Any]:
    """The vp+jwt payload: the presentation, with `nonce` (the challenge), `aud` (the domain), `iat`."""
    for claim in ("nonce", "aud", "iat"):
        if claim in document:
            raise InvalidCredentialError(
                f"the presentation has a member {claim!r}, which the JWT sets itself (RFC 7519 §4.1)", path=claim
            )
    claims = {**document, "iat": int(now.timestamp())}
    if options.challenge is not None:
        claims["nonce"] = options.challenge
    if options.domain is not None:
        claims["aud"] = options.domain
    return claims


def sign_presentation_jwt_sync(document: dict[str, Any], key: HolderKey, options: ProveOptions, now: datetime) -> str:
    """VC-JOSE-COSE §3.1.2: the compact JWS of the presentation (typ vp+jwt, cty vp), EdDSA by the holder key."""
    header = {"alg": "EdDSA", "kid": key.verification_method, "typ": "vp+jwt", "cty": "vp"}
    return sign_compact_jws(header, presentation_jwt_claims(document, options, now), key.signer)
