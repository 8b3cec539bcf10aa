"""Part `badges`: cold render time of a badge (SVG, PNG), and cached badge requests/s next to the lookup endpoint.

Cold: in process, every call renders from nothing (the QR matrix cache is cleared first), which is what the first
request for a badge, or the first after a status change, costs a worker thread. The offline QR signing and the
baking step are timed on their own. Throughput: one granian worker serves `GET /v1/credentials/{id}` and the
badge routes in the same run, after every badge has been requested once (so the content-addressed cache answers).
"""

from __future__ import annotations

import urllib.request
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

from bench.lookup import OURS
from bench.registry import BenchContext, Part, PartResult, Table, register
from bench.server import serve
from bench.timing import ms, time_call
from verify_api.badges import qr
from verify_api.badges.baking import bake_png
from verify_api.badges.content import BadgeContent
from verify_api.badges.png import render_badge_png_sync
from verify_api.badges.svg import render_badge_svg_sync
from verify_api.proofs.offline_qr import OfflineCredential, encode_offline_payload_sync, key_id_for

if TYPE_CHECKING:
    from bench.load import LoadResult

CONNECTIONS = 64


def sample_content(ctx: BenchContext, *, offline: bool) -> BadgeContent:
    credential_id = ctx.env.seeded.all_credential_ids[0]
    start = datetime(2026, 11, 27, 9, 0, tzinfo=UTC)
    payload = None
    if offline:
        claims = OfflineCredential(
            credential_id=credential_id,
            tier="AIDA",
            subject_name="Ada Lovelace",
            valid_from=start,
            valid_until=start + timedelta(days=730),
            key_id=key_id_for(ctx.env.signer.public_key),
        )
        payload = encode_offline_payload_sync(claims, ctx.env.signer)
    return BadgeContent(
        tier="AIDA",
        tier_title="AIDA: PSF Foundations",
        subject_name="Ada Lovelace",
        subject_kind="person",
        valid_from=start.date(),
        valid_until=(start + timedelta(days=730)).date(),
        verification_code="PAI-7K3M-9QXD-4",
        verify_url=f"verify.bench.example/c/{credential_id}",
        page_url=f"https://verify.bench.example/c/{credential_id}",
        status="active",
        offline_qr=payload,
    )


def _render_rows(ctx: BenchContext) -> list[list[str]]:
    budget = 0.5 if ctx.quick else 3.0
    rows = []
    for offline in (True, False):
        content = sample_content(ctx, offline=offline)
        label = "with offline QR" if offline else "page QR only"

        def svg(content: BadgeContent = content) -> None:
            qr._build.cache_clear()
            render_badge_svg_sync(content)

        def png(content: BadgeContent = content) -> None:
            qr._build.cache_clear()
            render_badge_png_sync(content)

        for name, call in (("SVG", svg), ("PNG 600 x 800", png)):
            t = time_call(call, budget_s=budget)
            rows.append([f"render {name}, cold", label, ms(t.median_s), ms(t.p99_s), f"{t.per_second:.0f}"])
    content = sample_content(ctx, offline=True)
    png_bytes = render_badge_png_sync(content)
    document = ctx.env.seeded.documents["eddsa-rdfc-2022"].decode()
    claims_text = content.offline_qr or ""
    timings = {
        "bake the signed credential into the PNG": time_call(lambda: bake_png(png_bytes, document), budget_s=budget),
        "sign + encode the offline QR payload": time_call(
            lambda: encode_offline_payload_sync(
                OfflineCredential(
                    credential_id=ctx.env.seeded.all_credential_ids[0],
                    tier="AIDA",
                    subject_name="Ada Lovelace",
                    valid_from=datetime(2026, 11, 27, tzinfo=UTC),
                    valid_until=datetime(2028, 11, 26, tzinfo=UTC),
                    key_id=key_id_for(ctx.env.signer.public_key),
                ),
                ctx.env.signer,
            ),
            budget_s=budget,
        ),
    }
    for name, t in timings.items():
        rows.append([name, f"{len(claims_text)} chars" if "offline" in name else "", ms(t.median_s), ms(t.p99_s),
                     f"{t.per_second:.0f}"])  # fmt: skip
    return rows


def _prewarm(origin: str, paths: list[str]) -> None:
    for path in paths:
        with urllib.request.urlopen(origin + path, timeout=60) as response:
            if response.status != 200:
                raise RuntimeError(f"{path} answered {response.status}")
            response.read()


def _throughput_rows(ctx: BenchContext) -> list[list[str]]:
    ids = ctx.env.seeded.all_credential_ids
    routes = {
        "GET /v1/credentials/{id} (lookup)": [f"/v1/credentials/{cid}" for cid in ids],
        "GET /v1/credentials/{id}/badge.svg (cached)": [f"/v1/credentials/{cid}/badge.svg" for cid in ids],
        "GET /v1/credentials/{id}/badge.png (cached)": [f"/v1/credentials/{cid}/badge.png" for cid in ids],
    }
    seconds, warmup = (3.0, 1.0) if ctx.quick else (8.0, 2.0)
    results: dict[str, LoadResult] = {}
    with serve("granian", OURS, env=ctx.env.server_environment(), log_dir=ctx.env.work_dir, workers=1) as running:
        for route, paths in routes.items():
            _prewarm(running.origin, paths)
            results[route] = ctx.generator.run(
                running.origin, paths, connections=CONNECTIONS, seconds=seconds, warmup=warmup
            )
            r = results[route]
            ctx.log(f"badges {route}: {r.rps:.0f} req/s p50 {r.p50_ms:.1f} ms errors {r.errors + r.non_2xx}")
    lookup = results["GET /v1/credentials/{id} (lookup)"].rps
    return [
        [
            route,
            f"{r.rps:.0f}",
            f"{r.rps / lookup:.2f}" if lookup else "n/a",
            f"{r.p50_ms:.1f}",
            f"{r.p99_ms:.1f}",
            str(r.errors + r.non_2xx),
            f"{r.bytes_per_response:.0f}",
        ]
        for route, r in results.items()
    ]


def run(ctx: BenchContext) -> PartResult:
    render = _render_rows(ctx)
    served = _throughput_rows(ctx)
    return PartResult(
        tables=[
            (
                "Cold render, in process (one call at a time)",
                Table(["step", "badge", "median ms", "p99 ms", "calls/s"], render),
            ),
            (
                f"Served by granian, 1 worker, {CONNECTIONS} keep-alive connections, generator: {ctx.generator.name}",
                Table(["route", "req/s", "÷ lookup", "p50 ms", "p99 ms", "errors", "bytes/resp"], served),
            ),
        ],
        notes=[
            "Every badge request looks the credential up (its status is live) and signs the offline QR payload "
            "before the content-addressed cache key is known; only the rendering is cached.",
            f"Rotating over {len(ctx.env.seeded.all_credential_ids)} seeded AIDA credentials; each badge was "
            "requested once before the measurement, so the figures are for cached images.",
        ],
    )


register(Part(name="badges", title="Badge rendering and cached badge throughput", run=run))
