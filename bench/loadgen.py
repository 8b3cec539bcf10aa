"""A small closed-loop HTTP/1.1 load generator, the fallback when wrk is absent: `python -m bench.loadgen`.

Runs in its own process (so its CPU shows up apart from the bench's), one asyncio task per keep-alive
connection over raw sockets, and prints one `BENCH_JSON {...}` line in the same shape as the wrk script's.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import time
from urllib.parse import urlsplit


class _Tally:
    def __init__(self) -> None:
        self.latencies_ns: list[int] = []
        self.bytes = 0
        self.errors = 0
        self.bad_status = 0
        self.recording = False


async def _read_response(reader: asyncio.StreamReader) -> tuple[int, int]:
    head = await reader.readuntil(b"\r\n\r\n")
    status = int(head[9:12])
    length = -1
    chunked = False
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        lowered = name.strip().lower()
        if lowered == b"content-length":
            length = int(value)
        elif lowered == b"transfer-encoding" and b"chunked" in value.lower():
            chunked = True
    size = len(head)
    if chunked:
        while True:
            size_line = await reader.readuntil(b"\r\n")
            chunk = int(size_line.split(b";")[0], 16)
            await reader.readexactly(chunk + 2)
            size += len(size_line) + chunk + 2
            if chunk == 0:
                break
    elif length > 0:
        await reader.readexactly(length)
        size += length
    return status, size


async def _connection(host: str, port: int, paths: list[str], offset: int, stop_at: float, tally: _Tally) -> None:
    requests = [f"GET {p} HTTP/1.1\r\nHost: {host}:{port}\r\n\r\n".encode() for p in paths]
    n = offset
    reader, writer = await asyncio.open_connection(host, port)
    try:
        while time.monotonic() < stop_at:
            request = requests[n % len(requests)]
            n += 1
            began = time.perf_counter_ns()
            try:
                writer.write(request)
                status, size = await _read_response(reader)
            except (OSError, asyncio.IncompleteReadError, ValueError):
                tally.errors += 1
                writer.close()
                reader, writer = await asyncio.open_connection(host, port)
                continue
            if tally.recording:
                tally.latencies_ns.append(time.perf_counter_ns() - began)
                tally.bytes += size
                if status >= 400:
                    tally.bad_status += 1
    finally:
        writer.close()


def _percentile(ordered: list[int], q: float) -> int:
    if not ordered:
        return 0
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


async def run_load(origin: str, paths: list[str], connections: int, seconds: float, warmup: float) -> dict[str, float]:
    parts = urlsplit(origin)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    tally = _Tally()
    start = time.monotonic()
    stop_at = start + warmup + seconds
    tasks = [asyncio.create_task(_connection(host, port, paths, i * 7919, stop_at, tally)) for i in range(connections)]
    await asyncio.sleep(warmup)
    tally.recording = True
    recorded_from = time.monotonic()
    await asyncio.gather(*tasks)
    elapsed = time.monotonic() - recorded_from
    ordered = sorted(tally.latencies_ns)
    mean = sum(ordered) / len(ordered) if ordered else 0.0
    return {
        "requests": len(ordered),
        "duration_us": int(elapsed * 1e6),
        "bytes": tally.bytes,
        "errors": tally.errors,
        "non_2xx_3xx": tally.bad_status,
        "p50_us": _percentile(ordered, 50) // 1000,
        "p90_us": _percentile(ordered, 90) // 1000,
        "p99_us": _percentile(ordered, 99) // 1000,
        "max_us": (ordered[-1] if ordered else 0) // 1000,
        "mean_us": mean / 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.loadgen", description=__doc__)
    parser.add_argument("--origin", required=True)
    parser.add_argument("--paths-file", required=True)
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--warmup", type=float, default=2.0)
    args = parser.parse_args()
    with open(args.paths_file, encoding="utf-8") as fh:
        paths = [line.strip() for line in fh if line.strip()]
    report = asyncio.run(run_load(args.origin, paths, args.connections, args.seconds, args.warmup))
    print("BENCH_JSON " + json.dumps(report), flush=True)


if __name__ == "__main__":
    main()
