"""Constraint violations come out of every store as domain errors, translated once by db.queries.RepositoryBase."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from uuid import uuid4

import asyncpg
import pytest

from verify_api.db.holders import Holders
from verify_api.db.organizations import Organizations
from verify_api.db.records import HolderRecord, OrganizationRecord, StatusListRecord
from verify_api.db.signing_keys import SigningKeys
from verify_api.db.status_lists import StatusLists
from verify_api.errors import ConflictError, HolderNotFoundError, InvalidInputError

if TYPE_CHECKING:
    from verify_api.db.pool import Connection

NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _holder(email: str | None, name: str = "Ada Lovelace") -> HolderRecord:
    return HolderRecord(id=uuid4(), display_name=name, email=email, public_listing=False, created_at=NOW)


async def test_a_unique_violation_becomes_the_conflict_it_means(conn: Connection) -> None:
    email = f"{uuid4().hex}@example.org"
    await Holders(conn).insert(_holder(email))
    with pytest.raises(ConflictError, match="a holder with that email already exists") as caught:
        await Holders(conn).insert(_holder(email))
    assert caught.value.data["constraint"] == "holders_email_key"


async def test_a_foreign_key_violation_names_the_missing_row(conn: Connection) -> None:
    org = OrganizationRecord(id=uuid4(), name="Acme", kind="consultancy", website=None, country="GB", created_at=NOW)
    await Organizations(conn).insert(org)
    with pytest.raises(HolderNotFoundError):
        await Organizations(conn).link_staff(org.id, uuid4(), "lead", NOW)


async def test_a_check_violation_is_invalid_input_naming_the_rule(conn: Connection) -> None:
    with pytest.raises(InvalidInputError, match="holders_display_name_length"):
        await Holders(conn).insert(_holder(None, name=""))
    bad = StatusListRecord(id="NOT-A-LIST-ID", purpose="revocation", size=131072, created_at=NOW)
    with pytest.raises(InvalidInputError, match="status_lists_id_shape"):
        await StatusLists(conn).insert(bad)


async def test_a_violation_without_a_domain_meaning_stays_what_it_is(conn: Connection) -> None:
    kid = f"did:web:example.org#{uuid4().hex}"
    await SigningKeys(conn).insert(kid, "z6Mk", NOW)
    with pytest.raises(asyncpg.UniqueViolationError):
        await SigningKeys(conn).insert(kid, "z6Mk", NOW)
