"""Published keys: the did:web DID document and a JWK set."""

from __future__ import annotations

from typing import Any

from litestar import Response, Router, get

from verify_api.api.cors import allow_any_origin
from verify_api.api.deps import Conn, RuntimeDep
from verify_api.api.routes import public
from verify_api.services import signing_keys

_CACHE = {"Cache-Control": "public, max-age=300"}


@public(
    get,
    "/did.json",
    operation_id="GetDidDocument",
    tags=["keys"],
    summary="The issuer's DID document (did:web)",
    description="The issuer's `did:web` DID document: every verification key it has used (Multikey), current and "
    "retired, so old credentials keep verifying after a key rotation.",
    media_type="application/did+json",
    after_request=allow_any_origin,
)
async def did_json(conn: Conn, runtime: RuntimeDep) -> Response[dict[str, Any]]:
    document = await signing_keys.did_document(conn, runtime.settings.base_url)
    return Response(document, media_type="application/did+json", headers=_CACHE)


@public(
    get,
    "/jwks.json",
    operation_id="GetJwks",
    tags=["keys"],
    summary="The issuer's keys as a JWK set",
    description="The same keys as the DID document, as an RFC 7517 JWK set, for VC-JOSE-COSE (JWT) verifiers.",
    media_type="application/jwk-set+json",
    after_request=allow_any_origin,
)
async def jwks_json(conn: Conn) -> Response[dict[str, Any]]:
    return Response(await signing_keys.jwk_set(conn), media_type="application/jwk-set+json", headers=_CACHE)


well_known_router = Router(path="/.well-known", route_handlers=[did_json, jwks_json])
