"""A signed-in holder adding one of their own credentials to a wallet (issue 13): an OID4VCI credential offer made
from /me (services.credential_offers does the offer; this checks it is the holder's and records that they asked).

Another holder's credential id gets the same answer as an unknown one (`CredentialNotFoundError`), so /me never
tells one holder which ids exist. The request is a `wallet_offer_requested` event on the credential (in the
holder's history, beside its issuance and status changes); the event holds the offer's id, never its codes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from verify_api.db.credentials import Credentials
from verify_api.db.events import Events
from verify_api.errors import CredentialNotFoundError
from verify_api.services.checkpoints import checkpoint_after_write
from verify_api.services.credential_offers import create_credential_offer
from verify_api.services.transaction import run_in_transaction

if TYPE_CHECKING:
    from datetime import datetime
    from uuid import UUID

    from verify_api.db.pool import Connection
    from verify_api.services.context import ServiceContext
    from verify_api.services.credential_offers import CredentialOffer

OFFERED_EVENT = "wallet_offer_requested"  # not credential_*: status replays (status_lists.sql) read those


# PLR0913: connection, context, whose and which credential, then keyword-only: the moment and the tx_code choice
async def offer_own_credential(  # noqa: PLR0913
    conn: Connection,
    ctx: ServiceContext,
    holder_id: UUID,
    credential_id: str,
    *,
    now: datetime,
    with_tx_code: bool,
) -> CredentialOffer:
    """The offer for the holder's own credential, and its event, in one transaction (refused: nothing written)."""

    async def command() -> CredentialOffer:
        record = await Credentials(conn).get(credential_id)
        if record is None or record.holder_id != holder_id:
            raise CredentialNotFoundError(f"no credential {credential_id}")  # the unknown id's answer, word for word
        offer = await create_credential_offer(conn, ctx, credential_id, now=now, with_tx_code=with_tx_code)
        await Events(conn).append(
            kind=OFFERED_EVENT,
            occurred_at=now,
            credential_id=credential_id,
            data={"holder": str(holder_id), "by": "holder", "offer": str(offer.offer_id), "txCode": with_tx_code},
        )
        await checkpoint_after_write(conn, ctx, now=now)
        return offer

    return await run_in_transaction(conn, command)
