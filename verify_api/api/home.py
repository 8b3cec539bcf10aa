"""The site's home page at `/`: what PAI Verify is and where to go (verify a credential, the registry, the API).

Litestar's OpenAPI router owns `/` (its default render plugin is served there), so the home page is a render plugin
with the path `/`: the OpenAPI root then serves this page, and Swagger UI stays at `/docs`.
"""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.openapi.plugins import OpenAPIRenderPlugin
from litestar.types import Message, Scope

from verify_api.api.pages import PAGE_HEADERS

_HOME_HEADERS = [(name.lower().encode(), value.encode()) for name, value in PAGE_HEADERS.items()]


class HomePage(OpenAPIRenderPlugin):
    def __init__(self) -> None:
        super().__init__(path="/")

    def render(self, request: Request[Any, Any, Any], openapi_schema: dict[str, Any]) -> bytes:
        engine = request.app.template_engine
        assert engine is not None  # the app always configures its page templates
        page: str = engine.get_template("home.html").render(section="home")
        return page.encode()


async def home_page_headers(message: Message, scope: Scope) -> None:
    """App `before_send` hook: the home page gets the headers every other page sends (CSP, nosniff, referrer
    policy), which a render plugin cannot set itself."""
    if message["type"] == "http.response.start" and scope.get("path") == "/" and scope.get("method") in ("GET", "HEAD"):
        message["headers"] = [*message.get("headers", []), *_HOME_HEADERS]
