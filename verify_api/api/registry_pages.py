"""The registry's HTML page: `/registry`, search with filters and paging (issue 14).

Same search as `GET /v1/organizations` (services/registry_search.py). A browser sends whatever is in the address
bar, so a filter value the page does not offer is ignored (the JSON API answers 400 for it instead).
"""

from __future__ import annotations

import re
from typing import Literal, cast
from urllib.parse import urlencode

from litestar import get
from litestar.params import FromQuery
from litestar.response import Template

from verify_api.api.deps import Conn, Now, RuntimeDep
from verify_api.api.pages import render
from verify_api.schemas import RegistryStatusFilter
from verify_api.services import registry_search
from verify_api.services.registry_search import MAX_OFFSET, RegistryQuery

PAGE_SIZE = 20
MAX_QUERY = 100
DESIGNATIONS = ("CAI", "CAE")
STATUSES: dict[str, str] = {"certified": "Certified", "at-risk": "Certified, at risk", "not-certified": "Not certified"}
COUNTRY = re.compile(r"[A-Z]{2}")


def page_query(q: str, designation: str, country: str, status: str, page: str) -> RegistryQuery:
    """The search the page's address asks for; values the form does not offer are dropped."""
    number = int(page) if page.isdigit() and len(page) < 6 else 1
    offset = min(max(number - 1, 0) * PAGE_SIZE, MAX_OFFSET)
    country = country.strip().upper()
    return RegistryQuery(
        text=q.strip()[:MAX_QUERY],
        designation=cast("Literal['CAI', 'CAE']", designation) if designation in DESIGNATIONS else None,
        country=country if COUNTRY.fullmatch(country) else None,
        status=cast("RegistryStatusFilter", status) if status in STATUSES else None,
        offset=offset,
        limit=PAGE_SIZE,
    )


def page_link(query: RegistryQuery, offset: int) -> str:
    params = {
        "q": query.text,
        "designation": query.designation or "",
        "country": query.country or "",
        "status": query.status or "",
        "page": str(offset // PAGE_SIZE + 1),
    }
    return "/registry?" + urlencode({k: v for k, v in params.items() if v and not (k == "page" and v == "1")})


@get("/registry", include_in_schema=False)
async def registry_page(
    conn: Conn,
    runtime: RuntimeDep,
    now: Now,
    q: FromQuery[str] = "",
    designation: FromQuery[str] = "",
    country: FromQuery[str] = "",
    status: FromQuery[str] = "",
    page: FromQuery[str] = "1",
) -> Template:
    query = page_query(q, designation, country, status, page)
    found = await registry_search.search_registry(
        conn, query, key=runtime.issuer_key, settings=runtime.settings, now=now
    )
    return render(
        "registry.html",
        section="registry",
        query=query.text,
        filters=query,
        designations=DESIGNATIONS,
        statuses=STATUSES,
        results=found.results,
        page_number=query.offset // PAGE_SIZE + 1,
        previous_url=page_link(query, query.offset - PAGE_SIZE) if query.offset else None,
        next_url=page_link(query, found.next_offset) if found.next_offset is not None else None,
    )
