"""The console's work queues (scope `assess`): the certified organisations by standing (good, at risk, suspended)
and the pending queue (evidence on record that meets a tier's rule, with no current credential of that tier).

Both are services.work_queues (`list_organization_standings`, `list_pending`), the functions behind GET
/v1/organization-standings and GET /v1/assessments/pending; each page is one cursor page, with a "next" link keeping
the filter.
"""

from __future__ import annotations

from typing import Any, TypeVar, get_args
from urllib.parse import urlencode

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Template

from verify_api.api.console import CONSOLE_PATH, console_page, console_route
from verify_api.api.deps import Conn, RuntimeDep
from verify_api.domain.tiers import TIERS, Tier
from verify_api.errors import InvalidInputError
from verify_api.services import work_queues
from verify_api.staff_schemas import Standing

C = TypeVar("C", bound=str)
MAX_CURSOR_CHARS = 1000
STANDINGS: tuple[Standing, ...] = get_args(Standing)
TIER_CODES: tuple[Tier, ...] = get_args(Tier)


def _choice(value: str, choices: tuple[C, ...], what: str) -> C | None:
    if not value:
        return None
    for choice in choices:
        if choice == value:
            return choice
    raise InvalidInputError(f"{what} must be one of {', '.join(choices)}; got {value[:40]!r}")


def _next_url(path: str, filters: dict[str, str | None], next_cursor: str | None) -> str | None:
    if next_cursor is None:
        return None
    query = {k: v for k, v in filters.items() if v} | {"cursor": next_cursor}
    return f"{CONSOLE_PATH}/{path}?{urlencode(query)}"


def _cursor(text: str) -> str | None:
    if len(text) > MAX_CURSOR_CHARS:
        raise InvalidInputError(f"the cursor is at most {MAX_CURSOR_CHARS} characters")
    return text or None


@console_route(get, "/organisations", scope="assess")
async def console_organisations(
    request: Request[Any, Any, Any],
    conn: Conn,
    runtime: RuntimeDep,
    standing: FromQuery[str] = "",
    cursor: FromQuery[str] = "",
) -> Template:
    context: dict[str, Any] = {"standings": STANDINGS, "chosen": standing[:40], "organisations": [], "next_url": None}
    try:
        wanted = _choice(standing, STANDINGS, "standing")
        query = work_queues.StandingQuery(standing=wanted, cursor=_cursor(cursor))
        page = await work_queues.list_organization_standings(conn, runtime, query, now=runtime.clock())
    except InvalidInputError as exc:
        return console_page(
            request, "console/organisations.html", status_code=422, section="organisations", error=exc.detail, **context
        )
    context |= {
        "organisations": page.organizations,
        "next_url": _next_url("organisations", {"standing": wanted}, page.next_cursor),
    }
    return console_page(request, "console/organisations.html", section="organisations", **context)


@console_route(get, "/pending", scope="assess")
async def console_pending(
    request: Request[Any, Any, Any],
    conn: Conn,
    runtime: RuntimeDep,
    tier: FromQuery[str] = "",
    cursor: FromQuery[str] = "",
) -> Template:
    context: dict[str, Any] = {
        "tiers": TIER_CODES,
        "chosen": tier[:40],
        "pending": [],
        "next_url": None,
        "titles": {code: info.title for code, info in TIERS.items()},
    }
    try:
        wanted = _choice(tier, TIER_CODES, "tier")
        query = work_queues.PendingQuery(tier=wanted, cursor=_cursor(cursor))
        page = await work_queues.list_pending(conn, runtime, query, now=runtime.clock())
    except InvalidInputError as exc:
        return console_page(
            request, "console/pending.html", status_code=422, section="pending", error=exc.detail, **context
        )
    context |= {"pending": page.pending, "next_url": _next_url("pending", {"tier": wanted}, page.next_cursor)}
    return console_page(request, "console/pending.html", section="pending", **context)


WORK_QUEUE_HANDLERS = [console_organisations, console_pending]
