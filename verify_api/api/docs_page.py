"""`GET /docs`: the OpenAPI 3.1 document drawn by Swagger UI 5, with every asset served by us (no CDN, no network).

Swagger UI's files come from the `swagger-ui-py` wheel (Swagger UI 5.24, which reads OpenAPI 3.1; the
`swagger-ui-bundle` wheel ships 4.15, which cannot): a runtime dependency, so an installed wheel of verify-api serves
them too, with nothing fetched at install or run time. Only the files the page loads are served (an allow-list), at
`/docs-assets/<name>`. The page has no inline script (its start-up script is `/static/docs.js`, ours), so its CSP
keeps `script-src 'self'`; Swagger UI sets inline styles and draws its icons as data: images.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

from litestar import Response, get
from litestar.params import FromPath
from litestar.response import File

from verify_api.api.pages import PAGE_HEADERS
from verify_api.errors import NotFoundError

DOCS_ASSETS = "/docs-assets"
OPENAPI_JSON = "/openapi.json"
_ASSET_TYPES = {
    "swagger-ui-bundle.js": "text/javascript",
    "swagger-ui.css": "text/css",
    "favicon-32x32.png": "image/png",
}
DOCS_HEADERS = {
    **PAGE_HEADERS,
    "Content-Security-Policy": (
        "default-src 'none'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "connect-src 'self'; font-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
    ),
    "Cache-Control": "no-cache",
}
_PAGE = f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>PAI Verify API</title>
<link rel="icon" type="image/png" href="{DOCS_ASSETS}/favicon-32x32.png">
<link rel="stylesheet" href="{DOCS_ASSETS}/swagger-ui.css">
</head>
<body>
<main id="swagger-ui" data-openapi-url="{OPENAPI_JSON}"></main>
<script src="{DOCS_ASSETS}/swagger-ui-bundle.js"></script>
<script src="/static/docs.js"></script>
</body>
</html>
""".encode()


def swagger_ui_directory() -> Path:
    """The `static` folder of the installed `swagger_ui` package, found without importing it (its __init__ pulls in
    every web framework adapter it ships)."""
    spec = importlib.util.find_spec("swagger_ui")
    if spec is None or not spec.submodule_search_locations:
        raise RuntimeError("the swagger-ui-py package is not installed (a dependency of verify-api)")
    return Path(next(iter(spec.submodule_search_locations))) / "static"


_ASSETS = swagger_ui_directory()


@get("/docs", include_in_schema=False, media_type="text/html")
async def docs_page() -> Response[bytes]:
    return Response(_PAGE, media_type="text/html", headers=DOCS_HEADERS)


@get(f"{DOCS_ASSETS}/{{name:str}}", include_in_schema=False, cache_control=None)
async def docs_asset(name: FromPath[str]) -> File:
    media_type = _ASSET_TYPES.get(name)
    if media_type is None:
        raise NotFoundError(f"no documentation asset {name[:40]!r} (the page loads {', '.join(_ASSET_TYPES)})")
    return File(
        _ASSETS / name,
        media_type=media_type,
        content_disposition_type="inline",
        headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"},
    )


DOCS_HANDLERS = [docs_page, docs_asset]
