"""The registry's bulk check (issue 14): a list of supplier names or ids, each with its best match and status.

Each entry is one registry search (services/registry_search.py: tolerant names, exact ids), so its status is the
one the registry shows, from the one judgement; the CSV is the same rows for a spreadsheet.
"""

from __future__ import annotations

import csv
import io
from typing import TYPE_CHECKING, Literal

from verify_api.errors import InvalidInputError
from verify_api.schemas import RegistryCheckRow, RegistryCheckView, RegistryEntryView
from verify_api.services.registry_search import RegistryQuery, search_registry

if TYPE_CHECKING:
    from datetime import datetime

    from verify_api.db.pool import Connection
    from verify_api.services.context import ServiceContext

MAX_ENTRIES = 50
MAX_ENTRY_CHARS = 100
CSV_HEADER = ["entry", "matched organisation", "organisation id", "designations", "status", "at risk since",
              "suspends on", "registry page"]  # fmt: skip


def entries_from_text(text: str) -> list[str]:
    """The entries of a pasted or uploaded list: one per line (or per cell of a one-column CSV), blanks dropped."""
    entries = [line.strip().strip('"').strip() for line in text.splitlines()]
    entries = [entry for entry in entries if entry]
    if not entries:
        raise InvalidInputError("the list is empty: put one organisation name or id per line")
    if len(entries) > MAX_ENTRIES:
        raise InvalidInputError(f"the list has {len(entries)} entries; check at most {MAX_ENTRIES} at a time")
    too_long = next((entry for entry in entries if len(entry) > MAX_ENTRY_CHARS), None)
    if too_long is not None:
        raise InvalidInputError(f"an entry is longer than {MAX_ENTRY_CHARS} characters: {too_long[:40]!r}…")
    return entries


def row_status(entry: RegistryEntryView | None) -> Literal["certified", "at-risk", "not-certified", "no match"]:
    if entry is None:
        return "no match"
    if entry.certification_status != "certified":
        return "not-certified"
    return "at-risk" if entry.standing is not None and entry.standing.at_risk else "certified"


async def check_registry_list(
    conn: Connection, ctx: ServiceContext, entries: list[str], *, now: datetime
) -> RegistryCheckView:
    """Each entry's best registry match (as `GET /v1/organizations?q=<entry>&limit=1` would give it)."""
    rows = []
    for entry in entries:
        found = await search_registry(conn, ctx, RegistryQuery(text=entry, limit=1), now=now)
        match = found.results[0] if found.results else None
        rows.append(RegistryCheckRow(entry=entry, match=match, status=row_status(match)))
    return RegistryCheckView(rows=rows)


def _spreadsheet_safe(value: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP CSV injection): a leading = + - @ is quoted away."""
    return f"'{value}" if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def registry_check_csv(view: RegistryCheckView, base_url: str) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_HEADER)
    for row in view.rows:
        match = row.match
        standing = match.standing if match is not None else None
        writer.writerow([
            _spreadsheet_safe(row.entry),
            _spreadsheet_safe(match.name) if match else "",
            str(match.id) if match else "",
            " ".join(sorted({c.tier for c in match.credentials})) if match else "",
            row.status,
            standing.since.date().isoformat() if standing and standing.since else "",
            standing.suspends_at.date().isoformat() if standing and standing.suspends_at else "",
            f"{base_url}/registry?q={match.id}" if match else "",
        ])  # fmt: skip
    return out.getvalue()
