"""Part `lookup-scale` (issue 10): lookups at hello-world speed, over 1,000,000 stored credentials.

In a database of its own on the bench cluster: two credentials issued through the API, then 1,000,000 more
cloned from one of them in SQL (`generate_series`, triggers off while seeding; every clone has its own holder, id,
verification code and status slots). Each configuration gets a fresh server (granian, 1 and 2 workers, 64
connections, wrk):

- `hello`: the bare Litestar app's constant `/hello` on the same server: the ceiling;
- `hot by id` / `hot by code`: the real app over 1,000 credentials, answered from its lookup cache;
- `cold by id` / `cold by code`: the real app over uniformly random credentials of the million (LOOKUP_CACHE_SIZE
  default 20,000: about 98% misses, each one statement);
- `baseline PK`: the bare Litestar+asyncpg primary-key route (bench/baseline_app.py) over the same random ids;
- `status list`: the current signed status lists, served from the app's memory.

Lookup by code runs behind the verification rate limit, configured high here (VERIFY_RATE_LIMIT_PER_MINUTE) so it
never refuses; what the limiter costs is in the `code / id` ratios. Then the revocation-to-visible latency: two
served app processes on the one database, each answer cached on B, revoked through A's API, polled on B.
"""

from __future__ import annotations

import asyncio
import json
import random
import statistics
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit, urlunsplit

import asyncpg

from bench.load import WrkGenerator
from bench.registry import BenchContext, Part, PartResult, Table, register
from bench.seed import seed_through_api
from bench.server import serve
from verify_api.db.migrate import apply_migrations
from verify_api.domain.codes import CROCKFORD_ALPHABET, format_verification_code
from verify_api.services.context import IssuerKey
from verify_api.settings import load_settings

if TYPE_CHECKING:
    from bench.load import LoadResult

SCALE_DATABASE = "pai_verify_bench_scale"
STORED = 1_000_000
QUICK_STORED = 100_000
# Answers each worker keeps: the default LOOKUP_CACHE_SIZE (20,000) at a million, the same 2% of what is stored at
# the quick scale, so `cold` lookups miss about as often in both.
CACHED_SHARE = 50
HOT = 1_000
CONNECTIONS = 64
LIST_SIZE = 131_072
_ID_ALPHABET = "abcdefghijklmnopqrstuvwxyz234567"
_CHECKS = CROCKFORD_ALPHABET + "*~$=U"

# The n-th clone's id (18 'a' then n in base32) and verification code (n in 8 Crockford digits, its check symbol).
_SQL_DIGITS = (
    "(SELECT string_agg(substr('{alphabet}', ((g.n::bigint >> (5 * (7 - i))) & 31)::int + 1, 1), '' ORDER BY i) "
    "FROM generate_series(0, 7) AS i)"
)
_SEED = """
INSERT INTO status_lists (id, purpose, size, created_at, version, updated_at)
SELECT 'benchlist' || p.purpose || lpad(l::text, 4, '0'), p.purpose, {size}, now(), 0, now()
FROM generate_series(0, {lists} - 1) AS l, (VALUES ('revocation'), ('suspension')) AS p (purpose);
INSERT INTO holders (id, display_name, public_listing, created_at)
SELECT md5('bench-holder-' || g.n)::uuid, 'Bench Holder ' || g.n, false, now()
FROM generate_series(0, {stored} - 1) AS g (n);
ALTER TABLE credentials DISABLE TRIGGER credentials_notify;
INSERT INTO credentials (id, tier, holder_id, subject_name, verification_code, valid_from, valid_until, status,
    document, cryptosuite, signing_key_id, revocation_list, revocation_index, suspension_list, suspension_index,
    issued_at, kind)
SELECT 'aaaaaaaaaaaaaaaaaa' || {id_digits}, t.tier, md5('bench-holder-' || g.n)::uuid, 'Bench Holder ' || g.n,
    'PAI-' || substr(d.code, 1, 4) || '-' || substr(d.code, 5, 4) || '-' || substr('{checks}', (g.n % 37)::int + 1, 1),
    t.valid_from, t.valid_until, 'active', t.document, t.cryptosuite, t.signing_key_id,
    'benchlistrevocation' || lpad((g.n / {size})::text, 4, '0'), (g.n % {size})::int,
    'benchlistsuspension' || lpad((g.n / {size})::text, 4, '0'), (g.n % {size})::int, t.issued_at, 'certification'
FROM generate_series(0, {stored} - 1) AS g (n)
CROSS JOIN LATERAL (SELECT {code_digits} AS code) AS d
CROSS JOIN (SELECT * FROM credentials WHERE id = $1) AS t;
ALTER TABLE credentials ENABLE TRIGGER credentials_notify;
VACUUM (ANALYZE);
"""


def clone_id(n: int) -> str:
    return "a" * 18 + "".join(_ID_ALPHABET[(n >> (5 * (7 - i))) & 31] for i in range(8))


def clone_code(n: int) -> str:
    return format_verification_code("".join(CROCKFORD_ALPHABET[(n >> (5 * (7 - i))) & 31] for i in range(8)))


def _with_database(url: str, name: str) -> str:
    return urlunsplit(urlsplit(url)._replace(path=f"/{name}"))


async def _seed_million(server_url: str, template_id: str, stored: int) -> None:
    conn = await asyncpg.connect(server_url)
    try:
        lists = -(-stored // LIST_SIZE)
        sql = _SEED.format(
            size=LIST_SIZE, lists=lists, stored=stored, checks=_CHECKS,
            id_digits=_SQL_DIGITS.format(alphabet=_ID_ALPHABET),
            code_digits=_SQL_DIGITS.format(alphabet=CROCKFORD_ALPHABET),
        )  # fmt: skip
        statements = [s for s in sql.split(";\n") if s.strip()]
        for statement in statements:
            await conn.execute(statement, *([template_id] if "$1" in statement else []))
    finally:
        await conn.close()


async def _check_seeded(url: str, stored: int) -> None:
    """The clones are where the load will look for them, by id and by code."""
    conn = await asyncpg.connect(url)
    try:
        last = stored - 1
        found = await conn.fetchrow(
            "SELECT id, verification_code FROM credentials WHERE id = $1 AND verification_code = $2",
            clone_id(last), clone_code(last),
        )  # fmt: skip
        if found is None:
            sample = await conn.fetch("SELECT id, verification_code FROM credentials ORDER BY id DESC LIMIT 2")
            raise RuntimeError(f"clone {last} ({clone_id(last)}, {clone_code(last)}) not stored; stored: {sample}")
    finally:
        await conn.close()


async def _create(server_url: str) -> str:
    admin = await asyncpg.connect(server_url)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{SCALE_DATABASE}"')
        await admin.execute(f'CREATE DATABASE "{SCALE_DATABASE}"')
    finally:
        await admin.close()
    url = _with_database(server_url, SCALE_DATABASE)
    conn = await asyncpg.connect(url)
    try:
        await apply_migrations(conn)
    finally:
        await conn.close()
    return url


_RANDOM_SCRIPT = """
local paths = {}
for line in io.lines("%(file)s") do paths[#paths + 1] = line end
local thread_count = 0
function setup(thread)
  thread:set("seed", 7919 * (thread_count + 1))
  thread_count = thread_count + 1
end
function init(args)
  math.randomseed(tonumber(seed) or 1)
end
function request()
  return wrk.format("GET", paths[math.random(#paths)])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'BENCH_JSON {"requests":%%d,"duration_us":%%d,"bytes":%%d,"errors":%%d,"non_2xx_3xx":%%d,'
    .. '"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"max_us":%%d,"mean_us":%%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


def _wrk_random(wrk: WrkGenerator, origin: str, paths_file: Path, seconds: float, warmup: float) -> LoadResult:
    from bench.load import LoadResult

    script = paths_file.with_suffix(".lua")
    script.write_text(_RANDOM_SCRIPT % {"file": str(paths_file)})
    if warmup > 0:
        wrk._wrk(origin, script, CONNECTIONS, warmup)
    return LoadResult.from_report(wrk._wrk(origin, script, CONNECTIONS, seconds))


def _get_json(url: str, headers: dict[str, str] | None = None, data: bytes | None = None) -> dict[str, object]:
    request = urllib.request.Request(url, data=data, headers=headers or {}, method="POST" if data else "GET")
    with urllib.request.urlopen(request, timeout=30) as response:
        body: dict[str, object] = json.loads(response.read())
        return body


def _revocation_latency(ctx: BenchContext, env: dict[str, str], api_key: str, ids: list[str]) -> list[float]:
    """Seconds from the revocation's answer on A to the first answer on B that says revoked, per credential."""
    latencies = []
    headers = {"Authorization": f"Bearer {api_key}", "Content-Type": "application/json"}
    with serve("granian", "verify_api.app:app_from_environment", env=env, log_dir=ctx.env.work_dir) as a, \
         serve("granian", "verify_api.app:app_from_environment", env=env, log_dir=ctx.env.work_dir) as b:  # fmt: skip
        for credential_id in ids:
            path = f"/v1/credentials/{credential_id}"
            for _ in range(3):  # cached on B (an answer read while a note was in flight is not kept)
                assert _get_json(b.origin + path)["status"] == "active"
            body = json.dumps({"reason": "issued_in_error"}).encode()
            _get_json(a.origin + path + "/revoke", headers, body)
            answered = time.perf_counter()
            while _get_json(b.origin + path)["status"] != "revoked":
                if time.perf_counter() - answered > 5:
                    raise RuntimeError(f"{credential_id} still not revoked on B after 5 s")
            latencies.append(time.perf_counter() - answered)
    return latencies


def run(ctx: BenchContext) -> PartResult:
    if not isinstance(ctx.generator, WrkGenerator):
        raise RuntimeError("lookup-scale needs wrk (apt-get install wrk): uniformly random paths over a million")
    wrk = ctx.generator
    stored = QUICK_STORED if ctx.quick else STORED
    seconds, warmup = (3.0, 1.0) if ctx.quick else (8.0, 2.0)
    server_url = _with_database(ctx.env.database_url, "postgres")
    url = asyncio.run(_create(server_url))
    settings = load_settings({}, database_url=url, public_base_url=ctx.env.settings.base_url, pool_min=1, pool_max=4)
    issuer_key = IssuerKey.for_settings(ctx.env.signer, settings)
    seeded = asyncio.run(seed_through_api(settings, issuer_key, holders=2))
    started = time.monotonic()
    asyncio.run(_seed_million(url, seeded.all_credential_ids[0], stored))
    ctx.log(f"lookup-scale: {stored} credentials stored in {time.monotonic() - started:.0f} s")
    asyncio.run(_check_seeded(url, stored))
    env = {
        **ctx.env.server_environment(),
        "DATABASE_URL": url,
        "VERIFY_RATE_LIMIT_PER_MINUTE": "1000000000",
        "LOOKUP_CACHE_SIZE": str(stored // CACHED_SHARE),
    }

    rng = random.Random(10)
    hot = rng.sample(range(stored), HOT)
    work = Path(tempfile.mkdtemp(prefix="lookup-scale-", dir=ctx.env.work_dir))
    files = {
        "hot by id": [f"/v1/credentials/{clone_id(n)}" for n in hot],
        "hot by code": [f"/v1/lookup?code={clone_code(n)}" for n in hot],
        "cold by id": [f"/v1/credentials/{clone_id(n)}" for n in range(stored)],
        "cold by code": [f"/v1/lookup?code={clone_code(n)}" for n in range(stored)],
        "baseline PK": [f"/v1/credentials/{clone_id(n)}" for n in range(stored)],
        "hello": ["/hello"],
        "status list": [
            f"/v1/status-lists/benchlist{purpose}{n:04d}"
            for purpose in ("revocation", "suspension")
            for n in range(-(-stored // LIST_SIZE))
        ],
    }
    paths: dict[str, Path] = {}
    for name, lines in files.items():
        paths[name] = work / (name.replace(" ", "-") + ".txt")
        paths[name].write_text("\n".join(lines) + "\n")
    answer = _get_json  # check one answer of each before loading it
    rows, rps = [], {}
    for workers in (1, 2):
        for name in ("hello", "hot by id", "hot by code", "cold by id", "cold by code", "baseline PK", "status list"):
            target = "bench.baseline_app:create_baseline_app" if name in ("hello", "baseline PK") else (
                "verify_api.app:app_from_environment")  # fmt: skip
            with serve("granian", target, env=env, log_dir=ctx.env.work_dir, workers=workers) as running:
                first = files[name][0]
                body = answer(running.origin + first)
                if name == "status list" and body.get("type") != [
                    "VerifiableCredential",
                    "BitstringStatusListCredential",
                ]:
                    raise RuntimeError(f"{name}: the first answer is not a status list credential: {body}")
                if name not in ("hello", "baseline PK", "status list") and body.get("verified") is not True:
                    raise RuntimeError(f"{name}: the first answer is not a verified credential: {body}")
                running.wait_until_quiet()
                cpu_before = running.cpu_seconds()
                result = _wrk_random(wrk, running.origin, paths[name], seconds, warmup)
                cpu = running.cpu_seconds() - cpu_before
            cpu_us = cpu / result.requests * 1e6 if result.requests else 0.0
            rps[(name, workers)] = result.rps
            ctx.log(f"lookup-scale {name:12} {workers}w: {result.rps:8.0f} req/s p99 {result.p99_ms:.1f} ms "
                    f"errors {result.errors + result.non_2xx} CPU {cpu_us:.0f} µs/req")  # fmt: skip
            errors = str(result.errors + result.non_2xx)
            figures = [f"{result.rps:.0f}", f"{result.p50_ms:.1f}", f"{result.p99_ms:.1f}", errors]
            rows.append([name, str(workers), *figures, f"{cpu_us:.0f}", f"{result.bytes_per_response:.0f}"])

    def ratio(a: str, b: str, workers: int) -> str:
        return f"{rps[(a, workers)] / rps[(b, workers)]:.2f}" if rps.get((b, workers)) else "n/a"

    targets = [
        ("hot by id / hello", "hot by id", "hello", "≥ 0.80"),
        ("cold by id / baseline PK", "cold by id", "baseline PK", "≥ 1.00"),
        ("hot by code / hot by id", "hot by code", "hot by id", "≥ 0.90"),
        ("cold by code / cold by id", "cold by code", "cold by id", "≥ 0.90"),
        ("status list / hello", "status list", "hello", "(served from memory)"),
    ]
    ratios = [[label, ratio(a, b, 1), ratio(a, b, 2), target] for label, a, b, target in targets]

    latencies = _revocation_latency(ctx, env, seeded.api_key, [clone_id(n) for n in rng.sample(range(stored), 40)])
    ms = sorted(x * 1000 for x in latencies)
    p99 = ms[min(len(ms) - 1, round(0.99 * (len(ms) - 1)))]
    latency_row = [str(len(ms)), f"{statistics.median(ms):.1f}", f"{p99:.1f}", f"{ms[-1]:.1f}"]
    return PartResult(
        tables=[
            (
                f"{stored:,} stored credentials, granian, {CONNECTIONS} connections, wrk (uniformly random paths)",
                Table(
                    ["load", "workers", "req/s", "p50 ms", "p99 ms", "errors", "server CPU µs/req", "bytes/resp"], rows
                ),
            ),
            ("Ratios (req/s)", Table(["comparison", "1 worker", "2 workers", "target"], ratios)),
            (
                "Revocation to visible on a second served process (B), after A's revoke answered",
                Table(["revocations", "p50 ms", "p99 ms", "max ms"], [latency_row]),
            ),
        ],
        notes=[
            f"`hot`: {HOT} credentials answered from the lookup cache; `cold`: uniformly random over all {stored:,}, "
            f"so with LOOKUP_CACHE_SIZE={stored // CACHED_SHARE} about 98% are misses (one SQL statement each).",
            "`baseline PK` is bench/baseline_app.py: the register row by primary key, returned as JSON (signed "
            "document embedded, so its answers are larger). `hello` is the same app's constant /hello.",
            "Lookup by code runs behind the verification rate limiter (leases of tokens from PostgreSQL), "
            "configured at 10^9/min so it never refuses: its cost is included in the code/id ratios.",
            "`status list`: GET of the current signed status lists (every list of both purposes), served from each "
            "worker's memory (services/status_lists.py) until a change note or the clock ends them.",
            "`hot` answers are replayed before Litestar (api/replayed_lookups.py): the response the routes sent for "
            "the cached answer, sent again while it holds. `cold` misses are answered in the same layer by the "
            "route's own service call (one SQL statement) with the route's learned headers.",
            "Steady state: the seeded table is vacuumed and analysed before any load (no autovacuum of the million "
            "rows inside a window), and each server is left to finish its start-up work (the RDFC self-check "
            "thread, the outbox's first scan) until it idles, before the warm-up.",
            "Load generator, servers and PostgreSQL share the machine's 2 cores: compare the ratios, measured back to "
            "back, not the absolute figures (with 2 workers wrk competes with them for the cores, so `hello` 2w is "
            "noisy). `--quick` seeds 100,000 credentials instead of 1,000,000 (and keeps 2,000 answers per worker "
            "instead of 20,000, the same share), for development runs.",
        ],
    )


register(Part(name="lookup-scale", title="Lookups at hello-world speed over 1,000,000 credentials", run=run))
