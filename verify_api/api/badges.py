"""Badge images: `GET /v1/credentials/{id}/badge.svg` and `/badge.png`, plain or baked for download."""

from __future__ import annotations

from typing import Annotated, Any

from litestar import Request, Response, get
from litestar.datastructures import State
from litestar.handlers import HTTPRouteHandler
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, QueryParameter

from verify_api.api.deps import Conn, Now, RuntimeDep
from verify_api.api.routes import public
from verify_api.services.badges import (
    BadgeCache,
    BadgeFormat,
    BadgePlan,
    BadgeRequest,
    plan_badge,
    render_planned_badge,
)

# Status can change at any moment: caches may keep an image briefly but must ask again (a cheap 304) after that.
BADGE_CACHE_CONTROL = "public, max-age=60, must-revalidate"
SVG_CSP = "default-src 'none'; style-src 'unsafe-inline'"
Download = Annotated[
    bool,
    QueryParameter(
        name="download",
        description="Serve as an attachment with the signed credential baked in (Open Badges 3.0 baking).",
    ),
]


def badge_cache_of(state: State) -> BadgeCache:
    cache: BadgeCache = state.badge_cache
    return cache


def etag_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 §13.1.2 If-None-Match, weak comparison: any listed tag (or `*`) equal to ours."""
    if not header:
        return False
    tags = [tag.strip().removeprefix("W/") for tag in header.split(",")]
    return "*" in tags or etag in tags


def badge_headers(plan: BadgePlan) -> dict[str, str]:
    headers = {"ETag": plan.etag, "Cache-Control": BADGE_CACHE_CONTROL, "X-Content-Type-Options": "nosniff"}
    if plan.fmt == "svg":
        headers["Content-Security-Policy"] = SVG_CSP
    if plan.baked:
        headers["Content-Disposition"] = f'attachment; filename="{plan.filename}"'
    return headers


async def serve_badge(
    request: Request[Any, Any, Any],
    conn: Conn,
    credential_id: str,
    fmt: BadgeFormat,
    *,
    download: bool,
    runtime: RuntimeDep,
    now: Now,
) -> Response[bytes]:
    plan = await plan_badge(conn, runtime, BadgeRequest(credential_id, fmt, baked=download), now=now)
    headers = badge_headers(plan)
    if etag_matches(request.headers.get("if-none-match"), plan.etag):
        return Response(b"", status_code=304, headers=headers, media_type=plan.media_type)
    body = await render_planned_badge(plan, badge_cache_of(request.app.state))
    return Response(body, media_type=plan.media_type, headers=headers)


_RESPONSES = {304: ResponseSpec(data_container=None, description="The image has not changed (If-None-Match).")}


def _badge_route(fmt: BadgeFormat, operation_id: str, media_type: str, description: str) -> HTTPRouteHandler:
    """GET /credentials/{id}/badge.<fmt>: the one adapter over `serve_badge` for each image format."""

    async def badge(
        request: Request[Any, Any, Any],
        conn: Conn,
        credential_id: FromPath[str],
        runtime: RuntimeDep,
        now: Now,
        download: Download = False,
    ) -> Response[bytes]:
        return await serve_badge(request, conn, credential_id, fmt, download=download, runtime=runtime, now=now)

    badge.__name__ = badge.__qualname__ = f"get_badge_{fmt}"
    return public(
        get,
        f"/credentials/{{credential_id:str}}/badge.{fmt}",
        operation_id=operation_id,
        media_type=media_type,
        responses=_RESPONSES,
        summary=f"The credential's badge image ({fmt.upper()})",
        description=description,
    )(badge)


get_badge_svg = _badge_route(
    "svg",
    "GetBadgeSvg",
    "image/svg+xml",
    "The credential's badge as accessible SVG, showing its current status, with a QR code to its page "
    "(and, while active, an offline-checkable signed QR). `?download=1` bakes the signed credential in.",
)
get_badge_png = _badge_route(
    "png",
    "GetBadgePng",
    "image/png",
    "The credential's badge as a 600 x 800 PNG showing its current status. `?download=1` bakes the "
    "signed credential into an iTXt chunk (keyword `openbadgecredential`).",
)


@public(
    get,
    "/credentials/{credential_id:str}/share.png",
    operation_id="GetShareImage",
    summary="The credential's share image (PNG)",
    media_type="image/png",
    responses=_RESPONSES,
    description="The credential's 1200 x 630 share image for link previews (Open Graph, Twitter cards): tier, "
    "holder, dates, current status and a QR code to its page. The credential page names it as `og:image`.",
)
async def get_share_image(
    request: Request[Any, Any, Any], conn: Conn, credential_id: FromPath[str], runtime: RuntimeDep, now: Now
) -> Response[bytes]:
    return await serve_badge(request, conn, credential_id, "share", download=False, runtime=runtime, now=now)


BADGE_HANDLERS = [get_badge_svg, get_badge_png, get_share_image]
