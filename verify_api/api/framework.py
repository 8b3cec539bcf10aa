"""The URLs every signed credential names, each dereferenceable: the tier's OB 3.0 Achievement, the PSF it aligns
to, and the achievement's and issuer's images.

- `GET /v1/achievements/{tier}`: the Achievement JSON (as embedded in the credential) by default; HTML for a
  browser (an Accept header that ranks text/html first).
- `GET /v1/achievements/{tier}/image.svg|png`, `GET /v1/issuer/image.svg|png`: the OB 3.0 `image` of each.
- `GET /psf/v1.0`: the Production Safety Framework and its eight domains (HTML; JSON when asked for).
All are public reads with `Access-Control-Allow-Origin: *` (api/cors.py).
"""

from __future__ import annotations

from typing import Any, Literal

from litestar import Request, Response, Router, get
from litestar.params import FromPath
from litestar.response import Template
from litestar.types import ControllerRouterHandler

from verify_api.api.cors import allow_any_origin
from verify_api.api.deps import RuntimeDep
from verify_api.api.pages import PAGE_HEADERS
from verify_api.api.routes import public
from verify_api.badges.emblem_image import (
    achievement_image_png,
    achievement_image_svg,
    issuer_image_png,
    issuer_image_svg,
)
from verify_api.domain.credential import achievement
from verify_api.domain.psf import PSF_DOMAINS, PSF_SUMMARY, TIER_DOMAINS, domain_url, psf_url
from verify_api.domain.tiers import PSF_NAME, PSF_VERSION, TIERS, Tier
from verify_api.errors import AchievementNotFoundError

_STATIC = {"Cache-Control": "public, max-age=3600", "X-Content-Type-Options": "nosniff"}
_IMAGE_TYPES = {"svg": "image/svg+xml", "png": "image/png"}


def wants_html(request: Request[Any, Any, Any], *, default: Literal["json", "html"] = "json") -> bool:
    accept = request.headers.get("accept", "")
    if "html" not in accept:
        return default == "html" and "json" not in accept
    order = ["text/html", "application/json"] if default == "html" else ["application/json", "text/html"]
    return request.accept.best_match(order, default=order[0]) == "text/html"


def tier_of(code: str) -> Tier:
    tier = code.upper()
    if tier not in TIERS:
        raise AchievementNotFoundError(f"no PAI achievement {code[:20]!r}: use one of {', '.join(TIERS).lower()}")
    return TIERS[tier].code


@public(
    get,
    "/achievements/{tier:str}",
    operation_id="GetAchievement",
    summary="A tier's Open Badges Achievement",
    description="The Open Badges 3.0 Achievement a PAI credential of this tier awards (HTML for browsers).",
    after_request=allow_any_origin,
    cache_control=None,
)
async def get_achievement(request: Request[Any, Any, Any], runtime: RuntimeDep, tier: FromPath[str]) -> Response[Any]:
    code = tier_of(tier)
    base = runtime.settings.base_url
    document = {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        **achievement(base, code),
    }
    headers = {**_STATIC, "Vary": "Accept"}
    if wants_html(request):
        return _page(
            "achievement.html",
            info=TIERS[code],
            document=document,
            domains=TIER_DOMAINS[code],
            psf_url=psf_url(base),
            domain_url=lambda domain: domain_url(base, domain),
        )
    return Response(document, media_type="application/json", headers=headers)


def _page(name: str, **context: Any) -> Template:
    return Template(
        template_name=name,
        context={"section": None, **context},
        headers={**PAGE_HEADERS, "Vary": "Accept"},
        media_type="text/html",
    )


def _image(body: str | bytes, extension: str) -> Response[bytes]:
    data = body.encode() if isinstance(body, str) else body
    return Response(data, media_type=_IMAGE_TYPES[extension], headers=_STATIC)


@get("/achievements/{tier:str}/image.svg", include_in_schema=False, after_request=allow_any_origin)
async def get_achievement_svg(tier: FromPath[str]) -> Response[bytes]:
    return _image(achievement_image_svg(tier_of(tier)), "svg")


@get("/achievements/{tier:str}/image.png", include_in_schema=False, after_request=allow_any_origin)
async def get_achievement_png(tier: FromPath[str]) -> Response[bytes]:
    return _image(achievement_image_png(tier_of(tier)), "png")


@get("/issuer/image.svg", include_in_schema=False, after_request=allow_any_origin)
async def get_issuer_svg() -> Response[bytes]:
    return _image(issuer_image_svg(), "svg")


@get("/issuer/image.png", include_in_schema=False, after_request=allow_any_origin)
async def get_issuer_png() -> Response[bytes]:
    return _image(issuer_image_png(), "png")


def framework_document(base_url: str) -> dict[str, Any]:
    return {
        "id": psf_url(base_url),
        "name": f"{PSF_NAME} v{PSF_VERSION}",
        "description": PSF_SUMMARY,
        "domains": [
            {"id": domain_url(base_url, d), "code": d.code, "name": d.name, "description": d.description}
            for d in PSF_DOMAINS
        ],
        "achievements": [
            {"tier": t, "id": f"{base_url}/v1/achievements/{t.lower()}", "name": TIERS[t].title} for t in TIERS
        ],
    }


@get(f"/psf/v{PSF_VERSION}", include_in_schema=False, after_request=allow_any_origin, cache_control=None)
async def get_framework(request: Request[Any, Any, Any], runtime: RuntimeDep) -> Response[Any]:
    """The framework every credential aligns to: HTML by default (people follow the link), JSON when asked."""
    base = runtime.settings.base_url
    document = framework_document(base)
    if not wants_html(request, default="html"):
        return Response(document, media_type="application/json", headers={**_STATIC, "Vary": "Accept"})
    return _page("psf.html", document=document, tiers=TIERS)


FRAMEWORK_V1_HANDLERS = [get_achievement, get_achievement_svg, get_achievement_png, get_issuer_svg, get_issuer_png]
FRAMEWORK_ROUTES: list[ControllerRouterHandler] = [
    Router(path="/v1", route_handlers=FRAMEWORK_V1_HANDLERS),
    get_framework,
]
