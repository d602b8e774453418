"""One APF queue at run time: its chain, its status sources, its submit plugin and monitors."""

from __future__ import annotations

import logging
from concurrent.futures import Future
from dataclasses import dataclass
from typing import Any

from autopyfactory.config.queue import (
    BATCHSTATUS_MAXAGE,
    BATCHSUBMIT_PLUGIN,
    MONITOR_SECTION,
    SLEEP,
    WMSQUEUE,
    WMSSTATUS_MAXAGE,
    WMSSTATUS_PLUGIN,
    batchstatus_plugin_name,
)
from autopyfactory.engine.calls import RunningCall
from autopyfactory.engine.status_hub import StatusHub, StatusKey
from autopyfactory.loading.chain import build_chain
from autopyfactory.loading.loader import QueueConfig
from autopyfactory.model.decision import Decision
from autopyfactory.model.snapshot import QueueSnapshot
from autopyfactory.plugins.context import FactoryContext
from autopyfactory.plugins.monitor import MonitorPlugin
from autopyfactory.plugins.registry import Registry
from autopyfactory.plugins.submit import BatchSubmitPlugin
from autopyfactory.sched.base import SchedPlugin

log = logging.getLogger(__name__)


@dataclass
class Outcome:
    """What happened to one queue in one cycle (for the decision log line and tests)."""

    queue: str
    snapshot: QueueSnapshot | None
    decision: Decision | None
    action: str
    submitted: int = 0
    retired: int = 0
    error: str = ""
    target: int = 0  # what the action aims at: the decision, cut to the safety cap
    cap: str = ""  # set when the safety cap cut the decision (for the decision line)


class QueueRuntime:
    def __init__(
        self,
        qc: QueueConfig,
        ctx: FactoryContext,
        hub: StatusHub,
        reg: Registry,
        monitors: dict[str, MonitorPlugin],
        sleep_override: float | None = None,
    ) -> None:
        s = qc.section
        self.config = qc
        self.section = s
        self.name = s.name
        self.wmsqueue: str = s.get(WMSQUEUE) or s.name
        self.chain: list[SchedPlugin] = build_chain(s, ctx.factory, reg)
        wms_name = s.get(WMSSTATUS_PLUGIN)
        self.wms_key: StatusKey | None = None
        wms_maxage = None
        if wms_name:
            self.wms_key, wms_inst = hub.instance("wmsstatus", str(wms_name), s)
            wms_maxage = wms_inst.maxage()
        self.batch_key, batch_inst = hub.instance("batchstatus", batchstatus_plugin_name(s), s)
        self.wms_maxage: float = s.get(WMSSTATUS_MAXAGE) or wms_maxage or 360.0
        self.batch_maxage: float = s.get(BATCHSTATUS_MAXAGE) or batch_inst.maxage()
        submit_cls = reg.get("batchsubmit", str(s.get(BATCHSUBMIT_PLUGIN)))
        self.submitter: BatchSubmitPlugin = submit_cls(ctx, s)
        self.monitors = [monitors[m] for m in s.get(MONITOR_SECTION) if m in monitors]
        self.sleep: float = sleep_override if sleep_override is not None else float(s.get(SLEEP))
        self.last_decision_at: float | None = None
        # the last cycle this queue was due in, whatever came of it: it waits apfqueue.sleep from
        # there, also when it could not decide (repeated batch data, an error)
        self.last_attempt_at: float | None = None
        self.last_batch_at: float | None = None
        self.cycles = 0
        self.action: Future[Any] | None = None  # this queue's submission/retirement under way
        self.overrun: RunningCall | None = None  # a plugin call past its deadline, still running

    def busy(self) -> str:
        """Why the queue cannot start a cycle now ("" when it can): a plugin call that overran
        its deadline and has not returned (or the queue's action still under way)."""
        if self.overrun is not None:
            if not self.overrun.done:
                return self.overrun.describe()
            self.overrun = None
        if self.action is not None and not self.action.done():
            return "its submission of the last cycle is still under way"
        return ""

    @property
    def status_keys(self) -> list[StatusKey]:
        return [k for k in (self.wms_key, self.batch_key) if k is not None]

    def due(self, now: float) -> bool:
        return self.last_attempt_at is None or now - self.last_attempt_at >= self.sleep - 0.001

    def next_due(self) -> float:
        return 0.0 if self.last_attempt_at is None else self.last_attempt_at + self.sleep

    def close(self) -> None:
        try:
            self.submitter.close()
        except Exception:
            log.exception("queue=%s closing submit plugin", self.name)
