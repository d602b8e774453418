"""Prometheus metrics: pilots by factory/label/state (read from the database at scrape time), request
latency, state-update outcomes, writer batch sizes and expiry actions.

With several uvicorn workers ``PROMETHEUS_MULTIPROC_DIR`` is set (by ``monitor serve``) and the
per-process metrics are merged at scrape time."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator

from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.registry import Collector
from sqlalchemy import Engine

from autopyfactory.monitor_server.db.tx import reading
from autopyfactory.monitor_server.store.stats import pilot_counts

log = logging.getLogger(__name__)

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)


class PilotCollector(Collector):
    """Prometheus collector of pilot counts per factory, label and state, read from the database."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def collect(self) -> Iterator[Metric]:
        g = GaugeMetricFamily(
            "apfmon_pilots",
            "Pilots known to the monitor, by factory, label and state",
            labels=["factory", "label", "state"],
        )
        try:
            with reading(self.engine) as conn:
                rows = pilot_counts(conn)
        except Exception:
            log.exception("metrics: cannot count pilots")
            rows = []
        for r in rows:
            g.add_metric([r.factory, r.label, r.state.value], r.n)
        yield g


class Metrics:
    """The service's Prometheus metrics."""

    def __init__(self, engine: Engine) -> None:
        # the *_created series are noise here; prometheus_client does not annotate this function
        disable_created_metrics()  # type: ignore[no-untyped-call]
        self.multiprocess = bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR"))
        self.registry = CollectorRegistry()
        reg = None if self.multiprocess else self.registry
        self.latency = Histogram(
            "apfmon_request_duration_seconds",
            "HTTP request latency by method and route",
            ["method", "route"],
            buckets=LATENCY_BUCKETS,
            registry=reg,
        )
        self.requests = Counter(
            "apfmon_requests",
            "HTTP requests by method, route and status",
            ["method", "route", "status"],
            registry=reg,
        )
        self.state_updates = Counter(
            "apfmon_state_updates",
            "Job state updates by requested state and outcome",
            ["state", "outcome"],
            registry=reg,
        )
        self.batch_size = Histogram(
            "apfmon_writer_batch_size",
            "State updates applied per database transaction",
            buckets=(1, 2, 5, 10, 20, 50, 100, 200, 500),
            registry=reg,
        )
        self.refused_writes = Counter(
            "apfmon_refused_writes",
            "Factory writes refused (admission, names, unknown factory), by action and status",
            ["action", "status"],
            registry=reg,
        )
        self.expiry = Counter(
            "apfmon_expiry_actions",
            "Jobs and records changed by the expiry task, by action",
            ["action"],
            registry=reg,
        )
        self.registry.register(PilotCollector(engine))
        if self.multiprocess:
            # prometheus_client does not annotate MultiProcessCollector's constructor
            MultiProcessCollector(self.registry)  # type: ignore[no-untyped-call]

    def render(self) -> bytes:
        return generate_latest(self.registry)
