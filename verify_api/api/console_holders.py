"""The console's Holders pages: find a holder (name tolerant of accents, case and word order; e-mail; a verification
code), a holder's page (credentials as the one judgement has them now, assessments, history), and correcting a name or
e-mail.

Reads are services.staff_reads (`search_holders`, `holder_overview`, scope `assess`), the same functions as GET
/v1/holders; the correction is services.corrections (`change_holder`, then `reissue_holder` when asked), scope
`manage`, as PATCH /v1/holders/{id} and POST /v1/holders/{id}/reissue. The re-issue runs under an Idempotency-Key the
page put in its form, so a form sent twice re-issues once; the page the POST redirects to shows that re-issue's
per-credential results (services.corrections `recorded_reissue`: a read, nothing is re-issued by a GET).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode
from uuid import UUID, uuid4

import msgspec
from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from verify_api.api.console import CONSOLE_PATH, actor_of, console_form, console_page, console_route, form_text
from verify_api.api.deps import Call, Conn, RuntimeDep
from verify_api.api.problems import problem_for
from verify_api.errors import HolderNotFoundError, InvalidInputError, NotFoundError, VerifyApiError
from verify_api.services import corrections, staff_reads
from verify_api.services.console_holders import holder_history
from verify_api.staff_schemas import HolderChangeRequest

MAX_SEARCH_CHARS = {"name": staff_reads.MAX_NAME_QUERY, "email": 320, "code": 40, "cursor": 1000}
MAX_KEY_CHARS = 200  # holder_reissues_key_length
DONE = {
    "changed": "Saved. The credentials keep the name they were signed with until they are re-issued.",
    "corrected": "Saved and re-issued: see the results below.",
}


def _search_params(**given: str) -> dict[str, str]:
    params = {k: v.strip() for k, v in given.items() if v.strip()}
    for key, value in params.items():
        if len(value) > MAX_SEARCH_CHARS[key]:
            raise InvalidInputError(f"the {key} searched for is at most {MAX_SEARCH_CHARS[key]} characters")
    return params


@console_route(get, "/holders", scope="assess")
async def console_holders(
    request: Request[Any, Any, Any],
    conn: Conn,
    runtime: RuntimeDep,
    name: FromQuery[str] = "",
    email: FromQuery[str] = "",
    code: FromQuery[str] = "",
    cursor: FromQuery[str] = "",
) -> Template:
    """The search form and, once something is asked, one page of matching holders with a link to the next."""
    shown = {"name": name.strip()[:300], "email": email.strip()[:400], "code": code.strip()[:60]}
    context: dict[str, Any] = {"q": shown, "holders": None, "next_url": None}
    try:
        params = _search_params(name=name, email=email, code=code, cursor=cursor)
        if params:
            query = staff_reads.HolderQuery(
                name=params.get("name"), email=params.get("email"), code=params.get("code"), cursor=params.get("cursor")
            )
            page = await staff_reads.search_holders(conn, runtime, query)
            context["holders"] = page.holders
            if page.next_cursor is not None:
                following = {k: v for k, v in params.items() if k != "cursor"} | {"cursor": page.next_cursor}
                context["next_url"] = f"{CONSOLE_PATH}/holders?{urlencode(following)}"
    except InvalidInputError as exc:
        return console_page(
            request, "console/holders.html", status_code=422, section="holders", error=exc.detail, **context
        )
    return console_page(request, "console/holders.html", section="holders", **context)


def _holder_id(text: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise HolderNotFoundError(f"no holder has the id {text[:40]!r}") from None


async def holder_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    runtime: RuntimeDep,
    holder_id: UUID,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    overview = await staff_reads.holder_overview(conn, runtime, holder_id, now=runtime.clock())
    defaults: dict[str, Any] = {"reissue": None, "form": None}
    return console_page(
        request,
        "console/holder.html",
        status_code=status_code,
        section="holders",
        overview=overview,
        history=await holder_history(conn, holder_id),
        may_correct="manage" in actor_of(request).scopes,
        idempotency_key=str(uuid4()),  # a form sent twice re-issues once
        **(defaults | context),
    )


@console_route(get, "/holders/{holder_id:str}", scope="assess")
async def console_holder(
    request: Request[Any, Any, Any],
    conn: Conn,
    runtime: RuntimeDep,
    holder_id: FromPath[str],
    done: FromQuery[str] = "",
    reissue: FromQuery[str] = "",
) -> Template:
    found = _holder_id(holder_id)
    results = None
    if reissue and len(reissue) <= MAX_KEY_CHARS:
        results = await corrections.recorded_reissue(conn, actor_of(request).staff_id, reissue)
        if results is not None and results.holder_id != found:
            results = None
    return await holder_page(request, conn, runtime, found, notice=DONE.get(done), reissue=results)


def _change_of(form_name: str, form_email: str) -> HolderChangeRequest:
    """The form as the PATCH's body: both fields, an empty e-mail removing it; validated as the API validates."""
    try:
        return msgspec.convert({"displayName": form_name, "email": form_email or None}, HolderChangeRequest)
    except msgspec.ValidationError as exc:
        field = "e-mail" if "email" in str(exc) else "name"
        raise InvalidInputError(f"the {field} is not valid: {exc}") from None


def _idempotency_key(text: str) -> str:
    return text if 1 <= len(text) <= MAX_KEY_CHARS else str(uuid4())


@console_route(post, "/holders/{holder_id:str}/correct", scope="manage", status_code=200)
async def console_correct_holder(
    request: Request[Any, Any, Any], conn: Conn, call: Call, holder_id: FromPath[str]
) -> Response[Any]:
    """Save the name and e-mail (change_holder), then, when the box is ticked, re-issue what carries the old name."""
    found = _holder_id(holder_id)
    form = await console_form(request)
    typed = {"display_name": form_text(form, "display_name"), "email": form_text(form, "email")}
    key = _idempotency_key(form_text(form, "idempotency_key"))
    wants_reissue = form_text(form, "reissue") == "yes"
    try:
        change = _change_of(typed["display_name"], typed["email"])
        await corrections.change_holder(conn, call.ctx, found, change, now=call.now, actor=call.actor)
        if wants_reissue:
            origin = corrections.ReissueOrigin(
                actor=call.actor, idempotency_key=key, note=form_text(form, "note") or None
            )
            await corrections.reissue_holder(conn, call.ctx, found, now=call.now, origin=origin)
    except NotFoundError:
        raise
    except VerifyApiError as exc:
        status, _, title = problem_for(exc)
        if status >= 500:
            raise
        return await holder_page(
            request, conn, call.ctx, found, status_code=status, error=f"{title}: {exc.detail}", form=typed
        )
    if wants_reissue:
        query = urlencode({"done": "corrected", "reissue": key})
        return Redirect(f"{CONSOLE_PATH}/holders/{found}?{query}", status_code=303)
    return Redirect(f"{CONSOLE_PATH}/holders/{found}?done=changed", status_code=303)


HOLDER_HANDLERS = [console_holders, console_holder, console_correct_holder]
