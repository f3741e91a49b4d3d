"""Request counts and latencies for Prometheus, per URL rule, in one process or many.

A request is counted under its URL rule (``/b/<token>``), never under the path it asked for: a
path carries capability tokens and case numbers, and a label per path would grow without end.
Requests no rule matched count as ``<unmatched>``, unknown methods as ``OTHER``.

Under gunicorn each worker is a process of its own: with ``PROMETHEUS_MULTIPROC_DIR`` in the
environment before the start, prometheus_client keeps each worker's values in a file there and
``/metrics`` sums the files (``portal serve`` empties the directory and marks ended workers).
Without it, the app's own registry counts (one process: tests, ``portal demo``).
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path

from flask import Flask, Response, current_app, g, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

from server.monitoring.gauges import QueueGauges
from server.portal_flask import own

UNMATCHED = "<unmatched>"
KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds: pages answer in tens of milliseconds, PDFs and statement imports take seconds.
BUCKETS = (0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)


def multiprocess_mode() -> bool:
    return bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))


def empty_multiprocess_dir() -> None:
    """Remove the value files of an earlier run (before the workers start)."""
    folder = Path(os.environ["PROMETHEUS_MULTIPROC_DIR"])
    folder.mkdir(parents=True, exist_ok=True)
    for stale in folder.glob("*.db"):
        stale.unlink()


def worker_ended(pid: int) -> None:
    """gunicorn's ``child_exit``: drop the ended worker's live gauges (counts stay summed)."""
    multiprocess.mark_process_dead(pid)  # type: ignore[no-untyped-call]


@dataclass(frozen=True)
class RequestMetrics:
    registry: CollectorRegistry | None  # None: the workers' files are read on every scrape
    requests: Counter
    latency: Histogram
    # Each label combination's child, found once: ``labels()`` checks and converts its values
    # and takes a lock every time (two per request). Bounded by routes, methods and statuses.
    counts: dict[tuple[str, str, int], Counter] = field(default_factory=dict)
    timings: dict[tuple[str, str], Histogram] = field(default_factory=dict)

    def count(self, method: str, route: str, status: int) -> Counter:
        key = (method, route, status)
        child = self.counts.get(key)
        if child is None:
            child = self.counts[key] = self.requests.labels(method, route, str(status))
        return child

    def timing(self, method: str, route: str) -> Histogram:
        key = (method, route)
        child = self.timings.get(key)
        if child is None:
            child = self.timings[key] = self.latency.labels(method, route)
        return child

    def exposition(self) -> bytes:
        registry = self.registry
        if registry is None:
            registry = CollectorRegistry()
            multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
            registry.register(QueueGauges())
        return generate_latest(registry)


def _make(registry: CollectorRegistry | None) -> RequestMetrics:
    requests = Counter(
        "portal_http_requests",
        "HTTP requests answered, by method, URL rule and status.",
        ["method", "route", "status"],
        registry=registry,
    )
    latency = Histogram(
        "portal_http_request_duration_seconds",
        "Time from the start of a request to its response, by method and URL rule.",
        ["method", "route"],
        buckets=BUCKETS,
        registry=registry,
    )
    return RequestMetrics(registry, requests, latency)


def _started() -> None:
    g.metrics_started = time.perf_counter()


def _counted(response: Response) -> Response:
    metrics: RequestMetrics = current_app.extensions["metrics"]
    current = own(request)
    rule = current.url_rule
    route = rule.rule if rule is not None else UNMATCHED
    method = current.method if current.method in KNOWN_METHODS else "OTHER"
    metrics.count(method, route, response.status_code).inc()
    started = g.get("metrics_started")
    if started is not None:
        metrics.timing(method, route).observe(time.perf_counter() - started)
    return response


def init_metrics(app: Flask) -> None:
    """Count every request of ``app``: the clock starts before any other ``before_request``
    (a rate limit's refusal is timed too)."""
    if multiprocess_mode():
        metrics = _make(None)
    else:
        registry = CollectorRegistry()
        metrics = _make(registry)
        registry.register(QueueGauges())
    app.extensions["metrics"] = metrics
    app.before_request_funcs.setdefault(None, []).insert(0, _started)
    app.after_request(_counted)


def exposition() -> tuple[bytes, str]:
    metrics: RequestMetrics = current_app.extensions["metrics"]
    return metrics.exposition(), CONTENT_TYPE_LATEST
