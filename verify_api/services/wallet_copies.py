"""Wallet copies in the register: how a credential delivered to a wallet is judged.

A wallet copy (OID4VCI delivery, services/oid4vci.py) is the holder's certification signed again with
`credentialSubject.id` the wallet key's DID, under an id of its own (a `urn:uuid`). It is one more register entry
(kind 'wallet_copy') but has no status of its own: it carries the certification's status-list entries, and the
register row it is judged by is the certification's (`status_of`), with the copy's own signing facts (its signed
document, when and with which key it was signed). So the one judgement (`domain.verdict.judge_credential`, through
`judge_stored`) answers for both: revoke, suspend or let the certification expire and the copy is judged so on every
path; a copy signed inside a compromised key window is `key_compromised` whatever the certification is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from verify_api.db.credentials import Credentials
from verify_api.db.wallet_copies import WalletCopies

if TYPE_CHECKING:
    from verify_api.db.pool import Connection
    from verify_api.db.records import CredentialRecord


async def wallet_copy_record(conn: Connection, document_id: str | None) -> CredentialRecord | None:
    """The register record a presented wallet copy is judged by, found by the copy's own `id`: the certification
    it shares its status with, read with the copy's document, `issued_at` and signing key. None when `document_id`
    names no wallet copy."""
    if not document_id or not document_id.startswith("urn:uuid:"):
        return None
    copy = await WalletCopies(conn).find_by_document_id(document_id)
    if copy is None:
        return None
    original = await Credentials(conn).get(copy.status_of)
    if original is None:  # the foreign key keeps it; a certification is never deleted
        return None
    return msgspec.structs.replace(
        original,
        document=copy.document,
        cryptosuite=copy.cryptosuite,
        signing_key_id=copy.signing_key_id,
        issued_at=copy.issued_at,
        key_multibase=copy.key_multibase,
        key_compromised_since=copy.key_compromised_since,
        key_created_at=copy.key_created_at,
        key_retired_at=copy.key_retired_at,
    )
