"""OID4VCI issuer side: metadata, the Nonce Endpoint and the Credential Endpoint that delivers a wallet copy.

Spec: OpenID for Verifiable Credential Issuance 1.0 (https://openid.net/specs/openid-4-verifiable-credential-
issuance-1_0.html): §12.2 "Credential Issuer Metadata" (§12.2.2 at `/.well-known/openid-credential-issuer`,
§12.2.4 parameters), §12.3 with RFC 8414 (the authorization server's metadata), §7 "Nonce Endpoint", §8 "Credential
Endpoint" (§8.2 request, §8.3 response, §8.3.1 errors), Appendix A.1.1 (`jwt_vc_json`) and A.1.2 (`ldp_vc`),
Appendix F.1 and F.4 (the `jwt` key proof: proofs/key_proof.py).

What the wallet receives is the holder's certification bound to the wallet key: the same claims, with
`credentialSubject.id` the proof key's DID and an `id` of its own (a `urn:uuid`), signed by the issuer key as Data
Integrity `eddsa-rdfc-2022` (`ldp_vc`) or as a VC-JOSE-COSE `vc+jwt` (`jwt_vc_json`, EdDSA). It is entered in the
register as a wallet copy sharing the certification's status (services/wallet_copies.py).
"""

from __future__ import annotations

import asyncio
import copy
import secrets
from datetime import timedelta
from typing import TYPE_CHECKING, Any, Final
from uuid import uuid4

import msgspec

from verify_api.db.credential_offers import CredentialOffers
from verify_api.db.credentials import Credentials
from verify_api.db.events import Events
from verify_api.db.issuance_nonces import IssuanceNonces
from verify_api.db.wallet_copies import NewWalletCopy, WalletCopies
from verify_api.domain.codes import new_credential_id
from verify_api.domain.credential import OB_V3_CONTEXT, VC_V2_CONTEXT, achievement_image_url, issuer_image_url
from verify_api.domain.tiers import TIERS
from verify_api.errors import MalformedJsonError, ProofError, WalletRequestError
from verify_api.proofs.key_proof import PROOF_SIGNING_ALGS, check_jwt_key_proof
from verify_api.services.checkpoints import checkpoint_after_write
from verify_api.services.context import usable_signing_key
from verify_api.services.credential_offers import (
    CREDENTIAL_FORMATS,
    PRE_AUTHORIZED_GRANT,
    configuration_id,
    credential_issuer_identifier,
    token_hash,
)
from verify_api.services.jose_issuance import JoseSigningKey, sign_jwt_credential_sync
from verify_api.services.judgement import judge_stored
from verify_api.services.status_slots import draw_status_slots, record_status_slots, slot_columns
from verify_api.services.transaction import run_in_transaction
from verify_api.strict_json import parse_strict_json

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.credential_offers import AuthorizedOffer
    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord
    from verify_api.services.context import IssuerKey, ServiceContext
    from verify_api.settings import Settings

LDP_CRYPTOSUITE: Final = "eddsa-rdfc-2022"  # A.1.2: a proof suite requiring Linked Data canonicalisation
JWT_ALG: Final = "EdDSA"
BINDING_METHODS = ["did:key", "did:jwk"]
OID4VCI_PATH = "/oid4vci"  # the endpoints, and the authorization server's identifier, under the origin
MAX_CREDENTIAL_REQUEST_BYTES = 64 * 1024


def authorization_server_identifier(settings: Settings) -> str:
    """The OAuth 2.0 authorization server of this issuer (RFC 8414 §2 `issuer`), named in `authorization_servers`
    (§12.2.4); its metadata is at `/.well-known/oauth-authorization-server/oid4vci` (RFC 8414 §3.1)."""
    return settings.base_url + OID4VCI_PATH


def credential_configurations(settings: Settings) -> dict[str, dict[str, Any]]:
    """§12.2.4 `credential_configurations_supported`: each tier a person holds as `ldp_vc` (A.1.2: the
    `credential_definition` with `@context` and `type`) and `jwt_vc_json` (A.1.1: `type`), bound to a did:key or
    did:jwk by a `jwt` key proof signed with EdDSA or ES256."""
    base = settings.base_url
    configurations: dict[str, dict[str, Any]] = {}
    for code, info in TIERS.items():
        if info.subject_kind != "person":
            continue
        display = {
            "name": f"PAI {info.title}",
            "locale": "en",
            "description": info.description,
            "logo": {"uri": achievement_image_url(base, code), "alt_text": f"{info.title} emblem"},
        }
        for fmt in CREDENTIAL_FORMATS:
            definition: dict[str, Any] = {"type": ["VerifiableCredential", "OpenBadgeCredential"]}
            if fmt == "ldp_vc":
                definition = {"@context": [VC_V2_CONTEXT, OB_V3_CONTEXT], **definition}
            configurations[configuration_id(code, fmt)] = {
                "format": fmt,
                "cryptographic_binding_methods_supported": BINDING_METHODS,
                "credential_signing_alg_values_supported": [LDP_CRYPTOSUITE if fmt == "ldp_vc" else JWT_ALG],
                "proof_types_supported": {"jwt": {"proof_signing_alg_values_supported": list(PROOF_SIGNING_ALGS)}},
                "credential_definition": definition,
                "credential_metadata": {"display": [display]},
            }
    return configurations


def issuer_metadata(settings: Settings) -> dict[str, Any]:
    """§12.2.4 "Credential Issuer Metadata Parameters", unsigned (`application/json`, §12.2.2)."""
    base = settings.base_url
    return {
        "credential_issuer": credential_issuer_identifier(settings),
        "authorization_servers": [authorization_server_identifier(settings)],
        "credential_endpoint": f"{base}{OID4VCI_PATH}/credential",
        "nonce_endpoint": f"{base}{OID4VCI_PATH}/nonce",
        "display": [
            {
                "name": settings.issuer_name,
                "locale": "en",
                "logo": {"uri": issuer_image_url(base), "alt_text": f"{settings.issuer_name} logo"},
            }
        ],
        "credential_configurations_supported": credential_configurations(settings),
    }


def authorization_server_metadata(settings: Settings) -> dict[str, Any]:
    """RFC 8414 §2 metadata of the authorization server, with OID4VCI §12.3's
    `pre-authorized_grant_anonymous_access_supported` (wallets need no client id). Only the pre-authorized code
    grant is served, so `response_types_supported` is omitted as §12.2.4 allows."""
    return {
        "issuer": authorization_server_identifier(settings),
        "token_endpoint": f"{settings.base_url}{OID4VCI_PATH}/token",
        "grant_types_supported": [PRE_AUTHORIZED_GRANT],
        "token_endpoint_auth_methods_supported": ["none"],
        "pre-authorized_grant_anonymous_access_supported": True,
    }


async def issue_nonce(conn: Connection, settings: Settings, *, now: datetime) -> str:
    """§7.2 Nonce Response: a fresh, unpredictable `c_nonce`, live for OID4VCI_NONCE_SECONDS and good for one
    Credential Request; expired ones are swept as new ones are made."""
    nonce = secrets.token_urlsafe(24)
    nonces = IssuanceNonces(conn)

    async def command() -> None:
        await nonces.delete_expired(now)
        await nonces.insert(token_hash(nonce), now + timedelta(seconds=settings.oid4vci_nonce_seconds))

    await run_in_transaction(conn, command)
    return nonce


def bearer_token(authorization: str | None) -> str:
    """RFC 6750 §2.1: `Authorization: Bearer <token>`; anything else is §8.3.1.1's authorization error."""
    if not authorization:
        raise WalletRequestError("invalid_token", "send the access token as Authorization: Bearer <token>")
    scheme, _, token = authorization.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise WalletRequestError("invalid_token", "send the access token as Authorization: Bearer <token>")
    return token.strip()


def read_credential_request(body: bytes, settings: Settings) -> tuple[str, str]:
    """§8.2 Credential Request -> (credential_configuration_id, the one `jwt` key proof), or the §8.3.1.2 error.

    One proof only (no `batch_credential_issuance`); the draft-era `proof` object (`{"proof_type": "jwt", "jwt":
    ...}`) is read too. Encrypted responses are not offered, so `credential_response_encryption` is refused."""
    if len(body) > MAX_CREDENTIAL_REQUEST_BYTES:
        raise WalletRequestError(
            "invalid_credential_request", f"the request is over {MAX_CREDENTIAL_REQUEST_BYTES} bytes"
        )
    try:
        request = parse_strict_json(body, what="the Credential Request")
    except MalformedJsonError as exc:
        raise WalletRequestError("invalid_credential_request", exc.detail) from None
    if not isinstance(request, dict):
        raise WalletRequestError("invalid_credential_request", "the Credential Request must be a JSON object")
    if "credential_response_encryption" in request:
        raise WalletRequestError("invalid_encryption_parameters", "this issuer does not encrypt Credential Responses")
    if "credential_identifier" in request:
        raise WalletRequestError(
            "unknown_credential_identifier",
            "this issuer returns no credential_identifiers; send credential_configuration_id",
        )
    wanted = request.get("credential_configuration_id")
    if not isinstance(wanted, str):
        raise WalletRequestError("invalid_credential_request", "credential_configuration_id (a string) is missing")
    if wanted not in credential_configurations(settings):
        raise WalletRequestError("unknown_credential_configuration", f"no credential configuration {wanted[:80]!r}")
    return wanted, _one_jwt_proof(request)


def _one_jwt_proof(request: dict[str, Any]) -> str:
    proofs, legacy = request.get("proofs"), request.get("proof")
    if proofs is not None and legacy is not None:
        raise WalletRequestError("invalid_credential_request", "send proofs or proof, not both")
    if proofs is None and isinstance(legacy, dict):
        if legacy.get("proof_type") != "jwt":
            raise WalletRequestError("invalid_proof", "only the jwt proof type is supported")
        proofs = {"jwt": [legacy.get("jwt")]}
    if proofs is None:
        raise WalletRequestError("invalid_proof", "the key proof is missing: send proofs.jwt with one proof JWT")
    if not isinstance(proofs, dict) or len(proofs) != 1:
        raise WalletRequestError("invalid_proof", "proofs must hold exactly one proof type: jwt")
    jwts = proofs.get("jwt")
    if jwts is None:
        raise WalletRequestError("invalid_proof", f"proof type {next(iter(proofs))!r} is not supported; use jwt")
    if not isinstance(jwts, list) or not jwts:
        raise WalletRequestError("invalid_proof", "proofs.jwt must be a non-empty array of proof JWTs")
    if len(jwts) > 1:
        raise WalletRequestError("invalid_credential_request", "this issuer issues one credential per request")
    token = jwts[0]
    if not isinstance(token, str):
        raise WalletRequestError("invalid_proof", "a jwt key proof is a compact JWT string")
    return token


async def deliver_wallet_credential(
    conn: Connection, ctx: ServiceContext, authorization: str | None, body: bytes, *, now: datetime
) -> dict[str, Any]:
    """§8 Credential Endpoint: the access token (RFC 6750), the request (§8.2), its key proof (F.4, aud the
    Credential Issuer Identifier, the nonce one the Nonce Endpoint handed out and not yet used), then the wallet
    copy, entered in the register with its event and checkpoint in one transaction -> §8.3 Credential Response.

    Refusals are `WalletRequestError` with §8.3.1's codes: `invalid_token` (401), `insufficient_scope` (403: a
    configuration the offer did not name), `invalid_credential_request`, `unknown_credential_configuration`,
    `invalid_proof` (the proof is missing, malformed, badly typed, for another audience, stale, signed by another
    key than it names, or has no nonce), `invalid_nonce` (a nonce not handed out, expired or used) and
    `credential_request_denied` (the certification is no longer valid, or this offer already delivered it)."""
    settings = ctx.settings
    token = bearer_token(authorization)
    offers = CredentialOffers(conn)
    offer = await offers.by_access_token(token_hash(token), now)
    if offer is None:
        raise WalletRequestError("invalid_token", "the access token is not valid (unknown, expired or revoked)")
    wanted, proof_jwt = read_credential_request(body, settings)
    if wanted not in offer.configuration_ids:
        raise WalletRequestError("insufficient_scope", f"the access token does not cover {wanted!r}")
    try:
        proof = check_jwt_key_proof(
            proof_jwt,
            audience=credential_issuer_identifier(settings),
            now=now,
            max_age_seconds=settings.oid4vci_nonce_seconds,
        )
    except ProofError as exc:
        raise WalletRequestError("invalid_proof", exc.detail) from None
    if proof.nonce is None:
        raise WalletRequestError("invalid_proof", "the key proof has no nonce; get a c_nonce from the nonce endpoint")
    nonce = proof.nonce

    async def command() -> dict[str, Any]:
        await offers.lock_offer(offer.id)
        if not await IssuanceNonces(conn).consume(token_hash(nonce), now):
            raise WalletRequestError(
                "invalid_nonce", "the nonce is not one this issuer handed out, or it was used or expired"
            )
        return await _issue_wallet_copy(conn, ctx, offer, wanted, proof.holder_did, now=now)

    return await run_in_transaction(conn, command)


async def _issue_wallet_copy(  # noqa: PLR0913 - the request's parts, each read already
    conn: Connection, ctx: ServiceContext, offer: AuthorizedOffer, wanted: str, holder_did: str, *, now: datetime
) -> dict[str, Any]:
    settings = ctx.settings
    original = await Credentials(conn).get(offer.credential_id)
    assert original is not None  # the offer's foreign key
    verdict = await judge_stored(conn, original, settings=settings, now=now)
    if not verdict.valid:
        raise WalletRequestError(
            "credential_request_denied", f"the credential is {verdict.state.replace('_', ' ')}; it cannot be issued"
        )
    key = await usable_signing_key(conn, ctx.issuer_key, lock=True)
    fmt = wanted.removeprefix(f"{original.tier}_")
    document = wallet_copy_document(original, holder_did)
    stored, credential = await asyncio.to_thread(_secure_sync, document, key, fmt, now)
    copy_id = new_credential_id()
    slots = await draw_status_slots(conn, settings.status_list_size, now)
    await WalletCopies(conn).insert(
        NewWalletCopy(
            document=stored,
            cryptosuite=LDP_CRYPTOSUITE if fmt == "ldp_vc" else "jose-EdDSA",
            signing_key_id=key.verification_method,
            **slot_columns(slots),
            id=copy_id,
            valid_from=original.valid_from,
            valid_until=original.valid_until,
            issued_at=now,
            issued_by=None,
            document_id=document["id"],
            status_of=original.id,
        )
    )
    if not await CredentialOffers(conn).record_delivery(offer.id, wanted, copy_id, now):
        raise WalletRequestError("credential_request_denied", f"this offer already delivered {wanted!r}")
    await Events(conn).append(
        kind="credential_issued",
        occurred_at=now,
        credential_id=copy_id,
        data={"kind": "wallet_copy", "statusOf": original.id, "format": fmt, "documentId": document["id"]},
    )
    await record_status_slots(conn, slots)
    await checkpoint_after_write(conn, ctx, now=now)
    return {"credentials": [{"credential": credential}]}


def wallet_copy_document(original: CredentialRecord, holder_did: str) -> dict[str, Any]:
    """The certification's claims, unsigned, bound to the wallet key (§8.1: `credentialSubject.id` the key's DID)
    under an id of its own; its status entries stay the certification's, so the published lists answer for both."""
    signed = msgspec.json.decode(original.document)
    document: dict[str, Any] = {k: copy.deepcopy(v) for k, v in signed.items() if k != "proof"}
    document["id"] = f"urn:uuid:{uuid4()}"
    document["credentialSubject"] = {"id": holder_did, **document["credentialSubject"]}
    return document


def _secure_sync(document: dict[str, Any], key: IssuerKey, fmt: str, now: datetime) -> tuple[bytes, Any]:
    """(the bytes the register keeps, what the wallet receives): A.1.2 the Data Integrity document (an object);
    A.1.1 the JWT (a string, its payload the credential: VC-JOSE-COSE §3.1.1, as POST /credentials/issue signs)."""
    if fmt == "ldp_vc":
        signed = key.sign_sync(document, cryptosuite=LDP_CRYPTOSUITE, created=now)
        return msgspec.json.encode(signed), signed
    signing = JoseSigningKey(
        key.signer, str(document["issuer"]["id"]), key.verification_method, key.verification_method
    )
    return msgspec.json.encode(document), sign_jwt_credential_sync(document, signing, JWT_ALG)
