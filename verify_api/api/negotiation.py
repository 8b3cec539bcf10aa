"""Content negotiation on a credential's id, `GET /v1/credentials/{id}` (RFC 9110 §12.5.1 proactive negotiation).

The id inside every signed credential is this URL, so it dereferences to what each client asks for:
`application/vc` or `application/ld+json` give the signed credential byte for byte (VC Data Model 2.0 §6.1 media
types); `application/json` (the default, and `*/*`) the live lookup; `text/html` a 303 to the credential's page.
"""

from __future__ import annotations

from typing import Any

from litestar import Request, Response

from verify_api.api.cors import PUBLIC_READ_CORS_HEADERS
from verify_api.api.pages import negotiate_credential_page
from verify_api.api.request_input import refuse_nul_in_url
from verify_api.services import lookup

SIGNED_MEDIA_TYPES = ("application/vc", "application/ld+json")
_OFFERED = ["application/json", *SIGNED_MEDIA_TYPES, "text/html"]


async def negotiate_credential_representation(request: Request[Any, Any, Any]) -> Response[Any] | None:
    """Before-request hook of GET /v1/credentials/{id}: the signed document for VC media types, the page for
    browsers, None (the JSON lookup) otherwise."""
    accept = request.headers.get("accept", "")
    if "application/vc" not in accept and "ld+json" not in accept:
        return await negotiate_credential_page(request)  # the common API case and the browser's
    refuse_nul_in_url(request)
    wanted = request.accept.best_match(_OFFERED, default="application/json")
    if wanted == "text/html":
        return await negotiate_credential_page(request)
    if wanted not in SIGNED_MEDIA_TYPES:
        return None
    runtime = request.app.state.runtime
    async with runtime.pool.acquire() as conn:
        document = await lookup.get_signed_document(conn, request.path_params["credential_id"])
    headers = {"Vary": "Accept", "Cache-Control": "public, max-age=3600", **PUBLIC_READ_CORS_HEADERS}
    return Response(document, media_type=wanted, headers=headers)
