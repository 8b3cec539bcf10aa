"""What the figures were measured on: CPU, cores, memory, Python, PostgreSQL and the server packages."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass
from importlib import metadata
from pathlib import Path

PACKAGES = ("litestar", "msgspec", "asyncpg", "granian", "uvicorn", "pyld", "cryptography")


@dataclass(frozen=True)
class Machine:
    cpu: str
    cores: int
    memory_gib: float
    os: str
    python: str
    postgres: str
    packages: dict[str, str]
    load_average: str

    def lines(self) -> list[str]:
        versions = ", ".join(f"{name} {version}" for name, version in self.packages.items())
        return [
            f"CPU: {self.cpu}, {self.cores} cores available; RAM {self.memory_gib:.1f} GiB",
            f"OS: {self.os}",
            f"Python {self.python}; PostgreSQL {self.postgres} (throwaway cluster, fsync off)",
            f"Packages: {versions}",
            f"Load average (1, 5, 15 min) when the run started: {self.load_average}",
        ]


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def _memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / (1024 * 1024)
    except OSError:
        pass
    return 0.0


def load_average() -> str:
    try:
        return " ".join(Path("/proc/loadavg").read_text().split()[:3])
    except OSError:
        return "unknown"


def _version(name: str) -> str:
    try:
        return metadata.version(name)
    except metadata.PackageNotFoundError:
        return "absent"


def describe_machine(postgres_version: str, load_at_start: str) -> Machine:
    return Machine(
        cpu=_cpu_model(),
        cores=len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 0,
        memory_gib=_memory_gib(),
        os=platform.platform(),
        python=platform.python_version(),
        postgres=postgres_version,
        packages={name: _version(name) for name in PACKAGES},
        load_average=load_at_start,
    )
