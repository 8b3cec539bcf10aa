"""The console's form for a holder's privacy choices (scope `manage`): the same command as PATCH
/v1/holders/{id}/privacy and /me (services.holder_privacy), recorded as a `holder_changed` event by staff."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from litestar import Request, Response, post
from litestar.params import FromPath
from litestar.response import Redirect

from verify_api.api.console import CONSOLE_PATH, actor_of, console_form, console_route
from verify_api.api.deps import Conn, RuntimeDep
from verify_api.holder_privacy_schemas import HolderPrivacyChange
from verify_api.services.holder_privacy import change_privacy


@console_route(post, "/holders/{holder_id:uuid}/privacy", scope="manage", status_code=200)
async def console_holder_privacy(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, holder_id: FromPath[UUID]
) -> Response[Any]:
    form = await console_form(request)
    change = HolderPrivacyChange(
        public_listing=form.get("public_listing") == "yes", indexable=form.get("indexable") == "yes"
    )
    actor = actor_of(request).staff_id
    await change_privacy(conn, runtime, holder_id, change, now=runtime.clock(), by="staff", actor=actor)
    return Redirect(f"{CONSOLE_PATH}/holders/{holder_id}", status_code=303)


HOLDER_PRIVACY_PAGE_HANDLERS = [console_holder_privacy]
