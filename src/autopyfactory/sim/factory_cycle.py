"""The factory's cycle in the world's virtual time: the one place the simulator stands in for the
engine (to be replaced by the engine's own cycle, see docs/simulation.md "Engine seams").

Queues are built from a loaded configuration exactly as the factory builds them: their plugins come
from the registry (``build_chain`` for the sched chain), status plugin instances are shared by
instance key, each cycle polls every source once, cuts snapshots with the engine's own
``build_snapshot`` (freshness rules: stale or missing data, repeated batch data), adds the queue's
history, calls ``decide`` and carries the decision out through the queue's submit plugin, at most
``batchsubmit.maxpercycle`` pilots a cycle as the engine does. Nothing
here sleeps or reads a clock: ``now`` comes from the caller."""

from __future__ import annotations

import logging
import math
from collections.abc import Hashable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar

from autopyfactory.config.problems import ConfigError
from autopyfactory.config.queue import (
    BATCHSTATUS_MAXAGE,
    BATCHSUBMIT_PLUGIN,
    SLEEP,
    WMSQUEUE,
    WMSSTATUS_MAXAGE,
    WMSSTATUS_PLUGIN,
)
from autopyfactory.config.section import ConfigSection
from autopyfactory.engine.snapshot import build_snapshot
from autopyfactory.loading.batchstatus import counting_plugin
from autopyfactory.loading.chain import build_chain
from autopyfactory.loading.loader import LoadedConfig
from autopyfactory.model.batch import BatchView
from autopyfactory.model.decision import Decision
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.model.wms import WMSView
from autopyfactory.plugins.base import Category
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.registry import PluginNotFound, Registry
from autopyfactory.plugins.status import BATCHSTATUS, WMSSTATUS, StatusPlugin
from autopyfactory.plugins.submit import BATCHSUBMIT, BatchSubmitPlugin
from autopyfactory.sched.base import SchedPlugin
from autopyfactory.sched.chain import decide
from autopyfactory.sim.history_keeper import HistoryKeeper, Shared

log = logging.getLogger("autopyfactory.sim.cycle")

StatusKey = tuple[str, str, Hashable]
S = TypeVar("S", bound=StatusPlugin[Any])


@dataclass
class SimQueue:
    """One APF queue as the cycle needs it."""

    name: str
    wmsqueue: str
    section: ConfigSection
    chain: list[SchedPlugin]
    wms_key: StatusKey | None
    batch_key: StatusKey
    wms_maxage: float
    batch_maxage: float
    submitter: BatchSubmitPlugin
    sleep: float
    last_attempt_at: float | None = None
    last_batch_at: float | None = None


@dataclass(frozen=True)
class QueueOutcome:
    """One queue in one cycle (the engine's decision log line, as data)."""

    queue: str
    at: float
    snapshot: QueueSnapshot
    decision: Decision | None
    action: str
    submitted: int = 0
    retired: int = 0


class FactoryCycle:
    """Runs the factory's cycle for a configuration, synchronously, at times the caller gives."""

    def __init__(self, cfg: LoadedConfig, reg: Registry, history: HistoryKeeper | None = None) -> None:
        if cfg.settings is None:
            raise ValueError("the configuration has no usable [Factory] settings")
        self.ctx = FactoryContext(cfg.factory, cfg.settings, cfg.mappings, cfg.monitors)
        self.reg = reg
        self.history = history if history is not None else HistoryKeeper()
        self.status: dict[StatusKey, StatusPlugin[Any]] = {}
        self.queues: dict[str, SimQueue] = {}
        self.not_started: dict[str, str] = {}
        self.outcomes: list[QueueOutcome] = []  # the last cycle's
        self.decisions = 0
        for name, qc in cfg.queues.items():
            if not qc.enabled:
                self.not_started[name] = "enabled = False"
                continue
            if not qc.ok:
                self.not_started[name] = "; ".join(str(p) for p in qc.errors)
                continue
            try:
                self.queues[name] = self._build(qc.section)
            except (ConfigError, PluginNotFound) as exc:
                self.not_started[name] = str(getattr(exc, "problem", exc))
        for name, why in self.not_started.items():
            log.warning("queue=%s not started: %s", name, why)

    def _instance(self, category: Category[S], name: str, queue: ConfigSection) -> tuple[StatusKey, S]:
        cls = self.reg.get(category, name)
        key: StatusKey = (category.name, name, cls.instance_key(queue))
        inst = self.status.get(key)
        if inst is not None and category.holds(inst):
            return key, inst
        made = cls(self.ctx, queue)
        self.status[key] = made
        return key, made

    def _build(self, s: ConfigSection) -> SimQueue:
        chain = build_chain(s, self.ctx.factory, self.reg)
        wms_key: StatusKey | None = None
        wms_maxage = None
        wms_name = s.get(WMSSTATUS_PLUGIN)
        if wms_name:
            wms_key, wms_inst = self._instance(WMSSTATUS, wms_name, s)
            wms_maxage = wms_inst.maxage()
        submit_cls = self.reg.get(BATCHSUBMIT, s.get(BATCHSUBMIT_PLUGIN))
        batch_key, batch_inst = self._instance(BATCHSTATUS, counting_plugin(s, submit_cls), s)
        submitter = submit_cls(self.ctx, s)
        return SimQueue(
            name=s.name,
            wmsqueue=s.get(WMSQUEUE) or s.name,
            section=s,
            chain=chain,
            wms_key=wms_key,
            batch_key=batch_key,
            wms_maxage=s.get(WMSSTATUS_MAXAGE) or wms_maxage or 360.0,
            batch_maxage=s.get(BATCHSTATUS_MAXAGE) or batch_inst.maxage(),
            submitter=submitter,
            sleep=s.get(SLEEP),
        )

    # -- the cycle -------------------------------------------------------------------------------
    def next_due(self) -> float:
        if not self.queues:
            return math.inf
        return min(
            0.0 if q.last_attempt_at is None else q.last_attempt_at + q.sleep for q in self.queues.values()
        )

    def _due(self, q: SimQueue, now: float) -> bool:
        return q.last_attempt_at is None or now - q.last_attempt_at >= q.sleep - 0.001

    def run_cycle(self, now: float) -> None:
        due = [q for q in self.queues.values() if self._due(q, now)]
        self.outcomes = []
        if not due:
            return
        views: dict[StatusKey, WMSView | BatchView | None] = {}
        errors: dict[StatusKey, str] = {}
        for key in {k for q in due for k in (q.wms_key, q.batch_key) if k is not None}:
            try:
                views[key] = self.status[key].poll()
            except Exception as exc:
                views[key] = None
                errors[key] = f"{type(exc).__name__}: {exc}"
        batch_views = {k: v for k, v in views.items() if isinstance(v, BatchView)}
        factory_active = sum(v.total_active() for v in batch_views.values()) if batch_views else None
        shares = self.history.shares(
            (q.name, q.wmsqueue, batch_views.get(q.batch_key)) for q in self.queues.values()
        )
        for q in due:
            q.last_attempt_at = now
            try:
                out = self._decide(q, views, errors, factory_active, shares, now)
            except Exception:
                log.exception("queue=%s decision failed", q.name)
                continue
            self.outcomes.append(out)
            self._log(q, out)

    def _decide(
        self,
        q: SimQueue,
        views: dict[StatusKey, WMSView | BatchView | None],
        errors: dict[StatusKey, str],
        factory_active: int | None,
        shares: Mapping[str, Shared],
        now: float,
    ) -> QueueOutcome:
        wms = views.get(q.wms_key) if q.wms_key is not None else None
        batch = views.get(q.batch_key)
        wms_view = wms if isinstance(wms, WMSView) else None
        batch_view = batch if isinstance(batch, BatchView) else None
        snap, fresh = build_snapshot(
            q.name, q.wmsqueue, wms_view, batch_view, factory_active, now, q.wms_maxage, q.batch_maxage,
            q.last_batch_at, wms_required=q.wms_key is not None,
        )  # fmt: skip
        if fresh.repeat:
            return QueueOutcome(q.name, now, snap, None, "none (no fresh batch status data)")
        snap = self.history.attach(snap, batch_view, wms_view, shares)
        decision = decide(q.chain, snap)
        self.decisions += 1
        if snap.batch is not None and batch_view is not None:
            q.last_batch_at = batch_view.taken_at
        acted = 0
        if fresh.problems:
            why = "; ".join([*fresh.problems, *(errors[k] for k in (q.wms_key, q.batch_key) if k in errors)])
            out = QueueOutcome(q.name, now, snap, decision, f"none ({why})")
        elif decision.n == 0:
            out = QueueOutcome(q.name, now, snap, decision, "none")
        elif decision.n > 0:
            cap = self.ctx.settings.submit_max_per_cycle  # the engine's per-queue safety cap
            made = len(q.submitter.submit(min(decision.n, cap)))
            acted = made
            note = f" (cut from {decision.n}: batchsubmit.maxpercycle)" if decision.n > cap else ""
            out = QueueOutcome(q.name, now, snap, decision, f"submitted {made}{note}", submitted=made)
        else:
            gone = len(q.submitter.retire(-decision.n))
            acted = -gone
            peaceful = " (peaceful)" if q.submitter.peaceful else ""
            out = QueueOutcome(q.name, now, snap, decision, f"retired {gone}{peaceful}", retired=gone)
        if decision.n != 0 and not fresh.problems:
            try:
                q.submitter.cleanup()
            except Exception:
                log.exception("queue=%s cleanup failed", q.name)
        self.history.record(snap, acted)
        return out

    def _log(self, q: SimQueue, out: QueueOutcome) -> None:
        if not log.isEnabledFor(logging.DEBUG):
            return
        snap, d = out.snapshot, out.decision
        site = snap.site.status if snap.site is not None else None
        log.debug(
            'queue=%s wmsqueue=%s activated=%s pending=%s running=%s site=%s decision=%s action=%r chain="%s"',
            q.name, q.wmsqueue, snap.activated, snap.pending, snap.running, site,
            d.n if d else None, out.action, d.message if d else "",
        )  # fmt: skip

    def close(self) -> None:
        for q in self.queues.values():
            try:
                q.submitter.close()
            except Exception:
                log.exception("queue=%s closing submit plugin", q.name)
        for inst in self.status.values():
            inst.close()
