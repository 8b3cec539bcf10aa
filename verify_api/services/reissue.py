"""`verify-api keys reissue`: replace the credentials a key compromise revoked with new ones under the current key.

Each replacement is an ordinary issuance (the tier's rule is checked again, with the held credentials and staff
counts the judgement calls valid) in its own transaction, linked to the credential it replaces (`predecessor_id`),
so the old verification code and `current` resolve to the new credential. Prerequisites go first (AIDA, then CPAP,
CPAA, then the organisations), so a CPAP whose AIDA was also revoked can be re-issued in the same run. Running it
again re-issues only what is still without a replacement.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING

from verify_api.db.credentials import Credentials
from verify_api.db.events import Events
from verify_api.db.signing_keys import SigningKeys
from verify_api.errors import SigningKeyStateError, VerifyApiError
from verify_api.schemas import IssueCredentialRequest
from verify_api.services.checkpoints import checkpoint_after_write
from verify_api.services.issuance import IssueOrigin, issue_in_transaction
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.credentials import ReissueCandidate
    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord
    from verify_api.services.context import ServiceContext


@dataclass(frozen=True)
class Reissued:
    old_id: str
    tier: str
    new_id: str | None  # None when the tier's rule no longer holds (see `problem`)
    problem: str | None = None


async def reissue_compromised(conn: Connection, ctx: ServiceContext, *, now: datetime) -> list[Reissued]:
    """Re-issue, under the context's key, every credential revoked for `key_compromise` that has no replacement yet:
    each one a command of its own (issue, link, event, audit checkpoint in one transaction), so one whose tier rule
    no longer holds leaves the others done."""
    key = ctx.issuer_key
    current = await SigningKeys(conn).get(key.verification_method)
    if current is None or current.retired_at is not None or current.compromised_since is not None:
        raise SigningKeyStateError(
            f"the configured signing key {key.verification_method} is not the active key; "
            "re-issue only under the key `verify-api keys rotate` made active"
        )
    outcomes: list[Reissued] = []
    for old in await Credentials(conn).compromised_without_successor():
        try:
            record = await run_in_transaction(conn, partial(reissue_one, conn, ctx, old, now=now))
        except VerifyApiError as exc:
            outcomes.append(Reissued(old_id=old.id, tier=old.tier, new_id=None, problem=str(exc)))
            continue
        outcomes.append(Reissued(old_id=old.id, tier=old.tier, new_id=record.id))
    return outcomes


async def reissue_one(
    conn: Connection, ctx: ServiceContext, old: ReissueCandidate, *, now: datetime
) -> CredentialRecord:
    """Issue the successor of one compromised credential, link it and record the event and the audit checkpoint;
    the caller owns the transaction."""
    request = IssueCredentialRequest(
        tier=old.tier,
        holder_id=old.holder_id,
        organization_id=old.organization_id,
        cryptosuite=old.cryptosuite,
    )
    record = await issue_in_transaction(conn, ctx, request, now=now, origin=IssueOrigin())
    await Credentials(conn).link_reissued(record.id, old.id)
    await Events(conn).append(
        kind="credential_reissued",
        occurred_at=now,
        credential_id=record.id,
        organization_id=old.organization_id,
        actor=None,
        data={"replaces": old.id, "reason": "key_compromise"},
    )
    await checkpoint_after_write(conn, ctx, now=now)
    return record
