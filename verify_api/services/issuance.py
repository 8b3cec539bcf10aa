"""Issuing a credential: check the tier rule, build the OB 3.0 document, sign it, store it — in one transaction."""

from __future__ import annotations

import asyncio
import hashlib
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING
from uuid import UUID

import msgspec

from verify_api.db.assessments import Assessments
from verify_api.db.credentials import Credentials
from verify_api.db.events import Events
from verify_api.db.holders import Holders
from verify_api.db.idempotency_keys import IdempotencyKeys
from verify_api.db.organizations import Organizations
from verify_api.db.queries import IdempotencyKeyTakenError, VerificationCodeTakenError
from verify_api.db.records import CredentialRecord, NewCredential
from verify_api.domain.codes import new_credential_id, new_verification_code
from verify_api.domain.credential import CredentialDraft, build_unsigned_credential
from verify_api.domain.tier_rules import check_tier_rule
from verify_api.domain.tiers import TIERS, SubjectFacts
from verify_api.errors import (
    CredentialNotFoundError,
    HolderNotFoundError,
    IdempotencyConflictError,
    InvalidInputError,
    OrganizationNotFoundError,
)
from verify_api.observability.metrics import count_issuance, count_status_change
from verify_api.services.checkpoints import checkpoint_after_write
from verify_api.services.context import IssuerKey, usable_signing_key
from verify_api.services.judgement import count_valid_aida_staff, held_credentials
from verify_api.services.status_slots import draw_status_slots, record_status_slots, slot_columns
from verify_api.services.stored_proofs import verify_before_storing
from verify_api.services.transaction import after_commit, run_in_transaction

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.schemas import IssueCredentialRequest
    from verify_api.services.context import ServiceContext
    from verify_api.settings import Settings

_MAX_DRAWS = 8


@dataclass(frozen=True)
class IssueOutcome:
    credential: CredentialRecord
    replayed: bool


def request_fingerprint(request: IssueCredentialRequest) -> bytes:
    return hashlib.sha256(msgspec.json.encode(request)).digest()


def sign_document_sync(unsigned: dict[str, object], key: IssuerKey, cryptosuite: str, now: datetime) -> bytes:
    return msgspec.json.encode(key.sign_sync(unsigned, cryptosuite=cryptosuite, created=now))


@dataclass(frozen=True)
class IssueOrigin:
    """Where an issuance comes from: the API client, its Idempotency-Key, and the credential it renews (if any)."""

    client_id: UUID | None = None
    idempotency_key: str | None = None
    renewing: str | None = None
    renewal_reason: str = "recertified"
    renewal_note: str | None = None  # the operator's private note on the renewal, kept on its event


async def issue_credential(
    conn: Connection,
    ctx: ServiceContext,
    request: IssueCredentialRequest,
    *,
    now: datetime,
    origin: IssueOrigin = IssueOrigin(),
) -> IssueOutcome:
    """POST /v1/credentials: check the tier rule, sign, store, record the Idempotency-Key and write the audit
    checkpoint that falls due, in one transaction; a retry with the same key and body replays the original."""
    fingerprint = request_fingerprint(request)
    client_id, idempotency_key = origin.client_id, origin.idempotency_key
    if idempotency_key is not None and client_id is not None:
        replay = await _replay(conn, client_id, idempotency_key, fingerprint)
        if replay is not None:
            return replay

    async def command() -> CredentialRecord:
        record = await issue_in_transaction(conn, ctx, request, now=now, origin=origin)
        if idempotency_key is not None and client_id is not None:
            await IdempotencyKeys(conn).insert(client_id, idempotency_key, fingerprint, record.id, now)
        await checkpoint_after_write(conn, ctx, now=now)
        return record

    try:
        record = await run_in_transaction(conn, command)
    except IdempotencyKeyTakenError:
        # A concurrent request with the same key committed first; ours rolled back entirely.
        assert client_id is not None
        assert idempotency_key is not None
        replay = await _replay(conn, client_id, idempotency_key, fingerprint)
        if replay is None:
            raise
        return replay
    return IssueOutcome(record, replayed=False)


async def _replay(conn: Connection, client_id: UUID, key: str, fingerprint: bytes) -> IssueOutcome | None:
    found = await IdempotencyKeys(conn).get(client_id, key)
    if found is None:
        return None
    stored_fingerprint, credential_id = found
    if stored_fingerprint != fingerprint:
        raise IdempotencyConflictError(
            "this Idempotency-Key was already used with a different request body; use a new key for a new request"
        )
    credential = await Credentials(conn).get(credential_id)
    if credential is None:
        raise CredentialNotFoundError(credential_id)
    return IssueOutcome(credential, replayed=True)


async def _subject_facts(
    conn: Connection, request: IssueCredentialRequest, now: datetime, settings: Settings
) -> tuple[str, SubjectFacts]:
    info = TIERS[request.tier]
    if info.subject_kind == "person":
        if request.holder_id is None or request.organization_id is not None:
            raise InvalidInputError(f"{request.tier} is a credential for people: give holderId, not organizationId")
        holder = await Holders(conn).get(request.holder_id)
        if holder is None:
            raise HolderNotFoundError(f"no holder has id {request.holder_id}")
        name, staff = holder.display_name, 0
    else:
        if request.organization_id is None or request.holder_id is not None:
            raise InvalidInputError(
                f"{request.tier} is a credential for organisations: give organizationId, not holderId"
            )
        org = await Organizations(conn).get(request.organization_id)
        if org is None:
            raise OrganizationNotFoundError(f"no organisation has id {request.organization_id}")
        expected_kind = "consultancy" if request.tier == "CAI" else "enterprise"
        if org.kind != expected_kind:
            raise InvalidInputError(f"{request.tier} is for {expected_kind} organisations; this one is a {org.kind}")
        name, staff = org.name, await count_valid_aida_staff(conn, org.id, now=now)
    assessments = await Assessments(conn).list_for_subject(
        holder_id=request.holder_id, organization_id=request.organization_id
    )
    # Held credentials and the staff count as the one judgement sees them (services.judgement).
    held = await held_credentials(
        conn, holder_id=request.holder_id, organization_id=request.organization_id, settings=settings, now=now
    )
    facts = SubjectFacts(
        assessments=assessments,
        credentials=held,
        aida_staff_count=staff,
    )
    return name, facts


async def issue_in_transaction(
    conn: Connection,
    ctx: ServiceContext,
    request: IssueCredentialRequest,
    *,
    now: datetime,
    origin: IssueOrigin,
) -> CredentialRecord:
    """Check the rule and store a new signed credential; the caller owns the transaction.

    `origin.renewing` names a credential the caller has just marked superseded: the new one is linked to it.
    """
    settings, client_id, renewing = ctx.settings, origin.client_id, origin.renewing
    subject_name, facts = await _subject_facts(conn, request, now, settings)
    # The document states dates to the second, so the register keeps exactly the same validity instants
    # (issued_at keeps full precision: key service windows and compromise times are compared against it).
    qualification = check_tier_rule(request.tier, facts, ctx.policy, now.replace(microsecond=0))
    predecessor = renewing
    for held in facts.credentials:
        # A lapsed credential of the same tier gives way to the new one; a current one is a conflict (constraint).
        if renewing is None and held.tier == request.tier and held.status == "active" and held.valid_until <= now:
            await Credentials(conn).supersede_lapsed(held.id, now)
            predecessor = held.id
    cryptosuite = request.cryptosuite or settings.default_cryptosuite
    key = await usable_signing_key(conn, ctx.issuer_key, lock=True)
    credential_id = new_credential_id()
    # Slots are claimed before signing, so the document is signed once and its slots cannot collide.
    slots = await draw_status_slots(conn, settings.status_list_size, now)
    draft = CredentialDraft(
        credential_id=credential_id,
        tier=request.tier,
        subject_name=subject_name,
        valid_from=qualification.valid_from,
        valid_until=qualification.valid_until,
        evidence=qualification.evidence,
        status_slots=slots,
    )
    unsigned = build_unsigned_credential(draft, base_url=settings.base_url, issuer_name=settings.issuer_name)
    document = await asyncio.to_thread(sign_document_sync, unsigned, key, cryptosuite, now)
    # The one time the stored proof is verified (never on a read path): before the row exists.
    await verify_before_storing(
        document, signing_key_id=key.verification_method, key_multibase=key.signer.public_key_multibase
    )
    new = NewCredential(
        id=credential_id,
        tier=request.tier,
        holder_id=request.holder_id,
        organization_id=request.organization_id,
        subject_name=subject_name,
        verification_code=new_verification_code(),
        valid_from=qualification.valid_from,
        valid_until=qualification.valid_until,
        document=document,
        cryptosuite=cryptosuite,
        signing_key_id=key.verification_method,
        **slot_columns(slots),
        predecessor_id=predecessor,
        issued_at=now,
        issued_by=client_id,
    )
    await insert_with_fresh_code(conn, new)
    await Assessments(conn).link_to_credential(credential_id, [UUID(a) for a in qualification.assessment_ids])
    issued: dict[str, object] = {
        "tier": request.tier,
        "cryptosuite": cryptosuite,
        "assessments": qualification.assessment_ids,
        "predecessor": predecessor,
    }
    events: list[tuple[str, str, dict[str, object]]] = [("credential_issued", credential_id, issued)]
    if predecessor is not None:
        reason = origin.renewal_reason if renewing else "lapsed_reissued"
        superseded: dict[str, object] = {"reason": reason, "successor": credential_id}
        if renewing and origin.renewal_note is not None:
            superseded["note"] = origin.renewal_note  # private, as a status change's (the history shows it to staff)
        events.insert(0, ("credential_superseded", predecessor, superseded))
    for kind, subject_id, data in events:  # the predecessor's supersession first, as the history reads
        await Events(conn).append(
            kind=kind,
            occurred_at=now,
            credential_id=subject_id,
            organization_id=request.organization_id,
            actor=client_id,
            data=data,
        )
    after_commit(partial(count_issuance, request.tier))
    if predecessor is not None:
        after_commit(partial(count_status_change, "credential_superseded"))
    await record_status_slots(conn, slots)
    record = await Credentials(conn).get(credential_id)
    assert record is not None
    return record


async def insert_with_fresh_code(conn: Connection, new: NewCredential) -> None:
    """Insert the row; a verification-code collision draws another code (the code is not in the signed document,
    so nothing is signed again). A certification's slots were claimed before signing and cannot collide."""
    for _ in range(_MAX_DRAWS):
        try:
            async with conn.transaction():  # a savepoint: a collision undoes only this attempt
                await Credentials(conn).insert(new)
        except VerificationCodeTakenError:
            if new.verification_code is None:
                raise
            new = msgspec.structs.replace(new, verification_code=new_verification_code())
            continue
        return
    raise VerificationCodeTakenError("could not draw a free verification code")
