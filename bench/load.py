"""Closed-loop HTTP load: N keep-alive connections each send the next request as soon as the last answered.

`wrk` is used when it is on PATH (C, light on CPU, which matters when it shares 2 cores with the server);
otherwise `python -m bench.loadgen`, an asyncio client in its own process. Both rotate through the given
paths, discard a warm-up period, and report requests/s, latency percentiles and failures.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol

GeneratorName = Literal["auto", "wrk", "python"]
_MARK = "BENCH_JSON "

# One Lua state per wrk thread: `setup` numbers the threads so each starts at a different path.
_WRK_SCRIPT = """
local paths = {%(paths)s}
local thread_count = 0
function setup(thread)
  thread:set("offset", thread_count * 7919)
  thread_count = thread_count + 1
end
local n = 0
function init(args)
  n = tonumber(offset) or 0
end
function request()
  n = n + 1
  return wrk.format("GET", paths[(n %% #paths) + 1])
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    '%(mark)s{"requests":%%d,"duration_us":%%d,"bytes":%%d,"errors":%%d,"non_2xx_3xx":%%d,'
    .. '"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"max_us":%%d,"mean_us":%%.1f}\\n',
    summary.requests, summary.duration, summary.bytes, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(90), latency:percentile(99), latency.max, latency.mean))
end
"""


@dataclass(frozen=True)
class LoadResult:
    requests: int
    seconds: float
    errors: int
    non_2xx: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    max_ms: float
    bytes_per_response: float

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @classmethod
    def from_report(cls, report: dict[str, float]) -> LoadResult:
        requests = int(report["requests"])
        return cls(
            requests=requests,
            seconds=report["duration_us"] / 1e6,
            errors=int(report["errors"]),
            non_2xx=int(report["non_2xx_3xx"]),
            p50_ms=report["p50_us"] / 1000,
            p90_ms=report["p90_us"] / 1000,
            p99_ms=report["p99_us"] / 1000,
            max_ms=report["max_us"] / 1000,
            bytes_per_response=report["bytes"] / requests if requests else 0.0,
        )


class LoadGenerator(Protocol):
    name: str

    def run(self, origin: str, paths: list[str], *, connections: int, seconds: float, warmup: float) -> LoadResult: ...


def _parse_report(stdout: str, what: str) -> dict[str, float]:
    for line in stdout.splitlines():
        if line.startswith(_MARK):
            report: dict[str, float] = json.loads(line[len(_MARK) :])
            return report
    raise RuntimeError(f"{what} printed no report:\n{stdout[-2000:]}")


class WrkGenerator:
    def __init__(self, executable: str, threads: int = 2) -> None:
        self.executable = executable
        self.threads = threads
        version = subprocess.run([executable, "-v"], capture_output=True, text=True, check=False)
        first = (version.stdout or version.stderr).strip().splitlines()
        self.name = f"wrk ({first[0].split(' [')[0] if first else 'wrk'}, {threads} threads)"

    def _wrk(self, origin: str, script: Path, connections: int, seconds: float) -> dict[str, float]:
        argv = [
            self.executable, f"-t{self.threads}", f"-c{connections}", f"-d{max(1, round(seconds))}s",
            "--timeout", "10s", "-s", str(script), origin,
        ]  # fmt: skip
        done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + 60, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"wrk failed ({done.returncode}): {done.stderr.strip()}")
        return _parse_report(done.stdout, "wrk")

    def run(self, origin: str, paths: list[str], *, connections: int, seconds: float, warmup: float) -> LoadResult:
        quoted = ", ".join(json.dumps(p) for p in paths)
        with tempfile.TemporaryDirectory(prefix="bench-wrk-") as tmp:
            script = Path(tmp) / "rotate.lua"
            script.write_text(_WRK_SCRIPT % {"paths": quoted, "mark": _MARK})
            if warmup > 0:
                self._wrk(origin, script, connections, warmup)
            return LoadResult.from_report(self._wrk(origin, script, connections, seconds))


class PythonGenerator:
    name = "python -m bench.loadgen (asyncio, raw sockets, 1 process)"

    def run(self, origin: str, paths: list[str], *, connections: int, seconds: float, warmup: float) -> LoadResult:
        with tempfile.NamedTemporaryFile("w", prefix="bench-paths-", suffix=".txt") as paths_file:
            paths_file.write("\n".join(paths))
            paths_file.flush()
            argv = [
                sys.executable, "-m", "bench.loadgen", "--origin", origin, "--paths-file", paths_file.name,
                "--connections", str(connections), "--seconds", str(seconds), "--warmup", str(warmup),
            ]  # fmt: skip
            done = subprocess.run(argv, capture_output=True, text=True, timeout=seconds + warmup + 60, check=False)
        if done.returncode != 0:
            raise RuntimeError(f"bench.loadgen failed ({done.returncode}): {done.stderr.strip()[-2000:]}")
        return LoadResult.from_report(_parse_report(done.stdout, "bench.loadgen"))


def choose_generator(preference: GeneratorName) -> LoadGenerator:
    wrk = shutil.which("wrk")
    if preference == "wrk" and wrk is None:
        raise RuntimeError("--generator wrk, but wrk is not on PATH (apt-get install wrk)")
    if preference != "python" and wrk is not None:
        return WrkGenerator(wrk)
    return PythonGenerator()
