"""Prometheus metrics (prometheus-client), exposed at /metrics.

Labels are bounded: requests are counted by route *template* (`/v1/credentials/{credential_id}`, never the
raw path), method (the standard ones, else `OTHER`) and status code; tiers, verdicts and status-change kinds are
closed sets.

Several worker processes: `verify-api serve` points PROMETHEUS_MULTIPROC_DIR at a fresh directory before its
workers start, so each worker writes its values to files there and whichever worker answers /metrics reports the
sum over all of them (prometheus-client's multiprocess mode). prometheus-client picks its storage when it is first
imported, so this module imports it on first use, in the worker, never at import. Without that variable (one
process, or the tests) the values live in this process only.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from collections.abc import Callable

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
UNMATCHED_ROUTE = "unmatched"  # no route answers the path (404) or the method (405)
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})

# Latency buckets from 1 ms (a cached lookup) to 10 s (a verification that fetches and checks a badge image).
_LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class _Metrics:
    """Every metric of the service, created once per process on first use."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Gauge, Histogram

        by_request = ["method", "route", "status"]
        # Its `_count` series is the request count (no separate counter: one increment less per request).
        self.http_latency = Histogram(
            "verify_api_http_request_duration_seconds",
            "Time from a request's arrival to the end of its response, by route template and status",
            by_request,
            buckets=_LATENCY_BUCKETS,
        )
        self.rate_limit_refusals = Counter(
            "verify_api_rate_limit_refusals", "Requests refused with 429 Too Many Requests, by route", ["route"]
        )
        self.database_unavailable = Counter(
            "verify_api_database_unavailable_requests",
            "Requests answered 503 because PostgreSQL could not be reached or the connection was lost",
            ["route"],
        )
        self.credentials_issued = Counter(
            "verify_api_credentials_issued", "Credentials issued (committed), by tier, renewals and reissues included",
            ["tier"],
        )  # fmt: skip
        self.status_changes = Counter(
            "verify_api_status_changes", "Credential status changes (committed), by event kind", ["kind"]
        )
        self.verifications = Counter(
            "verify_api_verifications", "Presented credentials checked, by verdict", ["verdict"]
        )
        # The outbox (services.outbox): every dispatcher reads the same database-wide depth, so the largest is it.
        self.outbox_depth = Gauge(
            "verify_api_outbox_depth", "Deliveries not yet sent (pending or being sent), by channel", ["channel"],
            multiprocess_mode="livemax",
        )  # fmt: skip
        self.deliveries = Counter(
            "verify_api_notification_deliveries", "Delivery attempts, by channel and outcome", ["channel", "outcome"]
        )
        # Each worker samples its own pool; over several workers the live ones are summed.
        pool_gauges = {
            "size": "Open database connections",
            "idle": "Open database connections not lent out",
            "in_use": "Database connections lent to a request",
            "max": "Most connections the pool may open",
        }
        self.pool = {
            key: Gauge(f"verify_api_db_pool_{key}", text, ["pool"], multiprocess_mode="livesum")
            for key, text in pool_gauges.items()
        }


_metrics: _Metrics | None = None


def _get() -> _Metrics:
    global _metrics  # one set per process, made on first use (see the module docstring)
    if _metrics is None:
        _metrics = _Metrics()
    return _metrics


# The labelled request histograms by (method, route, status): `labels()` takes a lock and checks its
# arguments on every call, several times the cost of the increment itself; the label sets are bounded.
_request_histograms: dict[tuple[str, str, int], Any] = {}


def observe_request(method: str, route: str, status: int, seconds: float) -> None:
    histogram = _request_histograms.get((method, route, status))
    if histogram is None:
        label_method = method if method in _METHODS else "OTHER"
        histogram = _get().http_latency.labels(label_method, route, str(status))
        if label_method == method:  # an unknown method is not a key (any client could invent new ones)
            _request_histograms[(method, route, status)] = histogram
    histogram.observe(seconds)
    if status == 429:
        _get().rate_limit_refusals.labels(route).inc()


def count_rate_limit_refusal(route: str) -> None:
    """For a limiter that refuses without a 429 response; the middleware already counts every 429."""
    _get().rate_limit_refusals.labels(route).inc()


def count_database_unavailable(route: str) -> None:
    _get().database_unavailable.labels(route).inc()


def count_issuance(tier: str) -> None:
    _get().credentials_issued.labels(tier).inc()


def count_status_change(kind: str) -> None:
    _get().status_changes.labels(kind).inc()


def count_verification(verified: bool) -> None:
    _get().verifications.labels("verified" if verified else "not_verified").inc()


def sample_pool(stats: Callable[[], tuple[int, int, int]], pool: str = "primary") -> None:
    """Set the pool gauges from `stats()` = (open connections, idle ones, maximum)."""
    size, idle, maximum = stats()
    gauges = _get().pool
    gauges["size"].labels(pool).set(size)
    gauges["idle"].labels(pool).set(idle)
    gauges["in_use"].labels(pool).set(size - idle)
    gauges["max"].labels(pool).set(maximum)


def set_outbox_depth(depths: dict[str, int]) -> None:
    gauge = _get().outbox_depth
    for channel in ("email", "webhook"):
        gauge.labels(channel).set(depths.get(channel, 0))


def count_delivery_attempt(channel: str, outcome: str) -> None:
    _get().deliveries.labels(channel, outcome).inc()


def render_metrics() -> bytes:
    """The Prometheus text exposition of every metric: summed over all workers in multiprocess mode."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest, multiprocess

    _get()
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)


def forget_this_process() -> None:
    """A worker that stops takes its live gauges out of the sums (its counters stay counted)."""
    if os.environ.get(MULTIPROC_ENV):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(os.getpid())  # type: ignore[no-untyped-call]
