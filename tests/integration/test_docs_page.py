"""/docs is served from our own assets: the page's CSP allows scripts from this origin only, and /docs-assets serves
the files the page loads and nothing else of the Swagger UI package."""

from __future__ import annotations

from litestar import Litestar
from litestar.testing import AsyncTestClient

Client = AsyncTestClient[Litestar]


async def test_docs_page_loads_only_our_assets(client: Client) -> None:
    page = await client.get("/docs")
    assert page.status_code == 200
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "default-src 'none'" in csp
    assert "<script>" not in page.text  # no inline script: the CSP would refuse it
    for asset in ("/docs-assets/swagger-ui-bundle.js", "/docs-assets/swagger-ui.css", "/static/docs.js"):
        assert asset in page.text
        response = await client.get(asset)
        assert response.status_code == 200, asset
    bundle = await client.get("/docs-assets/swagger-ui-bundle.js")
    assert bundle.headers["content-type"].startswith("text/javascript")
    assert 'PACKAGE_VERSION:"5.' in bundle.text  # Swagger UI 5: the first to read OpenAPI 3.1 (4.x cannot)
    assert "isOAS31" in bundle.text


async def test_docs_assets_serve_nothing_else(client: Client) -> None:
    for name in ("swagger-initializer.js", "index.html", "..%2Fcore.py", "swagger-editor-bundle.js"):
        response = await client.get(f"/docs-assets/{name}")
        assert response.status_code == 404, name
        assert response.headers["content-type"].startswith("application/problem+json")
