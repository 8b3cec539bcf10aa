"""Part `poison`: hostile JSON-LD does not slow our own issuance, is refused fast, and honest verification keeps up.

Against the real app under granian (1 worker), in one run:
- issuance p99 (POST /v1/credentials, eddsa-rdfc-2022, one client, one request after another) idle, then again
  while 4 poison-graph requests to POST /v1/verify are in flight at every moment (4 clients sending back to back);
- the time each poison request takes to be refused, alone and under that load;
- honest POST /v1/verify throughput (4 clients, closed loop) for a seeded credential of each cryptosuite.
Poison graphs are the ones issue 8 reported: a complete graph of 8 blank nodes (1.6 KB, 80 s of RDFC-1.0 before)
and ``{"@list": [300 identical strings]}`` (22 s before), plus a complete graph of 20 blank nodes.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
from typing import TYPE_CHECKING, Any

import httpx

from bench.environment import REPO_ROOT
from bench.registry import BenchContext, Part, PartResult, Table, register
from bench.server import serve
from bench.timing import CallTiming, ms, summarize

if TYPE_CHECKING:
    from pathlib import Path

# The code before issue 8 (process-wide pyld lock, no claims check), served for the honest-throughput comparison.
BASELINE_REF = os.environ.get("BENCH_POISON_BASELINE_REF", "f4ba6b3")
POISON_IN_FLIGHT = 4
HONEST_CLIENTS = 4
SUITE = "eddsa-rdfc-2022"
V2 = "https://www.w3.org/ns/credentials/v2"
EXAMPLES = "https://www.w3.org/ns/credentials/examples/v2"


def _complete_graph(size: int) -> dict[str, Any]:
    nodes: list[dict[str, Any]] = [{"id": f"_:b{i}"} for i in range(size)]
    for index, node in enumerate(nodes):
        node["knows"] = [{"id": f"_:b{j}"} for j in range(size) if j != index]
    return {"id": "did:example:subject", "graph": nodes}


def poison_documents(signed: dict[str, Any]) -> dict[str, bytes]:
    """Each poison subject inside a credential that names the PAI and carries a real PAI proof (it cannot verify)."""
    subjects = {
        "complete graph, 8 blank nodes": _complete_graph(8),
        "complete graph, 20 blank nodes": _complete_graph(20),
        "@list of 300 identical strings": {"id": "did:example:subject", "values": {"@list": ["same"] * 300}},
        # Under the structure limits, so these reach RDF canonicalisation and its N-degree budget.
        "@list of 90 identical strings": {"id": "did:example:subject", "values": {"@list": ["same"] * 90}},
        "90 identical sibling blank nodes": {"id": "did:example:subject", "items": [{"knows": {"name": "x"}}] * 45},
    }
    documents = {}
    for name, subject in subjects.items():
        document = {
            "@context": [V2, EXAMPLES],
            "type": ["VerifiableCredential"],
            "issuer": signed["issuer"],
            "credentialSubject": subject,
            "proof": signed["proof"],
        }
        documents[name] = json.dumps(document).encode()
    return documents


class _Poisoner:
    """`POISON_IN_FLIGHT` clients posting poison documents back to back until stopped; records each refusal."""

    def __init__(self, client: httpx.AsyncClient, documents: dict[str, bytes]) -> None:
        self.client = client
        self.documents = list(documents.items())
        self.refusals: dict[str, list[float]] = {name: [] for name, _ in self.documents}
        self.statuses: set[str] = set()
        self.stop = asyncio.Event()

    async def send(self, name: str, body: bytes) -> None:
        began = time.perf_counter()
        response = await self.client.post("/v1/verify", content=body, headers={"Content-Type": "application/json"})
        self.refusals[name].append(time.perf_counter() - began)
        verified = response.json().get("verified") if response.status_code == 200 else None
        self.statuses.add(f"{response.status_code} verified={verified}".replace(" verified=None", ""))

    async def worker(self, offset: int) -> None:
        index = offset
        while not self.stop.is_set():
            name, body = self.documents[index % len(self.documents)]
            await self.send(name, body)
            index += 1


async def _measure(
    origin: str, api_key: str, *, issues: int, documents: dict[str, bytes], honest: dict[str, bytes]
) -> dict[str, Any]:
    headers = {"Authorization": f"Bearer {api_key}"}
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    async with httpx.AsyncClient(base_url=origin, headers=headers, limits=limits, timeout=120) as client:

        async def post(path: str, body: dict[str, object]) -> dict[str, Any]:
            response = await client.post(path, json=body)
            if response.status_code != 201:
                raise RuntimeError(f"POST {path} answered {response.status_code}: {response.text[:300]}")
            result: dict[str, Any] = response.json()
            return result

        holders = []
        for _ in range(3 * issues + 10):
            holder = await post("/v1/holders", {"displayName": "Bench Poison"})
            await post("/v1/assessments", {"kind": "exam", "holderId": holder["id"], "score": 90, "maxScore": 100})
            holders.append(str(holder["id"]))

        async def issue_all(holder_ids: list[str]) -> list[float]:
            durations = []
            for holder_id in holder_ids:
                began = time.perf_counter()
                await post("/v1/credentials", {"tier": "AIDA", "holderId": holder_id, "cryptosuite": SUITE})
                durations.append(time.perf_counter() - began)
            return durations

        await issue_all(holders[:10])  # warm-up
        idle = await issue_all(holders[10 : 10 + issues])

        alone = _Poisoner(client, documents)
        for _ in range(5):
            for name, body in documents.items():
                await alone.send(name, body)

        async def issue_under(load: _Poisoner, holder_ids: list[str]) -> list[float]:
            workers = [asyncio.create_task(load.worker(i)) for i in range(POISON_IN_FLIGHT)]
            await asyncio.sleep(0.5)  # every load client has a request in flight
            durations = await issue_all(holder_ids)
            load.stop.set()
            await asyncio.gather(*workers)
            return durations

        loaded = _Poisoner(client, documents)
        under_poison = await issue_under(loaded, holders[10 + issues : 10 + 2 * issues])
        honest_load = _Poisoner(client, {"honest": honest[SUITE]})
        under_honest = await issue_under(honest_load, holders[10 + 2 * issues :])

    return {
        "idle": summarize(idle),
        "under_poison": summarize(under_poison),
        "under_honest": summarize(under_honest),
        "alone": alone,
        "loaded": loaded,
    }


async def _honest_throughput(origin: str, honest: dict[str, bytes], seconds: float) -> dict[str, tuple[float, Any]]:
    limits = httpx.Limits(max_connections=16, max_keepalive_connections=16)
    async with httpx.AsyncClient(base_url=origin, limits=limits, timeout=120) as client:
        throughput = {}
        for suite, body in honest.items():

            async def verify_loop(deadline: float, body: bytes = body) -> list[float]:
                durations = []
                while time.perf_counter() < deadline:
                    began = time.perf_counter()
                    response = await client.post(
                        "/v1/verify", content=body, headers={"Content-Type": "application/json"}
                    )
                    if response.status_code != 200 or response.json()["verified"] is not True:
                        raise RuntimeError(f"honest verify failed: {response.status_code} {response.text[:300]}")
                    durations.append(time.perf_counter() - began)
                return durations

            await verify_loop(time.perf_counter() + 1.0)  # warm-up
            began = time.perf_counter()
            runs = await asyncio.gather(*(verify_loop(began + seconds) for _ in range(HONEST_CLIENTS)))
            samples = [d for run in runs for d in run]
            throughput[suite] = (len(samples) / (time.perf_counter() - began), summarize(samples))
    return throughput


def _baseline_tree(work_dir: Path) -> Path | None:
    """The baseline commit's verify_api, exported with git archive (None when the ref is not in this repository)."""
    target = work_dir / f"baseline-{BASELINE_REF}"
    target.mkdir(exist_ok=True)
    archive = subprocess.run(
        ["git", "-C", str(REPO_ROOT), "archive", BASELINE_REF, "verify_api"],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        return None
    subprocess.run(["tar", "-x", "-C", str(target)], input=archive.stdout, check=True)
    return target


def run(ctx: BenchContext) -> PartResult:
    issues, honest_s = (20, 2.0) if ctx.quick else (150, 10.0)
    signed = json.loads(ctx.env.seeded.documents[SUITE])
    documents = poison_documents(signed)
    env = ctx.env.server_environment() | {"VERIFY_RATE_LIMIT_PER_MINUTE": "1000000"}
    with serve("granian", "verify_api.app:app_from_environment", env=env, log_dir=ctx.env.work_dir) as running:
        found = asyncio.run(
            _measure(
                running.origin,
                ctx.env.seeded.api_key,
                issues=issues,
                documents=documents,
                honest=ctx.env.seeded.documents,
            )
        )
        throughput = asyncio.run(_honest_throughput(running.origin, ctx.env.seeded.documents, honest_s))
    baseline: dict[str, tuple[float, Any]] = {}
    tree = _baseline_tree(ctx.env.work_dir)
    if tree is not None:
        old_env = env | {"PYTHONPATH": str(tree)}
        try:
            with serve(
                "granian", "verify_api.app:app_from_environment", env=old_env, log_dir=ctx.env.work_dir, cwd=tree
            ) as old:
                baseline = asyncio.run(_honest_throughput(old.origin, ctx.env.seeded.documents, honest_s))
        except (RuntimeError, OSError) as exc:  # the baseline may not run against a newer schema
            ctx.log(f"poison: baseline {BASELINE_REF} not measured: {exc}")
    idle: CallTiming = found["idle"]
    loaded_issue: CallTiming = found["under_poison"]
    honest_issue: CallTiming = found["under_honest"]
    ratio = loaded_issue.p99_s / idle.p99_s
    ctx.log(f"poison: issuance p99 idle {ms(idle.p99_s)} ms, with poison {ms(loaded_issue.p99_s)} ms ({ratio:.2f}x)")
    issuance = Table(
        ["issuance (POST /v1/credentials, 1 client)", "n", "p50 ms", "p99 ms", "p99 / idle p99", "target"],
        [
            ["idle", str(idle.calls), ms(idle.median_s), ms(idle.p99_s), "1.00", ""],
            [
                f"{POISON_IN_FLIGHT} poison requests in flight",
                str(loaded_issue.calls),
                ms(loaded_issue.median_s),
                ms(loaded_issue.p99_s),
                f"{ratio:.2f}",
                "<= 2.00",
            ],
            [
                f"{POISON_IN_FLIGHT} honest verify requests in flight (for comparison)",
                str(honest_issue.calls),
                ms(honest_issue.median_s),
                ms(honest_issue.p99_s),
                f"{honest_issue.p99_s / idle.p99_s:.2f}",
                "",
            ],
        ],
    )
    refusal_rows = []
    for name, body in documents.items():
        for how, poisoner in (("alone", found["alone"]), (f"{POISON_IN_FLIGHT} in flight", found["loaded"])):
            timing = summarize(poisoner.refusals[name])
            refusal_rows.append(
                [
                    name,
                    f"{len(body):,}",
                    how,
                    str(timing.calls),
                    ms(timing.median_s),
                    ms(max(poisoner.refusals[name])),
                    "< 1000",
                ]
            )
    answers = sorted(found["alone"].statuses | found["loaded"].statuses)
    throughput_rows = []
    for suite, (rate, timing) in throughput.items():
        row = [suite, "ours", f"{rate:.0f}", ms(timing.median_s), ms(timing.p99_s), str(timing.calls), "", ">= 0.90"]
        throughput_rows.append(row)
        if suite in baseline:
            old_rate, old_timing = baseline[suite]
            throughput_rows.append(
                [
                    suite,
                    f"before issue 8 ({BASELINE_REF})",
                    f"{old_rate:.0f}",
                    ms(old_timing.median_s),
                    ms(old_timing.p99_s),
                    str(old_timing.calls),
                    "",
                    "",
                ]
            )
            row[6] = f"{rate / old_rate:.2f}"
    return PartResult(
        tables=[
            ("Our own issuance while poison graphs are being verified (same server, same run)", issuance),
            (
                "Time to refuse each poison document (POST /v1/verify, end to end)",
                Table(["document", "bytes", "how", "n", "p50 ms", "max ms", "target ms"], refusal_rows),
            ),
            (
                f"Honest POST /v1/verify, {HONEST_CLIENTS} clients, closed loop (seeded AIDA credential)",
                Table(
                    ["cryptosuite", "code", "req/s", "p50 ms", "p99 ms", "n", "ours / before", "target"],
                    throughput_rows,
                ),
            ),
        ],
        notes=[
            f"`before issue 8` is commit {BASELINE_REF} (pyld under a process-wide lock, no signed-claims check, "
            "no poison bound), exported with git archive and served the same way against the same database, "
            "measured minutes apart in this run; `ours / before` is the req/s ratio (target: within 10%).",
            "`4 honest verify requests in flight` loads the server the same way with seeded credentials: a closed "
            "loop of 4 clients saturates a 1-worker server on 2 shared cores whatever they send, so compare the "
            "poison row with it, not only with idle.",
            f'Every poison request was answered {", ".join(answers)}: a "not verified" report whose proof check '
            "names the RDFC-1.0 poison-graph limit (before: 22-80 s of canonicalisation each, under a process-wide "
            "lock that made issuance wait).",
            "RDF canonicalisation bounds Hash N-Degree Quads work (proofs/rdfc.py); presented proofs are checked in "
            "a worker process (verification/isolation.py: 1 per server worker, niceness 10, 10 s deadline), so "
            "they never hold the server's GIL; our issuance signs in the server process. eddsa-jcs-2022: the "
            "signed-claims answer is remembered per exact JSON text (verification/signed_claims.py), and the "
            "honest rows send one credential again and again, so they measure a credential verified again, not "
            "a first sight.",
            "Figures swing from run to run on this machine (other work shares the 2 cores; see the load average "
            "above): compare rows of the same run, and several runs (bench/RESULTS.md, part `poison-runs`).",
            "Issuance rate limit for /v1/verify lifted for this part (VERIFY_RATE_LIMIT_PER_MINUTE); the httpx "
            "clients run in the bench process on the same 2 cores as granian and PostgreSQL.",
        ],
    )


register(Part(name="poison", title="Poison graphs: issuance under hostile verify load, time to refuse", run=run))
