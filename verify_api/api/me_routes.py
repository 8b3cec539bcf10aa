"""The /me router: the holders' pages (sign-in, their page), with their error pages."""

from __future__ import annotations

from litestar import Router

from verify_api.api.holder_sign_in import SIGN_IN_HANDLERS
from verify_api.api.me import ME_HANDLERS
from verify_api.api.me_frame import ME_EXCEPTION_HANDLERS, ME_PATH


def me_router() -> Router:
    return Router(
        path=ME_PATH,
        route_handlers=[*SIGN_IN_HANDLERS, *ME_HANDLERS],
        exception_handlers=ME_EXCEPTION_HANDLERS,  # type: ignore[arg-type]
        include_in_schema=False,
    )
