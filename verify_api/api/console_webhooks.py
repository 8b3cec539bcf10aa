"""The console's Webhooks page (scope `manage`): the subscriptions (list, create, disable) and a subscription's
delivery log with a Redeliver button per delivery, through services.webhooks, as the API's /v1/webhooks and
/v1/deliveries/{id}/redeliver routes. A new subscription's signing secret is shown once, on the page that answers
the creating POST (as a new API key's is), with Cache-Control: no-store; the forms that change something answer with
a redirect (POST-redirect-GET).

The subscriptions page lists every subscription, the disabled ones (an API DELETE disables) after the active, each
marked with its state. The delivery log is read a page at a time, newest first, with an "Older deliveries" link
carrying a keyset cursor (services.paging: the last delivery's created_at and id, bound to its subscription), so a
page never repeats or skips a delivery however many are added meanwhile."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode
from uuid import UUID

from litestar import Request, Response, get, post
from litestar.params import FromPath, FromQuery
from litestar.response import Redirect, Template

from verify_api.api.console import CONSOLE_PATH, actor_of, console_form, console_page, console_route, form_text
from verify_api.api.deps import Conn, RuntimeDep
from verify_api.errors import DeliveryNotFoundError, InvalidInputError, SubscriptionNotFoundError, VerifyApiError
from verify_api.services import webhooks
from verify_api.services.paging import cursor_key, decode_cursor, encode_cursor, query_fingerprint

WEBHOOKS_PATH = f"{CONSOLE_PATH}/webhooks"
MAX_DESCRIPTION = 200  # as the API's CreateWebhookRequest
LOG_PAGE = 50  # deliveries per page of the log
MAX_CURSOR = 300
DONE = {
    "disabled": "The subscription was disabled: nothing more is sent to it; its delivery log stays readable.",
    "redelivered": "The delivery is queued to be sent again now, with the same webhook-id.",
}


def _uuid(text: str, error: type[VerifyApiError], noun: str) -> UUID:
    try:
        return UUID(text)
    except ValueError:
        raise error(f"no {noun} has the id {text[:40]!r}") from None


async def webhooks_page(
    request: Request[Any, Any, Any], conn: Conn, *, status_code: int = 200, **context: Any
) -> Template:
    defaults: dict[str, Any] = {"created": None, "event_types": webhooks.EVENT_TYPES, "chosen": (), "form": {}}
    return console_page(
        request,
        "console/webhooks.html",
        status_code=status_code,
        section="webhooks",
        subscriptions=await webhooks.all_subscriptions(conn),
        **(defaults | context),
    )


@console_route(get, "/webhooks", scope="manage")
async def console_webhooks(request: Request[Any, Any, Any], conn: Conn, done: FromQuery[str] = "") -> Template:
    return await webhooks_page(request, conn, notice=DONE.get(done))


@console_route(post, "/webhooks", scope="manage", status_code=200)
async def console_create_webhook(request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep) -> Template:
    form = await console_form(request)
    chosen = [t for t in form.getall("event_types", []) if isinstance(t, str)]
    url, description = form_text(form, "url"), form_text(form, "description")
    try:
        if len(description) > MAX_DESCRIPTION:
            raise InvalidInputError(f"the description is longer than {MAX_DESCRIPTION} characters")
        made = await webhooks.create_subscription(
            conn,
            runtime.settings,
            url=url,
            event_types=chosen,
            description=description or None,
            now=runtime.clock(),
            actor=actor_of(request).staff_id,
        )
    except InvalidInputError as exc:  # a refused URL (WebhookTargetError) or event types: the problem's detail
        kept = {"url": url, "description": description}
        return await webhooks_page(request, conn, status_code=422, error=exc.detail, chosen=chosen, form=kept)
    return await webhooks_page(request, conn, created=made)


@console_route(post, "/webhooks/{subscription_id:str}/disable", scope="manage", status_code=200)
async def console_disable_webhook(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, subscription_id: FromPath[str]
) -> Response[Any]:
    await console_form(request)
    found = _uuid(subscription_id, SubscriptionNotFoundError, "webhook subscription")
    await webhooks.disable_subscription(conn, found, now=runtime.clock())
    return Redirect(f"{WEBHOOKS_PATH}?done=disabled", status_code=303)


def _aware(text: str) -> datetime:
    at = datetime.fromisoformat(text)
    if at.tzinfo is None:
        raise ValueError("a cursor's time has its offset")
    return at


def _log_fingerprint(subscription_id: UUID) -> str:
    """A log cursor belongs to its subscription's log: given to another one's, it is refused."""
    return query_fingerprint("console-webhook-log", str(subscription_id))


def _log_position(subscription_id: UUID, before: str) -> tuple[datetime, UUID] | None:
    if len(before) > MAX_CURSOR:
        raise InvalidInputError("`before` is not a cursor this page gave; start again from the newest deliveries")
    key = cursor_key(decode_cursor(before or None, _log_fingerprint(subscription_id)), (_aware, UUID))
    return None if key is None else (key[0], key[1])


@console_route(get, "/webhooks/{subscription_id:str}", scope="manage")
async def console_webhook_log(
    request: Request[Any, Any, Any],
    conn: Conn,
    subscription_id: FromPath[str],
    done: FromQuery[str] = "",
    before: FromQuery[str] = "",
) -> Template:
    """A page of the log, newest first, from `before` (a cursor of the previous page; the newest without one)."""
    found = _uuid(subscription_id, SubscriptionNotFoundError, "webhook subscription")
    subscription = await webhooks.get_subscription(conn, found)
    log = await webhooks.delivery_log(conn, found, before=_log_position(found, before), limit=LOG_PAGE + 1)
    older_url = None
    if len(log) > LOG_PAGE:  # one more than a page: older deliveries follow
        log = log[:LOG_PAGE]
        last = log[-1].delivery
        cursor = encode_cursor(_log_fingerprint(found), [last.created_at.isoformat(), str(last.id)])
        older_url = f"{WEBHOOKS_PATH}/{found}?{urlencode({'before': cursor})}"
    return console_page(
        request,
        "console/webhook_log.html",
        section="webhooks",
        subscription=subscription,
        log=log,
        older_url=older_url,
        newest_url=f"{WEBHOOKS_PATH}/{found}" if before else None,
        notice=DONE.get(done),
    )


@console_route(
    post, "/webhooks/{subscription_id:str}/deliveries/{delivery_id:str}/redeliver", scope="manage", status_code=200
)
async def console_redeliver(
    request: Request[Any, Any, Any],
    conn: Conn,
    runtime: RuntimeDep,
    subscription_id: FromPath[str],
    delivery_id: FromPath[str],
) -> Response[Any]:
    await console_form(request)
    subscription = _uuid(subscription_id, SubscriptionNotFoundError, "webhook subscription")
    delivery = _uuid(delivery_id, DeliveryNotFoundError, "delivery")
    await webhooks.redeliver(conn, delivery, now=runtime.clock())  # one being sent is left alone, as the API's
    return Redirect(f"{WEBHOOKS_PATH}/{subscription}?done=redelivered", status_code=303)


WEBHOOK_PAGE_HANDLERS = [
    console_webhooks,
    console_create_webhook,
    console_disable_webhook,
    console_webhook_log,
    console_redeliver,
]
