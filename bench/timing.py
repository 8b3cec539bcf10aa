"""Timing a synchronous call: repeat it until a time budget is spent, report per-call figures."""

from __future__ import annotations

import statistics
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Callable


@dataclass(frozen=True)
class CallTiming:
    calls: int
    median_s: float
    mean_s: float
    p99_s: float

    @property
    def per_second(self) -> float:
        return 1.0 / self.mean_s if self.mean_s else 0.0


def time_call(call: Callable[[], object], *, budget_s: float, min_calls: int = 5, warmup: int = 3) -> CallTiming:
    for _ in range(warmup):
        call()
    samples: list[float] = []
    deadline = time.perf_counter() + budget_s
    while len(samples) < min_calls or time.perf_counter() < deadline:
        began = time.perf_counter()
        call()
        samples.append(time.perf_counter() - began)
    return summarize(samples)


def summarize(samples: list[float]) -> CallTiming:
    ordered = sorted(samples)
    return CallTiming(
        calls=len(ordered),
        median_s=statistics.median(ordered),
        mean_s=statistics.fmean(ordered),
        p99_s=ordered[min(len(ordered) - 1, round(0.99 * (len(ordered) - 1)))],
    )


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.2f}"


def us(seconds: float) -> str:
    return f"{seconds * 1e6:.1f}"
