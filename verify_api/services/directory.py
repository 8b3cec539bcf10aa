"""The public directory of holders (issue 13): holders who chose to be listed, each with their current valid
credentials, searchable by name (the staff search's tolerance: accents, case, word order, a typo) and by tier.

Only what the badge pages already make public is shown (name, tier, validity, the page link). SQL narrows to listed
holders with a listed credential stored active; every credential shown is one the one judgement finds valid now
(services.judgement.judge_stored), so an expired, suspended or revoked one never appears, whatever is stored. Pages
are keyset pages (services.paging), filled by judging candidates in order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from uuid import UUID

from verify_api.db.credentials import Credentials
from verify_api.db.directory import Directory, DirectoryCandidate
from verify_api.db.holder_privacy import HolderPrivacy
from verify_api.domain.tiers import TIERS
from verify_api.errors import InvalidInputError
from verify_api.services.judgement import judge_stored
from verify_api.services.paging import cursor_key, decode_cursor, encode_cursor, query_fingerprint, scan_page

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.services.context import ServiceContext

MAX_NAME_QUERY = 200
PERSON_TIERS = tuple(code for code, info in TIERS.items() if info.subject_kind == "person")
PAGE_SIZE = 20


@dataclass(frozen=True)
class DirectoryCredential:
    id: str
    tier: str
    title: str
    valid_until: datetime
    url: str


@dataclass(frozen=True)
class DirectoryEntry:
    display_name: str
    credentials: list[DirectoryCredential]


@dataclass(frozen=True)
class DirectoryPage:
    entries: list[DirectoryEntry]
    next_cursor: str | None


async def listed_credentials(
    conn: Connection, ctx: ServiceContext, holder_id: UUID, tier: str | None, *, now: datetime
) -> list[DirectoryCredential]:
    """The holder's listed credentials (of `tier`) that the one judgement finds valid now, newest first."""
    choices = {c.credential_id: c for c in await HolderPrivacy(conn).credential_choices(holder_id)}
    shown: list[DirectoryCredential] = []
    for record in reversed(await Credentials(conn).holder_records(holder_id)):
        choice = choices.get(record.id)
        if choice is None or not choice.listed or (tier is not None and record.tier != tier):
            continue
        verdict = await judge_stored(conn, record, settings=ctx.settings, now=now)
        if verdict.valid:
            url = f"/c/{record.id}"  # its badge page
            shown.append(DirectoryCredential(record.id, record.tier, TIERS[record.tier].title, record.valid_until, url))
    return shown


async def search_directory(  # noqa: PLR0913 (the query's parts, keyword-only)
    conn: Connection,
    ctx: ServiceContext,
    *,
    name: str | None,
    tier: str | None,
    cursor: str | None,
    now: datetime,
    limit: int = PAGE_SIZE,
) -> DirectoryPage:
    name = (name or "").strip() or None
    if name is not None and len(name) > MAX_NAME_QUERY:
        raise InvalidInputError(f"the name is at most {MAX_NAME_QUERY} characters")
    if tier is not None and tier not in PERSON_TIERS:
        raise InvalidInputError(f"`tier` is one of {', '.join(PERSON_TIERS)}")
    fingerprint = query_fingerprint("directory", [name, tier])
    position = decode_cursor(cursor, fingerprint)
    directory = Directory(conn)

    async def keep(candidate: DirectoryCandidate) -> DirectoryEntry | None:
        shown = await listed_credentials(conn, ctx, candidate.id, tier, now=now)
        return DirectoryEntry(candidate.display_name, shown) if shown else None

    if name is not None:
        query = name

        async def fetch_ranked(after: tuple[Any, ...] | None, size: int) -> tuple[list[DirectoryCandidate], bool]:
            at = (int(after[0]), UUID(str(after[1]))) if after is not None else None
            found = await directory.listed_search(tier, query, at, size)
            return found, len(found) == size

        page = await scan_page(
            fetch_ranked, keep, lambda c: (c.rank, str(c.id)), after=cursor_key(position, (int, UUID)), limit=limit
        )
    else:

        async def fetch_by_name(after: tuple[Any, ...] | None, size: int) -> tuple[list[DirectoryCandidate], bool]:
            at = (str(after[0]), UUID(str(after[1]))) if after is not None else None
            found = await directory.listed_page(tier, at, size)
            return found, len(found) == size

        page = await scan_page(
            fetch_by_name,
            keep,
            lambda c: (c.sort_name, str(c.id)),
            after=cursor_key(position, (str, UUID)),
            limit=limit,
        )
    next_cursor = encode_cursor(fingerprint, page.next_key) if page.next_key is not None else None
    return DirectoryPage(page.items, next_cursor)
