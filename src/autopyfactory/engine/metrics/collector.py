"""The factory's Prometheus metrics: one collector, fed from every cycle's report and every reload,
rendered at scrape time.

:class:`FactoryMetrics` follows a :class:`~autopyfactory.engine.factory.Factory` through its
``on_cycle`` and ``on_reload`` callbacks (nothing else in the factory or its plugins calls it):
each outcome adds to its queue's series, each poll result to its status source's. A scrape reads
those, the factory's queue states and the auth manager's credentials. Series of a queue that stops
running, and of a status source no running queue reads any more, are removed at that reload. Safe
to scrape from any thread while the factory runs."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry, ProcessCollector, generate_latest
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
    SummaryMetricFamily,
)
from prometheus_client.registry import Collector

from autopyfactory import __version__
from autopyfactory.engine.factory import Factory, ReloadKind
from autopyfactory.engine.metrics import names as n
from autopyfactory.engine.metrics.credentials import auth_statuses, credential_families
from autopyfactory.engine.metrics.histogram import Histogram
from autopyfactory.engine.metrics.series import QueueSeries, SourceSeries
from autopyfactory.engine.metrics.sources import SourceName, source_name
from autopyfactory.engine.outcome import CycleReport
from autopyfactory.engine.queue_states import QueueStateKind
from autopyfactory.plugins.status import Fetches, StatusPlugin

log = logging.getLogger(__name__)

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"


class FactoryMetrics(Collector):
    """The metrics of one factory (:data:`autopyfactory.engine.metrics.names.ALL`), in a registry of
    their own with the process's (``process_*``). :meth:`render` is the text a scrape gets."""

    def __init__(self, factory: Factory) -> None:
        self.factory = factory
        self.clock = factory.clock
        self._lock = threading.Lock()
        self._queues: dict[str, QueueSeries] = {}
        self._sources: dict[SourceName, SourceSeries] = {}
        self._cycles = 0
        self._cycle_duration = Histogram(n.CYCLE_BUCKETS)
        self._reloads = {k.value: 0 for k in ReloadKind}
        self.registry = CollectorRegistry()
        self.registry.register(self)
        ProcessCollector(registry=self.registry)
        self._follow()
        factory.on_cycle.append(self.record_cycle)
        factory.on_reload.append(self.record_reload)

    def render(self) -> bytes:
        """The Prometheus text exposition of every series (:data:`CONTENT_TYPE`)."""
        return generate_latest(self.registry)

    # -- fed by the factory (its loop's thread) ---------------------------------------------------
    def record_cycle(self, report: CycleReport) -> None:
        """Add a cycle's outcomes and poll results. Never raises (a metrics bug must not stop the
        factory)."""
        try:
            self._record_cycle(report)
        except Exception:
            log.exception("metrics: cannot count cycle %d", report.number)

    def _record_cycle(self, report: CycleReport) -> None:
        told: dict[SourceName, tuple[float | None, Fetches | None]] = {}
        for key in report.polls:
            told[source_name(key)] = _told(self.factory.hub.get(key))
        now = self.clock.time()
        with self._lock:
            for out in report.outcomes:
                series = self._queues.get(out.queue)
                if series is not None:  # else it stopped running since
                    series.add(out)
            for key, result in report.polls.items():
                name = source_name(key)
                self._sources.setdefault(name, SourceSeries()).add(result, *told[name], now)
            self._cycles += 1
            self._cycle_duration.observe(max(0.0, now - report.started_at))

    def record_reload(self, kind: ReloadKind) -> None:
        """Count a reload; follow the queues and status sources it changed."""
        with self._lock:
            self._reloads[kind.value] = self._reloads.get(kind.value, 0) + 1
        try:
            self._follow()
        except Exception:
            log.exception("metrics: cannot follow the reload")

    def _follow(self) -> None:
        """Series for every running queue and the sources they read; drop the others'."""
        running = {
            name: (rt.sleep, tuple(sorted({source_name(k) for k in rt.status_keys})))
            for name, rt in list(self.factory.queues.items())
        }
        used = {s for _, sources in running.values() for s in sources}
        with self._lock:
            for name in [q for q in self._queues if q not in running]:
                del self._queues[name]
            for source in [s for s in self._sources if s not in used]:
                del self._sources[source]
            for name, (sleep, sources) in running.items():
                series = self._queues.setdefault(name, QueueSeries())
                series.sleep, series.sources = sleep, sources

    # -- scrapes (any thread) ---------------------------------------------------------------------
    def collect(self) -> Iterator[Metric]:
        now = self.clock.time()
        yield from self._factory_families()
        yield from self._state_families()
        with self._lock:  # copies: the families are built without holding up the factory's loop
            queues = {name: q.copy() for name, q in self._queues.items()}
            sources = {name: s.copy() for name, s in self._sources.items()}
        yield from self._queue_families(queues)
        yield from self._source_families(sources, now)
        yield from credential_families(auth_statuses(self.factory.ctx.auth), time.time())

    def _factory_families(self) -> Iterator[Metric]:
        info = GaugeMetricFamily(n.FACTORY_INFO.name, n.FACTORY_INFO.help, labels=n.FACTORY_INFO.labels)
        info.add_metric([self.factory.settings.factory_id, __version__], 1.0)
        yield info
        with self._lock:
            cycles, buckets, total = self._cycles, self._cycle_duration.buckets(), self._cycle_duration.total
            reloads = dict(self._reloads)
        yield CounterMetricFamily(n.CYCLES.family, n.CYCLES.help, value=cycles)
        duration = HistogramMetricFamily(n.CYCLE_DURATION.name, n.CYCLE_DURATION.help)
        duration.add_metric([], buckets, total)
        yield duration
        fam = CounterMetricFamily(n.RELOADS.family, n.RELOADS.help, labels=n.RELOADS.labels)
        for result, count in sorted(reloads.items()):
            fam.add_metric([result], count)
        yield fam

    def _state_families(self) -> Iterator[Metric]:
        states = self.factory.queue_states
        counts = GaugeMetricFamily(n.QUEUES.name, n.QUEUES.help, labels=n.QUEUES.labels)
        for kind in QueueStateKind:
            counts.add_metric([kind.value], sum(1 for s in states.values() if s.state is kind))
        each = GaugeMetricFamily(n.QUEUE_STATE.name, n.QUEUE_STATE.help, labels=n.QUEUE_STATE.labels)
        since = GaugeMetricFamily(n.QUEUE_STATE_SINCE.name, n.QUEUE_STATE_SINCE.help, labels=["queue"])
        for name, state in states.items():
            for kind in QueueStateKind:
                each.add_metric([name, kind.value], 1.0 if state.state is kind else 0.0)
            since.add_metric([name], state.since)
        yield from (counts, each, since)

    def _queue_families(self, queues: dict[str, QueueSeries]) -> list[Metric]:
        def gauge(series: n.Series) -> GaugeMetricFamily:
            return GaugeMetricFamily(series.name, series.help, labels=series.labels)

        def counter(series: n.Series) -> CounterMetricFamily:
            return CounterMetricFamily(series.family, series.help, labels=series.labels)

        decisions, errors = counter(n.DECISIONS), counter(n.ACTION_ERRORS)
        submitted, retired, failed, cuts = (
            counter(s) for s in (n.SUBMITTED, n.RETIRED, n.SUBMIT_FAILED, n.CAP_CUTS)
        )
        activated, pending, running, decision, cap_cut, lateness, last, sleep, sources = (
            gauge(s)
            for s in (
                n.ACTIVATED, n.PENDING, n.RUNNING, n.DECISION, n.CAP_CUT, n.LATENESS, n.LAST_DECISION,
                n.SLEEP, n.QUEUE_SOURCE,
            )
        )  # fmt: skip
        duration = HistogramMetricFamily(
            n.QUEUE_CYCLE_DURATION.name, n.QUEUE_CYCLE_DURATION.help, labels=n.QUEUE_CYCLE_DURATION.labels
        )
        for name, q in sorted(queues.items()):
            for action, count in q.decisions.items():
                decisions.add_metric([name, action], count)
            for action, count in q.action_errors.items():
                errors.add_metric([name, action], count)
            submitted.add_metric([name], q.submitted)
            retired.add_metric([name], q.retired)
            failed.add_metric([name], q.submit_failed)
            cuts.add_metric([name], q.cap_cuts)
            for fam, value in (
                (activated, q.activated), (pending, q.pending), (running, q.running),
                (decision, q.decision), (cap_cut, q.cap_cut), (lateness, q.lateness),
                (last, q.last_decision_at), (sleep, q.sleep),
            ):  # fmt: skip
                if value is not None:
                    fam.add_metric([name], float(value))
            duration.add_metric([name], q.duration.buckets(), q.duration.total)
            for source in q.sources:
                sources.add_metric([name, *source.labels], 1.0)
        return [
            decisions, activated, pending, running, decision, cap_cut, cuts, submitted, retired, failed,
            errors, duration, lateness, last, sleep, sources,
        ]  # fmt: skip

    def _source_families(self, sources: dict[SourceName, SourceSeries], now: float) -> list[Metric]:
        polls = CounterMetricFamily(n.POLLS.family, n.POLLS.help, labels=n.POLLS.labels)
        errors = CounterMetricFamily(n.POLL_ERRORS.family, n.POLL_ERRORS.help, labels=n.POLL_ERRORS.labels)
        duration = HistogramMetricFamily(
            n.POLL_DURATION.name, n.POLL_DURATION.help, labels=n.POLL_DURATION.labels
        )
        fetches = SummaryMetricFamily(
            n.FETCH_DURATION.name, n.FETCH_DURATION.help, labels=n.FETCH_DURATION.labels
        )
        fetch_errors = CounterMetricFamily(
            n.FETCH_ERRORS.family, n.FETCH_ERRORS.help, labels=n.FETCH_ERRORS.labels
        )
        age = GaugeMetricFamily(n.DATA_AGE.name, n.DATA_AGE.help, labels=n.DATA_AGE.labels)
        maxage = GaugeMetricFamily(n.MAXAGE.name, n.MAXAGE.help, labels=n.MAXAGE.labels)
        for source, s in sorted(sources.items()):
            labels = list(source.labels)
            polls.add_metric(labels, s.polls)
            for reason, count in s.errors.items():
                errors.add_metric([*labels, reason], count)
            duration.add_metric(labels, s.duration.buckets(), s.duration.total)
            if s.fetches is not None:
                fetches.add_metric(labels, s.fetches.count, s.fetches.seconds)
                fetch_errors.add_metric(labels, s.fetches.failed)
            if s.taken_at is not None:
                age.add_metric(labels, max(0.0, now - s.taken_at))
            if s.maxage is not None:
                maxage.add_metric(labels, s.maxage)
        return [polls, errors, duration, fetches, fetch_errors, age, maxage]


def _told(inst: StatusPlugin[Any] | None) -> tuple[float | None, Fetches | None]:
    """What a status source says of itself: its maxage and its fetches (None: it cannot say)."""
    if inst is None:
        return None, None
    try:
        maxage: float | None = float(inst.maxage())
    except Exception:
        maxage = None
    try:
        fetches = inst.fetches()
    except Exception:
        log.exception("metrics: %s: fetches() failed", type(inst).__name__)
        fetches = None
    return maxage, fetches
