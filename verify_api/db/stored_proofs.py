"""Stored documents and their keys, read in pages for the on-demand proof audit (`sql/stored_proofs.sql`)."""

from __future__ import annotations

import msgspec

from verify_api.db.queries import NamedSql, RepositoryBase

SQL = NamedSql("sql/stored_proofs.sql")


class StoredProof(msgspec.Struct, frozen=True):
    id: str
    document: bytes
    signing_key_id: str
    key_multibase: str


class StoredProofs(RepositoryBase):
    async def page(self, after_id: str, limit: int) -> list[StoredProof]:
        """Up to `limit` certifications with ids after `after_id`, in id order."""
        return await self._all(StoredProof, SQL.page, after_id, limit)
