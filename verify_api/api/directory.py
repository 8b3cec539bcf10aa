"""The public directory's page, /directory (services.directory): holders who chose to be listed, with their current
valid credentials; search by name and tier, pages by cursor. A browser sends whatever is in the address bar, so a
tier the page does not offer is ignored, and a stale cursor starts again from the first page."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template

from verify_api.api.deps import Conn, RuntimeDep
from verify_api.api.pages import render
from verify_api.errors import InvalidInputError
from verify_api.services.directory import MAX_NAME_QUERY, PERSON_TIERS, search_directory


@get("/directory", include_in_schema=False)
async def directory_page(
    conn: Conn, runtime: RuntimeDep, q: FromQuery[str] = "", tier: FromQuery[str] = "", cursor: FromQuery[str] = ""
) -> Template:
    name = q.strip()[:MAX_NAME_QUERY]
    chosen = tier if tier in PERSON_TIERS else None
    now = runtime.clock()
    try:
        page = await search_directory(conn, runtime, name=name, tier=chosen, cursor=cursor[:500] or None, now=now)
    except InvalidInputError:  # a cursor of another search, or mangled
        page = await search_directory(conn, runtime, name=name, tier=chosen, cursor=None, now=now)
    params: dict[str, Any] = {"q": name, "tier": chosen or ""}
    next_link = None
    if page.next_cursor is not None:
        next_link = "/directory?" + urlencode({k: v for k, v in {**params, "cursor": page.next_cursor}.items() if v})
    return render(
        "directory.html", section="directory", page=page, q=name, tier=chosen or "", tiers=PERSON_TIERS,
        next_link=next_link,
    )  # fmt: skip
