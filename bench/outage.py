"""Part `outage`: PostgreSQL killed and started again under load; what the clients get and how fast it recovers.

The real app (granian, 2 workers) over a dedicated throwaway cluster seeded with a few credentials; 32 keep-alive
connections in a closed loop rotate over lookups by id, registry searches and credential pages. After a few
seconds the postmaster gets SIGQUIT (PostgreSQL's immediate shutdown: every connection dies mid-query), the
cluster stays down for a while and is then started again on the same port. Reported: the statuses per phase (before,
down, after), whether every 503 carried Retry-After, the time from "PostgreSQL answers again" to the first and to
the last connection's first success, and the server's log lines (outage lines, tracebacks).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import asyncpg

from bench.registry import BenchContext, Part, PartResult, Table, register
from bench.seed import seed_through_api
from bench.server import serve
from verify_api.cli.embedded_postgres import PostgresCluster, start_cluster
from verify_api.db.migrate import apply_migrations
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from bench.environment import BenchEnvironment

CONNECTIONS = 32
WORKERS = 2
PHASES = ("before", "down", "after")


@dataclass
class _Tally:
    phase: str = "before"
    statuses: dict[str, Counter[int]] = field(
        default_factory=lambda: {p: Counter() for p in ("before", "down", "after")}
    )
    missing_retry_after: int = 0
    socket_errors: int = 0
    first_ok_after_restart: dict[int, float] = field(default_factory=dict)
    restarted_at: float | None = None


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, bool]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length, chunked, retry_after = 0, False, False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value)
        elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
        elif lowered == b"retry-after":
            retry_after = True
    if chunked:
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0], 16)
            await reader.readexactly(size + 2)
            if size == 0:
                break
    elif length:
        await reader.readexactly(length)
    return status, retry_after


async def _connection(port: int, paths: list[str], index: int, stop_at: float, tally: _Tally) -> None:
    n = index * 7919
    requests = [f"GET {p} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode() for p in paths]
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        while time.monotonic() < stop_at:
            n += 1
            try:
                writer.write(requests[n % len(requests)])
                status, retry_after = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                tally.socket_errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection("127.0.0.1", port)
                continue
            tally.statuses[tally.phase][status] += 1
            if status == 503 and not retry_after:
                tally.missing_retry_after += 1
            if tally.restarted_at is not None and status < 500 and index not in tally.first_ok_after_restart:
                tally.first_ok_after_restart[index] = time.monotonic() - tally.restarted_at
    finally:
        writer.close()


def _kill(data_dir: Path) -> None:
    pid = int((data_dir / "postmaster.pid").read_text().split("\n", 1)[0])
    os.kill(pid, signal.SIGQUIT)
    while (data_dir / "postmaster.pid").exists():
        time.sleep(0.01)


async def _load_through_outage(
    port: int, paths: list[str], data_dir: Path, pg_port: int, seconds: tuple[float, float, float], log: object
) -> tuple[_Tally, PostgresCluster]:
    before, down, after = seconds
    tally = _Tally()
    stop_at = time.monotonic() + before + down + after + 5.0
    tasks = [asyncio.create_task(_connection(port, paths, i, stop_at, tally)) for i in range(CONNECTIONS)]
    await asyncio.sleep(before)
    tally.phase = "down"
    await asyncio.to_thread(_kill, data_dir)
    await asyncio.sleep(down)
    cluster = await asyncio.to_thread(start_cluster, data_dir, port=pg_port, durable=False, log=log)  # type: ignore[arg-type]
    tally.restarted_at = time.monotonic()  # start_cluster returns once PostgreSQL answers
    tally.phase = "after"
    await asyncio.sleep(after)
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    return tally, cluster


async def _create_database(server_url: str) -> str:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute('CREATE DATABASE "outage"')
    finally:
        await admin.close()
    url = server_url.rsplit("/", 1)[0] + "/outage"
    conn = await asyncpg.connect(url)
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()
    return url


def _phase_row(name: str, counts: Counter[int], seconds: float) -> list[str]:
    total = sum(counts.values())
    shown = ", ".join(f"{status}: {n}" for status, n in sorted(counts.items()))
    other = sum(n for s, n in counts.items() if s >= 500 and s != 503)
    return [name, f"{seconds:.0f}", str(total), f"{total / seconds:.0f}", shown or "-", str(other)]


def run(ctx: BenchContext) -> PartResult:
    env: BenchEnvironment = ctx.env
    seconds = (2.0, 3.0, 3.0) if ctx.quick else (4.0, 5.0, 5.0)
    root = Path(tempfile.mkdtemp(prefix="pai-verify-bench-outage-"))
    root.chmod(0o711)
    cluster = start_cluster(root / "data", durable=False, log=ctx.log)
    try:
        url = asyncio.run(_create_database(cluster.url))
        settings = load_settings({}, database_url=url, public_base_url=env.settings.public_base_url, pool_min=1)
        seeded = asyncio.run(seed_through_api(settings, env.issuer_key, holders=4))
        ids = seeded.all_credential_ids
        paths = [f"/v1/credentials/{i}" for i in ids] + ["/v1/organizations?q=bench", f"/c/{ids[0]}"]
        server_env = env.server_environment() | {"DATABASE_URL": url, "LOG_LEVEL": "INFO", "ACCESS_LOG": "false"}
        log_dir = root / "logs"
        log_dir.mkdir()
        with serve(
            "granian", "verify_api.app:app_from_environment", env=server_env, log_dir=log_dir, workers=WORKERS
        ) as running:
            tally, cluster = asyncio.run(
                _load_through_outage(running.port, paths, cluster.data_dir, cluster.port, seconds, ctx.log)
            )
        log_text = "\n".join(p.read_text(errors="replace") for p in log_dir.glob("*.log"))
    finally:
        cluster.stop()
        shutil.rmtree(root, ignore_errors=True)
    recoveries = sorted(tally.first_ok_after_restart.values())
    rows = [_phase_row(name, tally.statuses[name], s) for name, s in zip(PHASES, seconds, strict=True)]
    outage_lines = log_text.count("database unavailable (")
    back_lines = log_text.count("database back after")
    recovery = Table(
        headers=["first success after restart", "every connection succeeded by", "503 without Retry-After",
                 "socket errors", "outage log lines (down, back)", "tracebacks in the log"],
        rows=[[
            f"{recoveries[0] * 1000:.0f} ms" if recoveries else "never",
            f"{recoveries[-1] * 1000:.0f} ms" if len(recoveries) == CONNECTIONS else f"{len(recoveries)} connections",
            str(tally.missing_retry_after), str(tally.socket_errors), f"{outage_lines}, {back_lines}",
            str(log_text.count("Traceback")),
        ]],
    )  # fmt: skip
    before, down, after = seconds
    return PartResult(
        tables=[
            (
                f"{CONNECTIONS} connections, granian {WORKERS} workers; statuses by phase (other 5xx = 5xx except 503)",
                Table(headers=["phase", "s", "responses", "resp/s", "statuses", "other 5xx"], rows=rows),
            ),
            ("Recovery (from PostgreSQL answering again; each connection's first non-5xx answer)", recovery),
        ],
        notes=[
            f"Timeline: {before:.0f} s of load, postmaster SIGQUIT (immediate shutdown), {down:.0f} s down, "
            f"restart on the same port, {after:.0f} s more. Paths: lookups by id of {len(ids)} seeded credentials, "
            "a registry search and a credential page. Load generator: asyncio raw sockets in the bench process.",
            "The outage log lines are one pair per worker and outage; a worker refused during PostgreSQL's crash "
            "recovery right after the restart (CannotConnectNowError) logs a second, short one. The last connection's "
            "first success is bounded by the closed loop: each connection sends one request per (connections / "
            "resp/s) seconds.",
        ],
    )


register(Part("outage", "PostgreSQL killed and restarted under load", run))
