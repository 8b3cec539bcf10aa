"""Part `status`: rebuilding and signing a Bitstring Status List, and status changes per second.

- Rebuild: `sign_status_list_sync` (what GET /v1/status-lists/{id} runs on a cache miss): generate the bitstring
  with 1% of the bits set at random, GZIP, base64url, build the BitstringStatusListCredential and sign it, for
  lists of 131,072 and 1,048,576 entries, with each cryptosuite.
- Status changes: `verify_api.services.lifecycle.change_status` (suspend, then reinstate, alternating) on one real
  connection: the guarded UPDATE, the status-list version bump and the hash-chained event, one transaction each.
"""

from __future__ import annotations

import asyncio
import random
import time
from datetime import UTC, datetime, timedelta

import msgspec

from bench.registry import BenchContext, Part, PartResult, Table, register
from bench.timing import ms, summarize, time_call
from verify_api.db.pool import connect
from verify_api.db.status_lists import StatusListVersion
from verify_api.services.context import ServiceContext
from verify_api.services.lifecycle import StatusChange, change_status
from verify_api.services.status_lists import sign_status_list_sync

SIZES = (131_072, 1_048_576)
SUITES = ("eddsa-rdfc-2022", "eddsa-jcs-2022")


def _rebuild_rows(ctx: BenchContext) -> list[list[str]]:
    rows = []
    now = datetime.now(UTC)
    for size in SIZES:
        indexes = random.Random(size).sample(range(size), size // 100)
        status_list = StatusListVersion(
            id="benchlist", purpose="revocation", size=size, created_at=now, version=1, updated_at=now
        )
        for suite in SUITES:
            settings = msgspec.structs.replace(ctx.env.settings, default_cryptosuite=suite)
            timing = time_call(
                lambda s=settings, sl=status_list, ix=indexes: sign_status_list_sync(  # type: ignore[misc]
                    sl, ix, key=ctx.env.issuer_key, settings=s, at=now
                ),
                budget_s=0.5 if ctx.quick else 2.0,
                min_calls=3,
            )
            body = sign_status_list_sync(status_list, indexes, key=ctx.env.issuer_key, settings=settings, at=now)
            rows.append(
                [f"{size:,}", suite, ms(timing.median_s), ms(timing.p99_s), f"{len(body):,}", str(timing.calls)]
            )
    return rows


async def _status_changes(ctx: BenchContext, seconds: float) -> tuple[int, list[float]]:
    credential_id = ctx.env.seeded.all_credential_ids[0]
    services = ServiceContext.for_key(ctx.env.settings, ctx.env.issuer_key)
    conn = await connect(ctx.env.database_url)
    durations: list[float] = []
    try:
        moment = datetime.now(UTC) + timedelta(seconds=1)
        deadline = time.perf_counter() + seconds
        actions = [("suspend", "under_investigation"), ("reinstate", "investigation_cleared")]
        while time.perf_counter() < deadline or len(durations) % 2:
            action, reason = actions[len(durations) % 2]
            moment += timedelta(milliseconds=1)
            began = time.perf_counter()
            await change_status(conn, services, credential_id, StatusChange(action, reason), now=moment)  # type: ignore[arg-type]
            durations.append(time.perf_counter() - began)
    finally:
        await conn.close()
    return len(durations), durations


def run(ctx: BenchContext) -> PartResult:
    rebuild = _rebuild_rows(ctx)
    count, durations = asyncio.run(_status_changes(ctx, 1.0 if ctx.quick else 5.0))
    timing = summarize(durations)
    return PartResult(
        tables=[
            (
                "Rebuild + sign one status list (1% of entries set)",
                Table(["entries", "cryptosuite", "p50 ms", "p99 ms", "signed bytes", "calls"], rebuild),
            ),
            (
                "Status changes through the service (one connection, sequential)",
                Table(
                    ["changes", "per second", "p50 ms", "p99 ms"],
                    [[str(count), f"{timing.per_second:.0f}", ms(timing.median_s), ms(timing.p99_s)]],
                ),
            ),
        ],
        notes=[
            "A list is rebuilt only on a cache miss: the first request after a change to it. The signed list is "
            "cached per (list, version), so unchanged lists are served from memory.",
            "Each status change is one transaction: guarded UPDATE, version bump of both lists, and an event whose "
            "hash the database chains under an advisory lock (appends are serialised by design).",
        ],
    )


register(Part(name="status", title="Status lists and status changes", run=run))
