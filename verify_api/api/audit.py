"""GET /v1/audit/checkpoints: the event log's signed checkpoints, published so anyone can keep copies.

A copy kept elsewhere catches a later rewrite or truncation of the log, even by someone who can change the
database: `verify-api audit compare FILE` (README "Tamper-evident history").
"""

from __future__ import annotations

from typing import Annotated

from litestar import Response, get
from litestar.params import QueryParameter

from verify_api.api.deps import Conn, RuntimeDep
from verify_api.api.routes import public
from verify_api.schemas import AuditCheckpointPage
from verify_api.services.checkpoints import published_checkpoints

_DESCRIPTION = (
    "The event log's signed checkpoints, oldest first, `limit` per page after entry `after`; follow `next`. "
    "Each signs an entry's hash with the issuer key named by `kid` (published in `/.well-known/did.json`): "
    "Ed25519 over the bytes `pai-verify/audit-checkpoint/v2`, one zero byte, `seq` (8 bytes, big-endian), "
    "`entryHash` (32 bytes), and `signedAt` as microseconds since 1970-01-01T00:00:00Z (8 bytes, big-endian, "
    "signed). Version 1 checkpoints (older) sign `pai-verify/audit-checkpoint/v1`, a zero byte, `seq` and "
    "`entryHash` only. Keep copies: a checkpoint you hold that the live log no longer matches proves a rewrite."
)


@public(
    get,
    "/audit/checkpoints",
    operation_id="ListAuditCheckpoints",
    summary="The event log's signed checkpoints",
    description=_DESCRIPTION,
)
async def list_audit_checkpoints(
    conn: Conn,
    runtime: RuntimeDep,
    after: Annotated[int, QueryParameter(ge=0, le=2**53, description="the seq of the last checkpoint seen")] = 0,
    limit: Annotated[int, QueryParameter(ge=1, le=1000, description="checkpoints per page")] = 100,
) -> Response[AuditCheckpointPage]:
    checkpoints = await published_checkpoints(conn, after=after, limit=limit)
    next_page = None
    if len(checkpoints) == limit:
        next_page = f"{runtime.settings.base_url}/v1/audit/checkpoints?after={checkpoints[-1].seq}&limit={limit}"
    # A full page never changes (checkpoints are append-only); the last one grows.
    cache = "public, max-age=86400, immutable" if next_page else "public, max-age=60"
    return Response(AuditCheckpointPage(checkpoints=checkpoints, next=next_page), headers={"Cache-Control": cache})


AUDIT_HANDLERS = [list_audit_checkpoints]
