"""Part `issuance`: credentials/s per cryptosuite, over HTTP and as a direct service call.

Every credential needs a holder with a passed exam; those are created before the clock starts.
- HTTP: `POST /v1/credentials` against the real app under granian (1 worker), from 8 concurrent clients.
- Service: `verify_api.services.issuance.issue_credential` on one real connection, one after another, in
  this process (no HTTP, no server): the use-case itself, transaction and signing thread included.
The raw signing cost (part `sign`) is the bound both should approach.
"""

from __future__ import annotations

import asyncio
import time
from datetime import UTC, datetime
from typing import TYPE_CHECKING, TypeVar

import httpx

from bench.registry import BenchContext, Part, PartResult, Table, register
from bench.seed import CRYPTOSUITES
from bench.server import serve
from bench.signing import measure_sign_cost
from bench.timing import CallTiming, ms, summarize
from verify_api.assessment_schemas import ExamResult
from verify_api.db.pool import connect
from verify_api.schemas import CreateHolderRequest, IssueCredentialRequest
from verify_api.services.context import ServiceContext
from verify_api.services.issuance import issue_credential
from verify_api.services.subjects import create_holder, record_assessment

if TYPE_CHECKING:
    from collections.abc import Awaitable, Callable
    from uuid import UUID

HTTP_CONCURRENCY = 8
Cryptosuite = str
T = TypeVar("T")


async def _gather_limited(limit: int, jobs: list[T], call: Callable[[T], Awaitable[None]]) -> list[float]:
    """Run `call(job)` for every job with at most `limit` in flight; return each call's seconds."""
    queue: asyncio.Queue[T] = asyncio.Queue()
    for job in jobs:
        queue.put_nowait(job)
    durations: list[float] = []

    async def worker() -> None:
        while not queue.empty():
            job = queue.get_nowait()
            began = time.perf_counter()
            await call(job)
            durations.append(time.perf_counter() - began)

    await asyncio.gather(*(worker() for _ in range(limit)))
    return durations


async def _http_issuance(origin: str, api_key: str, per_suite: int) -> dict[Cryptosuite, tuple[float, CallTiming]]:
    headers = {"Authorization": f"Bearer {api_key}"}
    limits = httpx.Limits(max_connections=HTTP_CONCURRENCY, max_keepalive_connections=HTTP_CONCURRENCY)
    async with httpx.AsyncClient(base_url=origin, headers=headers, limits=limits, timeout=60) as client:

        async def post(path: str, body: dict[str, object]) -> dict[str, object]:
            response = await client.post(path, json=body)
            if response.status_code != 201:
                raise RuntimeError(f"POST {path} answered {response.status_code}: {response.text[:300]}")
            result: dict[str, object] = response.json()
            return result

        holders: dict[Cryptosuite, list[str]] = {suite: [] for suite in CRYPTOSUITES}

        async def prepare(suite: str) -> None:
            holder = await post("/v1/holders", {"displayName": "Bench Issuance"})
            await post("/v1/assessments", {"kind": "exam", "holderId": holder["id"], "score": 90, "maxScore": 100})
            holders[suite].append(str(holder["id"]))

        await _gather_limited(HTTP_CONCURRENCY, [s for s in CRYPTOSUITES for _ in range(per_suite)], prepare)

        results: dict[Cryptosuite, tuple[float, CallTiming]] = {}
        for suite in CRYPTOSUITES:

            async def issue(holder_id: str, suite: str = suite) -> None:
                await post("/v1/credentials", {"tier": "AIDA", "holderId": holder_id, "cryptosuite": suite})

            began = time.perf_counter()
            durations = await _gather_limited(HTTP_CONCURRENCY, list(holders[suite]), issue)
            elapsed = time.perf_counter() - began
            results[suite] = (len(durations) / elapsed, summarize(durations))
    return results


async def _service_issuance(ctx: BenchContext, per_suite: int) -> dict[Cryptosuite, tuple[float, CallTiming]]:
    env = ctx.env
    services = ServiceContext.for_key(env.settings, env.issuer_key)
    conn = await connect(env.database_url)
    try:
        results: dict[Cryptosuite, tuple[float, CallTiming]] = {}
        for suite in CRYPTOSUITES:
            holder_ids: list[UUID] = []
            for _ in range(per_suite):
                now = datetime.now(UTC)
                holder = await create_holder(conn, CreateHolderRequest(display_name="Bench Service"), now=now)
                exam = ExamResult(holder_id=holder.id, score=90, max_score=100)
                await record_assessment(conn, services, exam, now=now, recorded_by=None)
                holder_ids.append(holder.id)
            durations = []
            began = time.perf_counter()
            for holder_id in holder_ids:
                request = IssueCredentialRequest(tier="AIDA", holder_id=holder_id, cryptosuite=suite)  # type: ignore[arg-type]
                started = time.perf_counter()
                await issue_credential(conn, services, request, now=datetime.now(UTC))
                durations.append(time.perf_counter() - started)
            elapsed = time.perf_counter() - began
            results[suite] = (len(durations) / elapsed, summarize(durations))
    finally:
        await conn.close()
    return results


def run(ctx: BenchContext) -> PartResult:
    http_n, service_n = (12, 8) if ctx.quick else (160, 100)
    with serve("granian", "verify_api.app:app_from_environment", env=ctx.env.server_environment(),
               log_dir=ctx.env.work_dir) as running:  # fmt: skip
        over_http = asyncio.run(_http_issuance(running.origin, ctx.env.seeded.api_key, http_n))
    direct = asyncio.run(_service_issuance(ctx, service_n))
    rows = []
    for suite in CRYPTOSUITES:
        bound = measure_sign_cost(ctx, suite)
        for how, (rate, timing) in (
            (f"POST /v1/credentials, granian 1 worker, {HTTP_CONCURRENCY} clients", over_http[suite]),
            ("issue_credential() direct, 1 connection, sequential", direct[suite]),
        ):
            ctx.log(f"issuance {suite} {how}: {rate:.1f}/s")
            rows.append(
                [
                    suite,
                    how,
                    f"{rate:.1f}",
                    ms(timing.median_s),
                    ms(timing.p99_s),
                    str(timing.calls),
                    f"{bound.per_second:.0f}",
                    f"{rate / bound.per_second:.0%}",
                ]
            )
    return PartResult(
        tables=[
            (
                "AIDA credentials issued (holder and passed exam prepared beforehand)",
                Table(
                    ["cryptosuite", "how", "cred/s", "p50 ms", "p99 ms", "n", "sign bound/s", "of bound"],
                    rows,
                ),
            )
        ],
        notes=[
            "`sign bound/s` = 1 / mean raw sign time (part `sign`), measured in this run on one core.",
            "Over HTTP, the httpx client runs in the bench process and shares the 2 cores with granian and PostgreSQL.",
        ],
    )


register(Part(name="issuance", title="Issuance throughput", run=run))
