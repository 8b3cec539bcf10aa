"""Correcting a holder (issue 11): change the name or e-mail, then re-issue the credentials that carry the old name.

`change_holder` is the PATCH: one command that updates the row and records a `holder_changed` event holding the old
and new values (the event log is private: a credential's public history lists only its own status events), so a
correction is audited like any write. The e-mail's uniqueness is the schema's (holders_email_key: 409).

`reissue_holder` puts the corrected name on newly signed documents: every valid credential of the holder whose
subject name is not the holder's current name is renewed with reason `details_corrected` (services.transitions
`renew_in_transaction`, the renewal path: the tier rule is checked again, the successor gets fresh dates and is
linked by `predecessor_id`, the old one becomes superseded, and its verification code, `current` and pages resolve
to the new one). All of it is one transaction, each credential in a savepoint, so one whose rule no longer holds is
reported and leaves the others re-issued. A second call finds no outdated name and does nothing; with an
Idempotency-Key a retry answers exactly what the first call did.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import msgspec

from verify_api.db.credentials import Credentials
from verify_api.db.events import Events
from verify_api.db.holder_reissues import HolderReissues
from verify_api.db.holders import Holders
from verify_api.db.queries import IdempotencyKeyTakenError, transaction
from verify_api.errors import (
    ConflictError,
    HolderNotFoundError,
    IdempotencyConflictError,
    InvalidInputError,
    TierRuleError,
)
from verify_api.services.checkpoints import checkpoint_after_write
from verify_api.services.judgement import judge_stored
from verify_api.services.staff_reads import staff_holder_view
from verify_api.services.transaction import run_in_transaction
from verify_api.services.transitions import StatusChange, renew_in_transaction
from verify_api.staff_schemas import HolderChangeRequest, HolderReissueView, ReissueResult, StaffHolderView

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord, HolderRecord
    from verify_api.services.context import ServiceContext

CORRECTION_REASON = "details_corrected"
_TIER_ORDER = {"AIDA": 0, "CPAP": 1, "CPAA": 2}  # prerequisites first: a CPAP's rule needs the re-issued AIDA


@dataclass(frozen=True)
class ReissueOrigin:
    """Who asks for a re-issue (the API client, None from the CLI), their Idempotency-Key, and a private note."""

    actor: UUID | None = None
    idempotency_key: str | None = None
    note: str | None = None


def _changes(holder: HolderRecord, change: HolderChangeRequest) -> dict[str, dict[str, Any]]:
    """The fields `change` really changes, as {wire name: {"old": ..., "new": ...}}."""
    found: dict[str, dict[str, Any]] = {}
    if not isinstance(change.display_name, msgspec.UnsetType):
        name = change.display_name.strip()
        if not name:
            raise InvalidInputError("displayName must not be blank")
        if name != holder.display_name:
            found["displayName"] = {"old": holder.display_name, "new": name}
    if not isinstance(change.email, msgspec.UnsetType) and change.email != holder.email:
        found["email"] = {"old": holder.email, "new": change.email}
    return found


async def change_holder(  # noqa: PLR0913 (the moment and the actor, keyword-only, beside the change)
    conn: Connection,
    ctx: ServiceContext,
    holder_id: UUID,
    change: HolderChangeRequest,
    *,
    now: datetime,
    actor: UUID | None = None,
) -> StaffHolderView:
    """PATCH /v1/holders/{id}: apply the given fields and record `holder_changed`, in one transaction (nothing is
    written when nothing changes). The credentials keep the name they were signed with until `reissue_holder`."""
    if isinstance(change.display_name, msgspec.UnsetType) and isinstance(change.email, msgspec.UnsetType):
        raise InvalidInputError("give displayName, email or both")

    async def command() -> HolderRecord:
        holder = await Holders(conn).lock(holder_id)
        if holder is None:
            raise HolderNotFoundError(f"no holder has id {holder_id}")
        changes = _changes(holder, change)
        if not changes:
            return holder
        name = changes.get("displayName", {}).get("new", holder.display_name)
        email = changes["email"]["new"] if "email" in changes else holder.email
        updated = await Holders(conn).update_details(holder_id, name, email)
        assert updated is not None, "the row is locked"
        await Events(conn).append(
            kind="holder_changed",
            occurred_at=now,
            actor=actor,
            data={"holder": str(holder_id), "changes": changes},
        )
        await checkpoint_after_write(conn, ctx, now=now)
        return updated

    return staff_holder_view(await run_in_transaction(conn, command))


def _request_hash(holder_id: UUID, note: str | None) -> bytes:
    return hashlib.sha256(msgspec.json.encode(["reissue", str(holder_id), note])).digest()


async def _replay(conn: Connection, origin: ReissueOrigin, request_hash: bytes) -> HolderReissueView | None:
    if origin.actor is None or origin.idempotency_key is None:
        return None
    found = await HolderReissues(conn).get(origin.actor, origin.idempotency_key)
    if found is None:
        return None
    stored_hash, outcome = found
    if stored_hash != request_hash:
        raise IdempotencyConflictError(
            "this Idempotency-Key was already used with a different request; use a new key for a new request"
        )
    return msgspec.convert(outcome, HolderReissueView)


async def recorded_reissue(conn: Connection, actor: UUID, idempotency_key: str) -> HolderReissueView | None:
    """What the re-issue `actor` asked for with this Idempotency-Key answered (None when there was none): the
    console shows it on the page its form redirects to, without re-issuing anything."""
    found = await HolderReissues(conn).get(actor, idempotency_key)
    return msgspec.convert(found[1], HolderReissueView) if found is not None else None


async def _reissue_one(
    conn: Connection, ctx: ServiceContext, record: CredentialRecord, origin: ReissueOrigin, *, now: datetime
) -> ReissueResult:
    verdict = await judge_stored(conn, record, settings=ctx.settings, now=now)
    if not verdict.valid:
        return ReissueResult(
            credential_id=record.id,
            tier=record.tier,
            outcome="not_reissued",
            problem=f"it is {verdict.public_status}; only a valid credential is re-issued",
        )
    change = StatusChange("renew", CORRECTION_REASON, origin.note, origin.actor)
    try:
        async with transaction(conn):  # a savepoint: a refusal undoes only this credential's renewal
            successor = await renew_in_transaction(conn, ctx, record.id, change, now=now)
    except (TierRuleError, ConflictError) as exc:
        return ReissueResult(credential_id=record.id, tier=record.tier, outcome="not_reissued", problem=str(exc))
    return ReissueResult(credential_id=record.id, tier=record.tier, outcome="reissued", new_credential_id=successor.id)


async def reissue_holder(
    conn: Connection, ctx: ServiceContext, holder_id: UUID, *, now: datetime, origin: ReissueOrigin = ReissueOrigin()
) -> HolderReissueView:
    """Re-issue, with reason `details_corrected`, each current credential of the holder that carries another name
    than the holder's, in one transaction (see the module docstring)."""
    request_hash = _request_hash(holder_id, origin.note)
    replay = await _replay(conn, origin, request_hash)
    if replay is not None:
        return replay

    async def command() -> HolderReissueView:
        holder = await Holders(conn).lock(holder_id)  # one correction of a holder at a time
        if holder is None:
            raise HolderNotFoundError(f"no holder has id {holder_id}")
        outdated = [
            r
            for r in await Credentials(conn).holder_records(holder_id)
            if r.status in ("active", "suspended") and r.subject_name != holder.display_name
        ]
        outdated.sort(key=lambda r: (_TIER_ORDER.get(r.tier, 9), r.issued_at, r.id))
        results = [await _reissue_one(conn, ctx, r, origin, now=now) for r in outdated]
        view = HolderReissueView(holder_id=holder.id, display_name=holder.display_name, results=results)
        await checkpoint_after_write(conn, ctx, now=now)
        if origin.actor is not None and origin.idempotency_key is not None:
            await HolderReissues(conn).insert(
                origin.actor, origin.idempotency_key, request_hash, holder_id, msgspec.to_builtins(view), now
            )
        return view

    try:
        return await run_in_transaction(conn, command)
    except IdempotencyKeyTakenError:
        # A concurrent call with the same key committed first; this one rolled back entirely.
        replay = await _replay(conn, origin, request_hash)
        if replay is None:
            raise
        return replay
