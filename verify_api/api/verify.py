"""POST /v1/verify: the presented credential is the request body (`curl --data-binary @badge.png`).

Public and rate-limited per client (VERIFY_RATE_LIMIT_PER_MINUTE, shared with the VC API verify routes, the lookup by
code and the registry check, and by every worker and instance: api/rate_limit.py), with
its own body cap (VERIFY_MAX_BODY_BYTES) so badge images fit. The answer is always a 200 report, except for a
Content-Type it does not accept (415, listing the accepted ones) and an oversized body (413).
"""

from __future__ import annotations

import json
from typing import Any

from litestar import Request, Router, post
from litestar.openapi.spec import Schema
from litestar.types import Middleware

from verify_api.api.deps import Conn, Now, RuntimeDep
from verify_api.api.openapi_examples import TAMPERED_REPORT, VALID_REPORT, signed_credential
from verify_api.api.rate_limit import rate_limited
from verify_api.api.routes import binary_body, example, public
from verify_api.services.verification import verify_presented
from verify_api.settings import Settings
from verify_api.verification.presented import ACCEPTED_MEDIA_TYPES, FORM_TYPE
from verify_api.verification.report import VerificationReport


@public(
    post,
    "/verify",
    operation_id="VerifyPresentedCredential",
    status_code=200,
    summary="Verify a credential you were given",
    problems=[415],
    rate_limited=True,
    raw_body={
        **binary_body(t for t in ACCEPTED_MEDIA_TYPES if t != FORM_TYPE),
        # Any form: one that cannot be read is answered with a report saying so, like any other body (200).
        FORM_TYPE: Schema(description="a `file` part (a badge image or a photo of its QR) or a `credential` field"),
    },
    description=(
        "Verify a credential you hold: send it as the request body. Accepted Content-Types: "
        + ", ".join(ACCEPTED_MEDIA_TYPES)
        + ". Returns a report with one entry per check (passed, failed, or could not check)."
    ),
    body_examples=[
        example("A credential document", signed_credential(), media_type="application/vc"),
        example("The same, as JSON", signed_credential()),
        example(
            "A form with the credential pasted in",
            {"credential": json.dumps(signed_credential())},
            media_type=FORM_TYPE,
            description="As the verify page sends it; a badge image or a photo of its QR code goes in a `file` part.",
        ),
    ],
    response_examples={
        200: [example("A valid PAI credential", VALID_REPORT), example("A tampered badge", TAMPERED_REPORT)]
    },
)
async def verify_credential(
    request: Request[Any, Any, Any], conn: Conn, runtime: RuntimeDep, now: Now
) -> VerificationReport:
    body = await request.body()
    content_type = request.headers.get("content-type", "")
    return await verify_presented(conn, body, content_type, settings=runtime.settings, now=now)


def verification_rate_limit(settings: Settings) -> Middleware:
    """One budget per client across every public verification route, shared by all workers and instances (its size,
    VERIFY_RATE_LIMIT_PER_MINUTE, is the limiter's: app.state.rate_limiter, built by the lifespan from `settings`)."""
    del settings
    return rate_limited("verification")


def verify_router(settings: Settings) -> Router:
    return Router(
        path="/v1",
        route_handlers=[verify_credential],
        middleware=[verification_rate_limit(settings)],
        request_max_body_size=settings.verify_max_body_bytes,
    )
