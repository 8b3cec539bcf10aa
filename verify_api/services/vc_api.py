"""W3C VC API (VCALM) issuance: sign a credential that is not a PAI certification (VC API §3.2.1 Issue Credential,
https://w3c-ccg.github.io/vc-api/).

Issuance signs a well-formed credential that does not claim a PAI certification, gives it revocation and suspension
entries in the published status lists and enters it in the register as a 'vc_api' entry (not a certification), so
POST /credentials/status can revoke or suspend it. Verification is services.vc_api_verification's.
"""

from __future__ import annotations

import asyncio
import copy
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

import msgspec

from verify_api.db.credentials import Credentials
from verify_api.db.events import Events
from verify_api.db.records import NewCredential
from verify_api.domain.codes import new_credential_id
from verify_api.domain.credential import did_web_for, status_list_url
from verify_api.domain.dates import rfc3339
from verify_api.domain.tier_claims import pai_tier_claims
from verify_api.errors import InvalidCredentialError
from verify_api.proofs.keys import did_key_for, did_key_verification_method
from verify_api.services.checkpoints import checkpoint_after_write
from verify_api.services.context import usable_signing_key
from verify_api.services.status_slots import draw_status_slots, record_status_slots, slot_columns
from verify_api.services.transaction import run_in_transaction
from verify_api.verification.document import VC_V1_CONTEXT, read_credential_shape
from verify_api.verification.signed_claims import check_signed_claims

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.domain.credential import StatusSlot
    from verify_api.services.context import IssuerKey, ServiceContext
    from verify_api.settings import Cryptosuite, JoseSecuring, Settings
    from verify_api.verification.document import CredentialShape

DATA_INTEGRITY_V2_CONTEXT = "https://w3id.org/security/data-integrity/v2"


@dataclass(frozen=True)
class IssueOptions:
    """POST /credentials/issue's options as the service reads them (VC API IssueCredentialOptions), and who asks.

    `credential_id` is options.credentialId; POST /credentials/status finds the credential by it, or by the
    credential's own `id`.
    """

    cryptosuite: Cryptosuite | None = None
    credential_id: str | None = None
    actor: UUID | None = None
    alg: JwsAlg | None = None  # a JWT (services/jose_issuance.py) signed with this JWS algorithm


JwsAlg = Literal["EdDSA", "ES256"]


def vc_api_identity(key: IssuerKey, settings: Settings) -> tuple[str, str]:
    """(issuer id, verification method) for POST /credentials/issue, per VC_API_ISSUER."""
    if settings.vc_api_issuer == "did:key":
        return did_key_for(key.signer.public_key), did_key_verification_method(key.signer.public_key)
    return did_web_for(settings.base_url), key.verification_method


def prepare_credential(
    credential: dict[str, Any], issuer_id: str, now: datetime, *, base_url: str
) -> tuple[dict[str, Any], CredentialShape]:
    """Check an unsecured credential for issuance and add what it needs; raise `InvalidCredentialError`.

    VC 1.1 input gets `issuanceDate` (when absent) and the Data Integrity context, which the 1.1 base context
    lacks (VC Data Integrity §2.1); VC 2.0's base context already defines DataIntegrityProof. A credential that
    claims a PAI certification (domain/tier_claims.py) or brings a status entry of its own in this issuer's lists
    (see `check_client_status_entries`) is refused.
    """
    if "proof" in credential:
        raise InvalidCredentialError("the credential already has a proof; send it unsecured", path="proof")
    check_client_status_entries(credential.get("credentialStatus"), base_url=base_url)
    document = copy.deepcopy(credential)
    context = document.get("@context")
    if isinstance(context, list) and context and context[0] == VC_V1_CONTEXT:
        document.setdefault("issuanceDate", rfc3339(now))
        # The status entry's terms (VC 1.1's base context lacks them), then Data Integrity for the proof.
        document["@context"] = [c for c in context if c != DATA_INTEGRITY_V2_CONTEXT] + [
            STATUS_TERMS_V1,
            DATA_INTEGRITY_V2_CONTEXT,
        ]
    shape = read_credential_shape(document)
    check_signed_claims(document)  # what we sign must be what a JSON reader of it reads (compacted form)
    if shape.issuer_id != issuer_id:
        raise InvalidCredentialError(
            f"issuer {shape.issuer_id!r} does not match this issuer's configured identity {issuer_id!r}", path="issuer"
        )
    claims = pai_tier_claims(document, base_url=base_url)
    if claims:
        raise InvalidCredentialError(
            "PAI certifications are issued only through POST /v1/credentials, under the tier rules; this credential "
            f"claims one: {'; '.join(claims)}",
            path="credential",
        )
    return document, shape


def check_client_status_entries(value: object, *, base_url: str) -> None:
    """A credential may bring status entries of other schemes (VC 2.0 §4.10 allows any type), kept as they are;
    the Bitstring Status List entries are this issuer's to assign, in its own lists, so a client-chosen one (which
    could name another credential's slot) is refused."""
    entries = value if isinstance(value, list) else [] if value is None else [value]
    for entry in entries:
        if not isinstance(entry, dict):
            continue  # read_credential_shape names the malformed entry
        own_list = any(isinstance(v, str) and v.startswith(f"{base_url}/") for v in entry.values())
        if entry.get("type") == "BitstringStatusListEntry" or own_list:
            raise InvalidCredentialError(
                "BitstringStatusListEntry entries are assigned by this issuer (one for revocation and one for "
                "suspension, in its own lists); send the credential without them",
                path="credentialStatus",
            )


def with_status_entries(document: dict[str, Any], entries: list[dict[str, Any]]) -> None:
    """Append this issuer's entries to any the credential brought."""
    given = document.get("credentialStatus")
    kept = given if isinstance(given, list) else [] if given is None else [given]
    document["credentialStatus"] = [*kept, *entries]


def status_entries(base_url: str, slots: list[StatusSlot]) -> list[dict[str, Any]]:
    """`credentialStatus`: one BitstringStatusListEntry per slot (Bitstring Status List v1.0 §2.1). VC 1.1 has no
    term for it, so a 1.1 credential carries the entry's terms in an inline context (STATUS_TERMS_V1)."""
    return [
        {
            "id": f"{status_list_url(base_url, slot.list_id)}#{slot.index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": slot.purpose,
            "statusListIndex": str(slot.index),
            "statusListCredential": status_list_url(base_url, slot.list_id),
        }
        for slot in slots
    ]


# The VC 2.0 context's definitions of the BitstringStatusListEntry terms (https://www.w3.org/ns/credentials/v2),
# for VC 1.1 credentials, whose base context lacks them.
_STATUS = "https://www.w3.org/ns/credentials/status#"
STATUS_TERMS_V1: dict[str, Any] = {
    "BitstringStatusListEntry": f"{_STATUS}BitstringStatusListEntry",
    "statusPurpose": f"{_STATUS}statusPurpose",
    "statusListIndex": f"{_STATUS}statusListIndex",
    "statusListCredential": {"@id": f"{_STATUS}statusListCredential", "@type": "@id"},
}


@dataclass(frozen=True)
class Securing:
    """How one issuance secures the document, chosen inside its transaction (the key checked against the register):
    the issuer id the document must carry, the key's row in the register of keys, the register's `cryptosuite`
    label, and `secure_sync` (CPU-bound, run in a thread): the document -> (the bytes the register keeps, what the
    client receives)."""

    issuer_id: str
    register_kid: str
    label: Cryptosuite | JoseSecuring
    secure_sync: Callable[[dict[str, Any]], tuple[bytes, Any]]


async def data_integrity_securing(
    conn: Connection, ctx: ServiceContext, cryptosuite: Cryptosuite | None, *, created: datetime
) -> Securing:
    """A Data Integrity proof (`cryptosuite`, default DEFAULT_CRYPTOSUITE) by the live Ed25519 issuer key."""
    suite = cryptosuite or ctx.settings.default_cryptosuite
    key = await usable_signing_key(conn, ctx.issuer_key, lock=True)
    issuer_id, verification_method = vc_api_identity(key, ctx.settings)

    def secure_sync(document: dict[str, Any]) -> tuple[bytes, Any]:
        signed = key.sign_sync(document, cryptosuite=suite, created=created, verification_method=verification_method)
        return msgspec.json.encode(signed), signed

    return Securing(issuer_id, key.verification_method, suite, secure_sync)


async def issue_credential(
    conn: Connection, ctx: ServiceContext, credential: dict[str, Any], options: IssueOptions, *, now: datetime
) -> dict[str, Any]:
    """Sign an unsecured credential that is not a PAI certification with a Data Integrity proof; see
    `issue_secured`."""

    async def securing() -> Securing:
        return await data_integrity_securing(conn, ctx, options.cryptosuite, created=now)

    issued: dict[str, Any] = await issue_secured(conn, ctx, (credential, options), securing, now=now)
    return issued


async def issue_secured(
    conn: Connection,
    ctx: ServiceContext,
    asked: tuple[dict[str, Any], IssueOptions],
    securing: Callable[[], Awaitable[Securing]],
    *,
    now: datetime,
) -> Any:
    """Secure an unsecured credential that is not a PAI certification (a Data Integrity proof, or a JWT:
    services/jose_issuance.py), with revocation and suspension entries in the published status lists, enter it in
    the register (kind 'vc_api') and write the audit checkpoint that falls due, all in one transaction."""
    credential, options = asked
    settings, credential_id, actor = ctx.settings, options.credential_id, options.actor

    async def command() -> Any:
        how = await securing()
        document, shape = await asyncio.to_thread(
            prepare_credential, credential, how.issuer_id, now, base_url=settings.base_url
        )
        slots = await draw_status_slots(conn, settings.status_list_size, now)
        with_status_entries(document, status_entries(settings.base_url, slots))
        stored, issued = await asyncio.to_thread(how.secure_sync, document)
        register_id = new_credential_id()
        document_id = shape.credential_id or credential_id
        await Credentials(conn).insert(
            NewCredential(
                id=register_id,
                tier=None,
                holder_id=None,
                organization_id=None,
                subject_name="",
                verification_code=None,
                valid_from=shape.valid_from or now,
                valid_until=shape.valid_until,
                document=stored,
                cryptosuite=how.label,
                signing_key_id=how.register_kid,
                **slot_columns(slots),
                predecessor_id=None,
                issued_at=now,
                issued_by=actor,
                kind="vc_api",
                document_id=document_id,
            )
        )
        await Events(conn).append(
            kind="credential_issued",
            occurred_at=now,
            credential_id=register_id,
            actor=actor,
            data={"kind": "vc_api", "cryptosuite": how.label, "documentId": document_id},
        )
        await record_status_slots(conn, slots)
        await checkpoint_after_write(conn, ctx, now=now)
        return issued

    return await run_in_transaction(conn, command)


async def find_vc_api_credentials(conn: Connection, credential_id: str) -> list[str]:
    """Register ids of the VC API credentials issued under this id (credential.id or options.credentialId)."""
    return await Credentials(conn).find_vc_api_ids(credential_id)
