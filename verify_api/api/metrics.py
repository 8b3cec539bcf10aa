"""GET /metrics: the Prometheus text exposition (observability.metrics), outside the OpenAPI document.

Served when METRICS_ENABLED (the default). It holds counts and latencies only, no ids or personal data; when
METRICS_TOKEN is set it needs `Authorization: Bearer <token>` (Prometheus: `authorization: {credentials: ...}`),
otherwise restrict it at the reverse proxy if the counts are not for everyone.
"""

from __future__ import annotations

import hmac
from functools import partial

from litestar import Request, Response, get
from litestar.datastructures import State

from verify_api.api.deps import runtime_of
from verify_api.db.pool import pool_stats
from verify_api.errors import AuthenticationError
from verify_api.observability.metrics import METRICS_CONTENT_TYPE, render_metrics, sample_pool


@get("/metrics", include_in_schema=False, sync_to_thread=False, cache_control=None)
def metrics(request: Request[object, object, State], state: State) -> Response[bytes]:
    runtime = runtime_of(state)
    token = runtime.settings.metrics_token
    if token:
        scheme, _, given = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not hmac.compare_digest(given.strip().encode(), token.encode()):
            raise AuthenticationError("/metrics needs `Authorization: Bearer <METRICS_TOKEN>`")
    if runtime.pool is not None:
        sample_pool(partial(pool_stats, runtime.pool))  # this worker's pool, fresh; the others' sampled each second
    return Response(render_metrics(), media_type=METRICS_CONTENT_TYPE, headers={"Cache-Control": "no-store"})
