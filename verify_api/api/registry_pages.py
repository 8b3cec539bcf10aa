"""The registry's HTML page: `/registry`, search with filters and paging (issue 14).

Same search as `GET /v1/organizations` (services/registry_search.py). A browser sends whatever is in the address
bar, so a filter value the page does not offer is ignored (the JSON API answers 400 for it instead).
"""

from __future__ import annotations

import re
from typing import Any, Literal, cast
from urllib.parse import urlencode

from litestar import Request, Response, get, post
from litestar.datastructures import UploadFile
from litestar.params import FromQuery
from litestar.response import Template

from verify_api.api.deps import Conn, Now, RuntimeDep
from verify_api.api.pages import render
from verify_api.errors import InvalidInputError
from verify_api.schemas import RegistryStatusFilter
from verify_api.services import registry_check, registry_search
from verify_api.services.registry_search import MAX_OFFSET, RegistryQuery

PAGE_SIZE = 20
MAX_LIST_BYTES = 20_000
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
    found = await registry_search.search_registry(conn, runtime, query, now=now)
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


@get("/registry/check", include_in_schema=False)
async def registry_check_page() -> Template:
    return render("registry_check.html", section="registry", entries="", rows=None, error=None)


@post("/registry/check", include_in_schema=False, status_code=200, opt={"public": True})
async def registry_check_submission(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, now: Now
) -> Template | Response[str]:
    """A pasted or uploaded list checked against the registry: a table, or the CSV when `format=csv`."""
    try:
        form = await request.form()
    except UnicodeDecodeError:
        return _check_error("", "A form field is not UTF-8 text; paste the list again.", 400)
    upload, pasted = form.get("list"), form.get("entries")
    text = pasted if isinstance(pasted, str) else ""
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_LIST_BYTES + 1)
        if len(raw) > MAX_LIST_BYTES:
            return _check_error(text, f"The file is over {MAX_LIST_BYTES // 1000} kB; check 50 names at a time.", 413)
        try:
            text = raw.decode("utf-8-sig")
        except UnicodeDecodeError:
            return _check_error(text, "The file is not UTF-8 text: save it as CSV or plain text (UTF-8).", 400)
    try:
        entries = registry_check.entries_from_text(text)
    except InvalidInputError as error:
        return _check_error(text, f"{str(error)[:1].upper()}{str(error)[1:]}.", 422)
    view = await registry_check.check_registry_list(conn, runtime, entries, now=now)
    if form.get("format") == "csv":
        return Response(
            registry_check.registry_check_csv(view, runtime.settings.base_url),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": 'attachment; filename="pai-registry-check.csv"'},
        )
    return render("registry_check.html", section="registry", entries="\n".join(entries), rows=view.rows, error=None)


def _check_error(entries: str, detail: str, status_code: int) -> Template:
    return render(
        "registry_check.html", status_code, section="registry", entries=entries[:6000], rows=None, error=detail
    )
