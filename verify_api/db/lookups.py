"""The public lookup's reads (`sql/lookups.sql`): a certification with everything its public answer reads, in one
statement, by id or by verification code. What the answer *says* is the judgement's (services.lookup); nothing here
decides validity."""

from __future__ import annotations

from typing import TYPE_CHECKING

import msgspec

from verify_api.db.credentials import PrerequisiteState
from verify_api.db.queries import NamedSql, RepositoryBase
from verify_api.db.records import CredentialRecord
from verify_api.domain.tiers import TIERS

if TYPE_CHECKING:
    from datetime import datetime

    import asyncpg

    from verify_api.domain.lifecycle import StoredStatus

SQL = NamedSql("sql/lookups.sql")

# The tier -> builds-on table the statement joins against (domain.tiers is the one place it is written).
_BUILT_ON = [(code, info.builds_on) for code, info in TIERS.items() if info.builds_on is not None]
_TIER_CODES = [code for code, _ in _BUILT_ON]
_BUILDS_ON = [str(builds_on) for _, builds_on in _BUILT_ON]


class LookupRow(msgspec.Struct, frozen=True):
    """A certification as the public lookup reads it: the register row (its document left empty), the holder's
    newest prerequisite credential (None when the tier builds on nothing or none is on record), and for a
    superseded one its successor and the newest credential of its chain."""

    record: CredentialRecord
    prerequisite: PrerequisiteState | None
    successor_id: str | None
    newest_id: str | None


_RECORD_FIELDS = CredentialRecord.__struct_fields__


def _lookup_row(row: asyncpg.Record) -> LookupRow:
    record = msgspec.convert({name: row[name] for name in _RECORD_FIELDS}, CredentialRecord)
    prerequisite = None
    builds_on = TIERS[record.tier].builds_on
    if row["prerequisite_found"] and builds_on is not None:
        status: StoredStatus = row["prerequisite_status"]
        valid_until: datetime = row["prerequisite_valid_until"]
        prerequisite = PrerequisiteState(
            tier=builds_on,
            status=status,
            status_reason=row["prerequisite_reason"],
            status_changed_at=row["prerequisite_changed_at"],
            valid_until=valid_until,
        )
    return LookupRow(record, prerequisite, row["successor_id"], row["newest_id"])


class Lookups(RepositoryBase):
    async def by_id(self, credential_id: str) -> LookupRow | None:
        row = await self._fetchrow(SQL.by_id, credential_id, _TIER_CODES, _BUILDS_ON)
        return None if row is None else _lookup_row(row)

    async def by_code(self, code: str) -> LookupRow | None:
        """The newest credential of the chain `code` was printed for."""
        row = await self._fetchrow(SQL.by_code, code, _TIER_CODES, _BUILDS_ON)
        return None if row is None else _lookup_row(row)
