"""Console home (credential lookup by id, link or verification code) and a credential's page with its actions.

The page shows the credential as the one judgement has it (services.lookup, as the public page), its stored status
and its history with reasons, notes and who acted. Suspend, reinstate, revoke and renew are forms posting to the
same lifecycle services as the API's routes (services.lifecycle), with the reason sets the API uses
(domain.lifecycle.REASONS), scope `manage`; the result is shown after a redirect (POST-redirect-GET), an error on
the page itself (409 for a change the status does not allow, 422 for a bad reason or a tier rule).
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from verify_api.api.console import CONSOLE_PATH, actor_of, console_form, console_page, console_route, form_text
from verify_api.api.deps import Call, Conn, RuntimeDep
from verify_api.api.problems import problem_for
from verify_api.domain.lifecycle import Action
from verify_api.errors import CredentialNotFoundError, InvalidInputError, NotFoundError, VerifyApiError
from verify_api.services import lifecycle
from verify_api.services.console_credentials import ACTIONS, staff_credential
from verify_api.services.pages import resolve_typed_reference
from verify_api.services.transitions import StatusChange

MAX_QUERY_CHARS = 1100
DONE = {
    "suspend": "Suspended.",
    "reinstate": "Reinstated.",
    "revoke": "Revoked.",
    "renew": "Renewed: this is the successor.",
}


@console_route(get, "/", scope="assess")
async def console_home(request: Request[Any, Any, Any]) -> Template:
    return console_page(request, "console/home.html", section="credentials", q="")


@console_route(get, "/lookup", scope="assess")
async def console_lookup(request: Request[Any, Any, Any], conn: Conn, q: FromQuery[str] = "") -> Response[Any]:
    """The credential with this id, link or verification code: a redirect to its page, or the home page saying
    what is wrong."""
    q = q.strip()[:MAX_QUERY_CHARS]
    if not q:
        return console_page(
            request,
            "console/home.html",
            status_code=422,
            section="credentials",
            q=q,
            error="Type a credential id, its link or its verification code.",
        )
    try:
        credential_id = await resolve_typed_reference(conn, q)
    except (InvalidInputError, NotFoundError) as exc:
        status = 404 if isinstance(exc, NotFoundError) else 422
        return console_page(
            request, "console/home.html", status_code=status, section="credentials", q=q, error=exc.detail
        )
    return Redirect(f"{CONSOLE_PATH}/credentials/{credential_id}", status_code=303)


async def credential_page(
    request: Request[Any, Any, Any],
    conn: Conn,
    runtime: RuntimeDep,
    credential_id: str,
    *,
    status_code: int = 200,
    **context: Any,
) -> Template:
    found = await staff_credential(conn, runtime, credential_id, now=runtime.clock())
    may_act = "manage" in actor_of(request).scopes
    return console_page(
        request,
        "console/credential.html",
        status_code=status_code,
        section="credentials",
        credential=found,
        may_act=may_act,
        **context,
    )


@console_route(get, "/credentials/{credential_id:str}", scope="assess")
async def console_credential(
    request: Request[Any, Any, Any],
    conn: Conn,
    runtime: RuntimeDep,
    credential_id: FromPath[str],
    done: FromQuery[str] = "",
) -> Template:
    return await credential_page(request, conn, runtime, credential_id, notice=DONE.get(done))


@console_route(post, "/credentials/{credential_id:str}/{action:str}", scope="manage", status_code=200)
async def console_credential_action(
    request: Request[Any, Any, Any],
    conn: Conn,
    call: Call,
    credential_id: FromPath[str],
    action: FromPath[str],
) -> Response[Any]:
    """One status change through the lifecycle services, as the staff member who asked (the event's actor)."""
    chosen = _action(action)
    form = await console_form(request)
    note = form_text(form, "note") or None
    change = StatusChange(chosen, form_text(form, "reason"), note, call.actor)  # the staff member (api.deps)
    try:
        if chosen == "renew":
            record = await lifecycle.renew_credential(conn, call.ctx, credential_id, change, now=call.now)
        else:
            record = await lifecycle.change_status(conn, call.ctx, credential_id, change, now=call.now)
    except NotFoundError:
        raise
    except VerifyApiError as exc:
        status, _, title = problem_for(exc)
        if status >= 500:
            raise
        return await credential_page(
            request, conn, call.ctx, credential_id, status_code=status, error=f"{title}: {exc.detail}"
        )
    return Redirect(f"{CONSOLE_PATH}/credentials/{record.id}?done={chosen}", status_code=303)


def _action(text: str) -> Action:
    for action in ACTIONS:
        if action == text:
            return action
    raise CredentialNotFoundError(f"a credential has no action {text[:40]!r}; use one of {', '.join(ACTIONS)}")


CREDENTIAL_HANDLERS = [console_home, console_lookup, console_credential, console_credential_action]
